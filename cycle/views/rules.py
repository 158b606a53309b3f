"""The warning rules' tuning pages (issue #17 point 3): the list of rules, and one rule's page
with its threshold, the what-if preview per team (GET, htmx: the partial ``preview``) and its
change history. Admins save (POST, through ``services.rules.warning_rule_update``); market
managers read the preview of their own teams."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import allowed_if
from accounts.policy import can_preview_rules, can_tune_rules
from reports.analysis import month_choice

from ..forms import ThresholdForm
from ..selectors.rule_tuning import rule_changes, rule_preview, tunable_rule, tunable_rules
from ..services.errors import NotAllowedNow
from ..services.rules import UNCHECKED, warning_rule_update
from ..strategy.spec import KINDS
from .common import refused_now

PAGE = "cycle/rule_edit.html"


@allowed_if(can_preview_rules)
def rule_list(request):
    rules = [(rule, _threshold_text(rule, rule.threshold)) for rule in tunable_rules()]
    return render(request, "cycle/rules.html", {"rules": rules})


@allowed_if(can_preview_rules)
def rule_edit(request, code: str):
    rule = tunable_rule(code=code)
    spec = KINDS.get(rule.kind)
    needs = spec is None or spec.unit is not None
    page_url = reverse("rules:edit", args=[rule.code])
    if request.method == "POST":
        if not can_tune_rules(request.user):
            raise PermissionDenied
        form = ThresholdForm(request.POST, needs_threshold=needs)
        if form.is_valid():
            old = rule.threshold
            try:
                rule = warning_rule_update(
                    rule=rule,
                    by=request.user,
                    threshold=form.cleaned_data["threshold"],
                    expected=_expected(request.POST),
                )
            except NotAllowedNow as exc:
                return refused_now(request, exc, page_url)
            except ValidationError as exc:
                form.add_error("threshold", exc.messages)
            else:
                if _text(old) == _text(rule.threshold):
                    messages.info(request, _("阈值没有变化，未保存。"))
                else:
                    messages.success(
                        request,
                        _("阈值已从 %(old)s 改为 %(new)s，已保存的预警正在重新计算。")
                        % {"old": _text(old) or "—", "new": _text(rule.threshold) or "—"},
                    )
                return redirect(page_url)
        context = _context(request, rule, spec, form, candidate=rule.threshold)
        return render(request, PAGE, context, status=400)
    asked = "threshold" in request.GET
    form = ThresholdForm(
        request.GET if asked else None,
        needs_threshold=needs,
        initial={"threshold": rule.threshold, "expected": _text(rule.threshold)},
    )
    candidate = rule.threshold
    if asked:
        candidate = form.cleaned_data["threshold"] if form.is_valid() else None
    context = _context(
        request, rule, spec, form, candidate=candidate, valid=not asked or form.is_valid()
    )
    if request.htmx:
        return render(request, f"{PAGE}#preview", context)
    return render(request, PAGE, context)


def _context(request, rule, spec, form, *, candidate, valid: bool = True) -> dict:
    month = month_choice(request.GET.get("month"))
    preview = (
        rule_preview(user=request.user, rule=rule, candidate=candidate, month=month)
        if valid
        else None
    )
    return {
        "rule": rule,
        "spec": spec,
        "form": form,
        "preview": preview,
        "candidate_text": _threshold_text(rule, candidate),
        "current_text": _threshold_text(rule, rule.threshold),
        "changes": rule_changes(rule=rule),
        "can_save": can_tune_rules(request.user),
        "month": month,
    }


def _expected(data):
    """The threshold the page showed, from its hidden field ("": none; no field: unchecked)."""
    if "expected" not in data:
        return UNCHECKED
    text = data["expected"].strip()
    if text == "":
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        return UNCHECKED


def _threshold_text(rule, value) -> str:
    """As a warning's message writes it: 0.2 → "20%" for a fraction, else the number."""
    spec = KINDS.get(rule.kind)
    if value is None:
        return ""
    return spec.threshold_text(value) if spec else _text(value)


def _text(value) -> str:
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")
