"""Changing monthly cycles. Only the owning customer manager writes a cycle's documents."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_edit_cycle, is_cycle_keeper
from core.text import clean_text

from ..models import PROBLEMS_MAX_LENGTH, Cycle


def cycle_get_or_create(*, manager: User, month: dt.date) -> Cycle:
    """The cycle of ``manager`` (a customer manager) for the month of ``month`` (any day of
    it), created on first use. Safe under concurrent first use: the unique constraint makes
    the loser of the race read the winner's row."""
    if not is_cycle_keeper(manager):
        raise ValueError(f"{manager.username} is not a customer manager")
    cycle, _created = Cycle.objects.get_or_create(
        manager=manager, month=dt.date(month.year, month.month, 1)
    )
    return cycle


def cycle_start(*, cycle: Cycle, by: User) -> Cycle:
    """Make sure ``cycle`` has its row before ``by`` writes into it; every service that
    writes into a cycle calls this first (through its lock, or directly).

    Pages read a month nobody has written yet as an unsaved default cycle
    (``selectors.cycle_for``): the month starts with its customer manager's first write, and
    only theirs — anyone else is refused (PermissionDenied) and creates nothing. The
    caller's instance becomes the saved row (its pk is set), so the page rendered after the
    write reads what was written."""
    if cycle.pk is not None:
        return cycle
    if not can_edit_cycle(by, cycle):
        raise PermissionDenied
    saved = cycle_get_or_create(manager=cycle.manager, month=cycle.month)
    for field in Cycle._meta.concrete_fields:  # a row a concurrent first write made may hold more
        setattr(cycle, field.attname, getattr(saved, field.attname))
    cycle._state.adding, cycle._state.db = False, saved._state.db
    return cycle


def cycle_can_edit(*, user: User, cycle: Cycle) -> bool:
    """Only the owning customer manager writes a cycle (admins use the admin site)."""
    return can_edit_cycle(user, cycle)


def cycle_save_problems(*, cycle: Cycle, text: str, by: User) -> Cycle:
    """Save the problems and their reasons (问题与原因) written after the analysis.

    Line breaks are normalised to ``\\n`` and the text is stripped before its length is
    checked, so the limit counts what the manager sees. Raises PermissionDenied unless ``by``
    owns the cycle, ValidationError (on ``problems``) when the text is too long."""
    if not cycle_can_edit(user=by, cycle=cycle):
        raise PermissionDenied
    text = clean_text(text)
    if len(text) > PROBLEMS_MAX_LENGTH:
        raise ValidationError(
            {
                "problems": ValidationError(
                    _("问题与原因最多 %(limit)d 字，当前 %(length)d 字，请精简后再保存。"),
                    code="max_length",
                    params={"limit": PROBLEMS_MAX_LENGTH, "length": len(text)},
                )
            }
        )
    cycle_start(cycle=cycle, by=by)
    cycle.problems = text
    cycle.save(update_fields=["problems", "updated_at"])
    return cycle
