"""The plan's demand-forecast grid: typed in place (htmx, one cell at a time), saved as a
whole without JavaScript, imported from a file, or downloaded as one that imports back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import allowed_if
from accounts.policy import can_edit_cycle, has_role, works_own_cycle
from core.tabular.columns import more_errors_note
from core.xlsx import workbook_bytes, xlsx_response

from ..forecast_export import forecast_sheet
from ..forms import ForecastCellForm, ForecastImportForm
from ..selectors import plan_for
from ..selectors.forecast_grid import forecast_rows
from ..services import NotAllowedNow, plan_forecasts_import, plan_forecasts_save
from .common import refusal, refused_now, url_month

PAGE = "cycle/forecasts.html"


def _context(request, cycle, typed: dict | None = None, bad=(), **extra) -> dict:
    months, rows = forecast_rows(cycle=cycle)
    for row in rows:
        row.value = row.forecast
        if typed is not None and row.customer.pk in typed:
            row.value = typed[row.customer.pk]
        if row.customer.pk in bad:
            row.error = _("请输入非负整数。")
    return {
        "cycle": cycle,
        "manager": cycle.manager,
        "month": cycle.month,
        "months": months,
        "rows": rows,
        "total": sum(r.forecast or 0 for r in rows),
        "last_total": sum(r.volumes[-1] for r in rows),
        "filled": sum(r.forecast is not None for r in rows),
        "can_edit": can_edit_cycle(request.user, cycle) and cycle.plan_is_editable,
        "import_form": ForecastImportForm(),
    } | extra


@allowed_if(has_role)
def grid(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    if request.method != "POST":
        return render(request, PAGE, _context(request, cycle))
    # without JavaScript: the whole grid is one form, inputs named q<customer id>
    quantities, bad = {}, []
    for name, value in request.POST.items():
        if not name.startswith("q") or not name[1:].isdigit():
            continue
        form = ForecastCellForm({"quantity": value.strip()})
        if form.is_valid():
            quantities[int(name[1:])] = form.cleaned_data["quantity"]
        else:
            bad.append(int(name[1:]))
    error, status = "", 200
    if bad:
        error, status = _("有 %(n)d 个预测量不是非负整数，请修改后再保存。") % {"n": len(bad)}, 400
    else:
        try:
            plan_forecasts_save(cycle=cycle, by=request.user, quantities=quantities)
        except NotAllowedNow as exc:
            return refused_now(request, exc, request.path)
        except ValidationError as exc:
            error, status = refusal(exc)
    if error:
        messages.error(request, error)
        typed = {int(k[1:]): v for k, v in request.POST.items() if k[1:].isdigit()}
        return render(request, PAGE, _context(request, cycle, typed=typed, bad=bad), status=status)
    messages.success(request, _("需求预测已保存。"))
    return redirect("plans:forecasts", username, month)


@allowed_if(works_own_cycle)
@require_POST
def cell(request, username: str, month: str, customer_id: int):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    typed = request.POST.get(f"q{customer_id}", request.POST.get("quantity", "")).strip()
    form = ForecastCellForm({"quantity": typed})
    error, status = "", 200
    if form.is_valid():
        try:
            plan_forecasts_save(
                cycle=cycle,
                by=request.user,
                quantities={customer_id: form.cleaned_data["quantity"]},
            )
        except NotAllowedNow as exc:
            return refused_now(request, exc, reverse("plans:forecasts", args=[username, month]))
        except ValidationError as exc:
            error, status = refusal(exc)
    else:
        error, status = _("请输入非负整数。"), 400
    context = {
        "customer_id": customer_id,
        "value": typed,
        "cell_error": error,
        "saved": not error,
        "cycle": cycle,
        "can_edit": True,
    }
    # htmx swaps 200 responses only: the cell shows its own input error, what was typed kept
    return render(request, f"{PAGE}#cell", context, status=200 if request.htmx else status)


@allowed_if(works_own_cycle)
@require_POST
def import_file(request, username: str, month: str):
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    form = ForecastImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, PAGE, _context(request, cycle, import_form=form), status=400)
    upload = form.cleaned_data["file"]
    try:
        result = plan_forecasts_import(
            cycle=cycle, by=request.user, content=upload.read(), filename=upload.name
        )
    except NotAllowedNow as exc:
        return refused_now(request, exc, reverse("plans:forecasts", args=[username, month]))
    except ValidationError as exc:
        error, status = refusal(exc)
        messages.error(request, error)
        return render(request, PAGE, _context(request, cycle, import_form=form), status=status)
    if result.errors:
        context = _context(
            request,
            cycle,
            import_form=form,
            import_errors=result.errors,
            import_error_count=result.error_count,
            import_errors_note=more_errors_note(more) if (more := result.more_errors) else "",
        )
        return render(request, PAGE, context, status=400)
    messages.success(request, _("已导入 %(n)d 条需求预测。") % {"n": result.written})
    return redirect("plans:forecasts", username, month)


@allowed_if(has_role)
@require_safe
def export(request, username: str, month: str):
    """Whoever sees the grid may download it; the file imports back unchanged."""
    cycle = plan_for(user=request.user, username=username, month=url_month(month))
    content = workbook_bytes([forecast_sheet(cycle)])
    name = _("需求预测")
    return xlsx_response(content, f"{name}-{cycle.manager.username}-{cycle.month:%Y-%m}.xlsx")
