"""The plan's weekly arrangement (周计划): which customers are visited on which day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.months import month_end

from ..models import (
    Cycle,
    MarketingAction,
    PlannedVisit,
)
from ..selectors import own_customers
from .plans import plan_lock


def schedule_set_day(*, cycle: Cycle, by: User, date: dt.date, customer_ids: Iterable) -> int:
    """Make ``customer_ids`` exactly the customers planned for ``date``. Actions attached to
    a day a customer no longer has move to the customer's next planned day (or none);
    unattached actions of a newly planned customer attach to their first day. Returns the
    number of customers planned that day."""
    if not (cycle.month <= date <= month_end(cycle.month)):
        raise ValidationError({"date": _("日期须在计划月份之内。")})
    try:
        wanted = {int(pk) for pk in customer_ids}
    except (TypeError, ValueError) as exc:
        raise ValidationError({"customers": _("客户选择有误。")}) from exc
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        own = set(own_customers(locked).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - own:
            raise ValidationError({"customers": _("只能安排您名下的有效客户。")})
        day = PlannedVisit.objects.filter(cycle=locked, date=date)
        current = set(day.values_list("customer_id", flat=True))
        dropped, added = current - wanted, wanted - current
        day.filter(customer_id__in=dropped).delete()
        PlannedVisit.objects.bulk_create(
            [PlannedVisit(cycle=locked, customer_id=pk, date=date) for pk in sorted(added)]
        )
        _reattach(locked, dropped | added)
    return len(wanted)


def _reattach(cycle: Cycle, customer_ids: set[int]) -> None:
    """Give every open action of these customers a visit day that exists: keep a valid one,
    else the customer's first planned day, else none."""
    if not customer_ids:
        return
    days: dict[int, list[dt.date]] = {}
    for customer_id, date in PlannedVisit.objects.filter(
        cycle=cycle, customer_id__in=customer_ids
    ).values_list("customer_id", "date"):
        days.setdefault(customer_id, []).append(date)
    changed = []
    for action in MarketingAction.objects.filter(
        cycle=cycle, customer_id__in=customer_ids, removed_at__isnull=True
    ):
        planned = sorted(days.get(action.customer_id, []))
        if action.visit_date in planned:
            continue
        action.visit_date = planned[0] if planned else None
        changed.append(action)
    MarketingAction.objects.bulk_update(changed, ["visit_date"])


def first_planned_day(cycle: Cycle, customer_id: int) -> dt.date | None:
    return (
        PlannedVisit.objects.filter(cycle=cycle, customer_id=customer_id)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
