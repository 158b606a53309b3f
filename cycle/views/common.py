"""What the cycle's views share: reading the month from the URL, turning a refused write
into a message where the user is, and running a workflow transition (plan or evaluation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from core.months import FIRST_YEAR, LAST_YEAR, parse_month

from ..forms import CommentForm
from ..models import Cycle, Transition
from ..services import NotAllowedNow


def url_month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError as exc:
        raise Http404("no such month") from exc


def url_date(text: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Http404("no such day") from exc
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise Http404("no such day")
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
) -> HttpResponse:
    """POST of a transition ``name`` (``transitions``: name → (service, success message)) on
    ``cycle``: a missing or too long comment goes back to the page as a message; a refused
    transition shows the page with the reason and the typed comment; after a decision the
    market manager goes back to the queue, after a submission the owner to the page."""
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
        return redirect("plans:queue")
    return redirect(page_url)
