"""Reading improvement items (改进, DESIGN.md §4 step 5): a month's items on its evaluation
page, and the items still open from earlier months, which the next month's analysis page
lists so that they are not forgotten."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import managers_visible_to

from ..models import Cycle, Improvement, ImprovementStatus, ReviewStatus
from .cycles import cycle_rows, own_customers


def _items() -> QuerySet[Improvement]:
    return Improvement.objects.select_related("customer", "sku", "reviewed_by", "cycle__manager")


def cycle_improvements(*, cycle: Cycle) -> QuerySet[Improvement]:
    """The items of one month (the caller got ``cycle`` through ``plan_for``)."""
    return cycle_rows(_items(), cycle).order_by("created_at", "id")


def improvement_get(*, cycle: Cycle, pk: int) -> Improvement:
    found = cycle_rows(_items(), cycle).filter(pk=pk).first()
    if found is None:
        raise Http404("no such improvement item")
    return found


def open_improvements(*, user: User, manager: User, before_month: dt.date) -> list[Improvement]:
    """``manager``'s items still open from the months before ``before_month``, earliest
    deadline first — empty when ``user`` may not see that manager's work."""
    visible = managers_visible_to(user=user).filter(pk=manager.pk)
    return list(
        _items()
        .filter(
            cycle__manager__in=visible,
            cycle__month__lt=before_month,
            status=ImprovementStatus.OPEN,
        )
        .order_by("due", "id")
    )


NO_ITEMS = {"total": 0, "returned": 0, "open": 0}


def improvement_summary(*, cycle: Cycle) -> dict[str, int]:
    """How many items the month has, how many are returned and how many are still open."""
    return improvement_summary_by_cycle(cycle_ids=[cycle.pk]).get(cycle.pk, NO_ITEMS)


def improvement_summary_by_cycle(*, cycle_ids: list[int]) -> dict[int, dict[str, int]]:
    """``improvement_summary`` of many cycles in one query (cycles without items are left
    out)."""
    rows = (
        Improvement.objects.filter(cycle_id__in=cycle_ids)
        .values("cycle_id")
        .annotate(
            total=Count("id"),
            returned=Count("id", filter=Q(review_status=ReviewStatus.RETURNED)),
            open=Count("id", filter=Q(status=ImprovementStatus.OPEN)),
        )
        .order_by()
    )
    return {r.pop("cycle_id"): r for r in rows}


def own_customer_id(*, cycle: Cycle, text: str) -> int | None:
    """The manager's active customer named by ``text`` — its code, optionally followed by
    the name, as the page's searchable list fills it in; None for an empty text."""
    code = (text or "").split()
    if not code:
        return None
    found = own_customers(cycle).filter(code=code[0]).values_list("pk", flat=True).first()
    if found is None:
        raise ValidationError({"customer": _("请选择您名下的有效客户。")})
    return found
