"""What the cycle's views share: reading the month or day from the URL (within the plans'
window), turning a refused write into a message where the user is, and running a workflow
transition (plan or evaluation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from core.months import add_months, current_month, month_end, parse_month

from ..forms import CommentForm
from ..models import Cycle, Transition
from ..services import NotAllowedNow

# The months a plan URL may name: the last two years, to two months ahead (plans are made
# ahead of their month). Anything else is a typing mistake or a crawler, answered 404 before
# any cycle is read; this is the one place that says so.
MONTHS_BACK, MONTHS_AHEAD = 24, 2


def month_window() -> tuple[dt.date, dt.date]:
    """The first and the last month a plan URL may name, today."""
    now = current_month()
    return add_months(now, -MONTHS_BACK), add_months(now, MONTHS_AHEAD)


def plan_month(month: dt.date) -> dt.date:
    """``month`` (a first day) if it is inside ``month_window``, else Http404."""
    first, last = month_window()
    if not first <= month <= last:
        raise Http404("month outside the plans' window")
    return month


def url_month(text: str) -> dt.date:
    """The month of a cycle's URL (``YYYY-MM``) inside ``month_window``, else Http404."""
    try:
        month = parse_month(text)
    except ValueError as exc:
        raise Http404("no such month") from exc
    return plan_month(month)


def url_date(text: str) -> dt.date:
    """A day of a cycle's URL (``YYYY-MM-DD``) in the months of ``month_window`` (or in the
    week that starts the first of them: a weekly summary is filed under its Monday)."""
    try:
        date = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Http404("no such day") from exc
    first, last = month_window()
    if not first - dt.timedelta(days=6) <= date <= month_end(last):
        raise Http404("day outside the plans' window")
    return date


def refusal(exc: ValidationError) -> tuple[str, int]:
    """The message and status for a refused write: 409 when the state forbids it now,
    400 when the input was wrong."""
    return " ".join(exc.messages), 409 if isinstance(exc, NotAllowedNow) else 400


def transition_response(
    request,
    *,
    cycle: Cycle,
    name: str,
    transitions: dict,
    page_url: str,
    template: str,
    page_context: Callable[..., dict],
    decided_url: str = "",
) -> HttpResponse:
    """POST of a transition ``name`` (``transitions``: name → (service, success message)) on
    ``cycle``: a missing or too long comment goes back to the page as a message; a refused
    transition shows the page with the reason and the typed comment; after a decision the
    market manager goes to ``decided_url`` (else back to the queue), after a submission the
    owner to the page."""
    if name not in transitions:
        raise PermissionDenied
    service, done = transitions[name]
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["comment"]))
        return redirect(page_url)
    try:
        service(cycle=cycle, by=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        error, status = refusal(exc)
        messages.error(request, error)
        context = page_context(user=request.user, cycle=cycle) | {"comment_form": form}
        return render(request, template, context, status=status)
    messages.success(request, str(done))
    if name != Transition.SUBMIT:
        return redirect(decided_url or "plans:queue")
    return redirect(page_url)
