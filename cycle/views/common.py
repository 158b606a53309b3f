"""What the cycle's views share: reading the month or day from the URL (within the plans'
window), answering a refused write (a wrong input where the user is; a write the document's
state forbids now with the whole page, see ``refused_now``), and running a workflow
transition (plan or evaluation)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, resolve

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
    400 when the input was wrong. A view answers a ``NotAllowedNow`` with ``refused_now``
    first; this is for the input errors shown beside the field."""
    return " ".join(exc.messages), 409 if isinstance(exc, NotAllowedNow) else 400


def refused_now(request, exc: NotAllowedNow, page_url: str) -> HttpResponse:
    """A write the document's state forbids now, typically from a stale tab (the plan was
    submitted, approved or returned, the month's results closed, in another tab): nothing
    was written, and every part of the page the user has may be out of date, not only the
    part they wrote in. The answer is 409 with the reason as a message at the top of the
    page at ``page_url`` (a GET page: the plan, the grid, the calendar, the evaluation, the
    visit log), shown as it is now:

    - htmx: an empty 409 with ``HX-Redirect: page_url``. htmx 2 acts on that header before
      it looks at the status (``handleAjaxResponse`` in django-htmx's htmx-2.js; so does it
      on ``HX-Refresh``), loads the whole page afresh and no error box flashes. Not
      ``HX-Refresh``: a reload restores the scroll position, and the reason at the top of
      the page would stay out of sight on a phone; a navigation to the page starts at the
      top. It also leaves a page that a plain POST had rendered at its own address;
    - a plain POST: the page itself (rendered as its GET renders it) with status 409."""
    messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return HttpResponse(status=409, headers={"HX-Redirect": page_url})
    response = _page_as_get(request, page_url)
    if response.status_code == 200:
        response.status_code = 409
    return response


def _page_as_get(request, page_url: str) -> HttpResponse:
    """The response of the GET view at ``page_url`` to this user, as if they had opened it
    (the same session, messages and CSRF token; no form data)."""
    path = page_url.split("?", 1)[0].split("#", 1)[0]
    match = resolve("/" + path.removeprefix(get_script_prefix()))
    get = copy.copy(request)
    get.method = "GET"
    get.GET, get.POST = QueryDict(), QueryDict()
    get.path, get.path_info = path, "/" + path.removeprefix(get_script_prefix())
    return match.func(get, *match.args, **match.kwargs)


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
    ``cycle``: a missing or too long comment goes back to the page as a message; a transition
    the state no longer allows answers as ``refused_now``; any other refusal (an empty plan)
    shows the page with the reason and the typed comment; after a decision the
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
    except NotAllowedNow as exc:  # e.g. decided meanwhile in another tab
        return refused_now(request, exc, page_url)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        context = page_context(user=request.user, cycle=cycle) | {"comment_form": form}
        return render(request, template, context, status=400)
    messages.success(request, str(done))
    if name != Transition.SUBMIT:
        return redirect(decided_url or "plans:queue")
    return redirect(page_url)
