"""Reading monthly cycles. Who may see whose cycle is decided by
``accounts.selectors.managers_visible_to`` (DESIGN.md §2)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404

from accounts.models import User
from accounts.selectors import managers_visible_to

from .models import Cycle
from .services import cycle_get_or_create


def cycle_for(*, user: User, manager: User | int, month: dt.date) -> Cycle:
    """The cycle of ``manager`` (a user or a user id) for the month of ``month``, if ``user``
    may see that customer manager's work; else Http404 (whether or not the manager exists).

    The cycle is created on first access: every active customer manager has one for every
    month, so a page never has to deal with a missing one."""
    manager_id = manager.pk if isinstance(manager, User) else manager
    visible = managers_visible_to(user=user).filter(pk=manager_id).first()
    if visible is None:
        raise Http404("no such customer manager")
    return cycle_get_or_create(manager=visible, month=month)
