"""The satisfaction pages: the customer's own questionnaire behind a QR link (no login),
the figures of a manager, a team or the company with their Excel export, and the market
manager's phone callbacks."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import allowed_if
from accounts.lockout import client_ip
from accounts.policy import can_make_callbacks, has_role, may_open_survey_link
from core.xlsx import stamped, workbook_bytes, xlsx_response

from . import pages
from .exports import satisfaction_sheets
from .forms import AnswerForm
from .links import LinkRefused, link_open
from .models import Channel
from .selectors import active_dimensions, has_answered
from .services import AlreadyAnswered, response_record

FAILURE_WINDOW_SECONDS = 600


def _failures_key(request) -> str:
    return f"surveys:link-failures:{client_ip(request) or '-'}"


def _refused(request, reason, *, status: int):
    return render(request, "surveys/answer.html", {"refused": reason}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    """The customer's questionnaire (no login): a signed link of one customer and period."""
    key = _failures_key(request)
    if cache.get(key, 0) >= settings.SURVEY_LINK_MAX_FAILURES:
        return _refused(request, _("尝试次数过多，请稍后再试。"), status=429)
    try:
        link = link_open(token)
    except LinkRefused as exc:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, FAILURE_WINDOW_SECONDS)
        return _refused(request, exc.args[0], status=404)
    if not may_open_survey_link(request.user):
        return _refused(request, _("客户经理不能代客户填写满意度评价。"), status=403)
    context = {"survey": link.survey, "customer": link.customer}
    if has_answered(survey=link.survey, customer=link.customer):
        return render(request, "surveys/answer.html", context | {"answered": True})
    dimensions = active_dimensions()
    form = AnswerForm(request.POST or None, dimensions=dimensions)
    if request.method == "POST" and form.is_valid():
        try:
            response_record(
                survey=link.survey,
                customer=link.customer,
                channel=Channel.QR,
                scores=form.scores(),
            )
        except AlreadyAnswered:
            return render(request, "surveys/answer.html", context | {"answered": True})
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return render(request, "surveys/answer.html", context | {"thanks": True})
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/answer.html", context | {"form": form}, status=status)


@allowed_if(has_role)
def overview(request):
    context = pages.overview_context(user=request.user, query=request.GET)
    return render(request, "surveys/overview.html", context)


@allowed_if(has_role)
def export(request):
    context = pages.overview_context(user=request.user, query=request.GET)
    name = _("客户满意度-%(scope)s-%(period)s") % {
        "scope": context["scope_name"],
        "period": context["survey"].name if context["survey"] else "",
    }
    return xlsx_response(workbook_bytes(satisfaction_sheets(context)), stamped(name))


@allowed_if(can_make_callbacks)
def callbacks(request):
    context = pages.callback_context(user=request.user, query=request.GET)
    return render(request, "surveys/callbacks.html", context)


@require_POST
@allowed_if(can_make_callbacks)
def callback_answer(request):
    context = pages.callback_context(user=request.user, query=request.POST)
    survey, team = context["survey"], context["team"]
    if survey is None or team is None:
        raise Http404("no survey period or team")
    row = next(
        (r for r in context["rows"] if str(r.customer.pk) == request.POST.get("customer", "")),
        None,
    )
    if row is None:
        raise Http404("not in the sample")
    form = AnswerForm(request.POST, dimensions=context["dimensions"])
    back = f"{reverse('surveys:callbacks')}?{urlencode({'team': team.code, 'survey': survey.pk})}"
    if form.is_valid():
        try:
            response_record(
                survey=survey,
                customer=row.customer,
                channel=Channel.CALLBACK,
                scores=form.scores(),
                by=request.user,
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("已记录 %(name)s 的电话回访评价。") % {"name": row.customer.name}
            )
            return redirect(back)
    row.form = form
    return render(request, "surveys/callbacks.html", context, status=400)
