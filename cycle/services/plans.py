"""Writing a monthly plan (月计划, DESIGN.md §4 step 2): goals and focus, the marketing
actions from their four sources, the weekly arrangement and the demand forecasts.

Every write locks the cycle row first and refuses unless the writer owns the cycle and the
plan is a draft or was rejected — so an approved or submitted plan cannot change by any
path, and a write cannot slip in while a market manager is approving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.months import add_months, month_end
from customers.models import CustomerStatus
from customers.selectors import customers_visible_to
from imports.table import ImportFileError, RowError, read_upload
from imports.upload_checks import check_content
from markets.services import forecasts_check, forecasts_save

from ..models import (
    ACTION_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    ActionSource,
    Cycle,
    EntryKind,
    FeedEntry,
    MarketingAction,
    PlannedVisit,
    StandardAction,
    WarningRule,
)
from ..warning_rules import IndicatorsMissing, warnings_evaluate
from .cycles import cycle_start
from .errors import NotAllowedNow


def plan_lock(*, cycle: Cycle, by: User) -> Cycle:
    """Lock the cycle for a plan write by ``by`` (its first write creates it, see
    ``cycle_start``); call inside a transaction."""
    cycle_start(cycle=cycle, by=by)
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _check_plan_writer(locked, by)
    return locked


def _check_plan_writer(cycle: Cycle, by: User) -> None:
    if by.pk != cycle.manager_id:
        raise PermissionDenied
    if not cycle.plan_is_editable:
        raise NotAllowedNow(
            _("计划%(status)s，不能修改。") % {"status": cycle.get_plan_status_display()},
            code="read_only",
        )


def own_customers(cycle: Cycle):
    """The active customers the cycle's manager owns now (the plan's customers)."""
    return customers_visible_to(user=cycle.manager).filter(status=CustomerStatus.ACTIVE)


def _own_customer_id(cycle: Cycle, customer_id) -> int:
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        customer_id = None
    if customer_id is None or not own_customers(cycle).filter(pk=customer_id).exists():
        raise ValidationError({"customer": _("请选择您名下的有效客户。")})
    return customer_id


# --- goals --------------------------------------------------------------------------------


def plan_update(
    *,
    cycle: Cycle,
    by: User,
    goal_volume: int | None,
    goal_coverage: Decimal | None,
    goal_visits: int | None,
    focus: str,
) -> Cycle:
    focus = (focus or "").replace("\r\n", "\n").strip()
    if len(focus) > TEXT_MAX_LENGTH:
        raise ValidationError({"focus": _("工作重点最多 %(n)d 字。") % {"n": TEXT_MAX_LENGTH}})
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        locked.goal_volume, locked.goal_coverage = goal_volume, goal_coverage
        locked.goal_visits, locked.focus = goal_visits, focus
        locked.full_clean(exclude=["manager", "plan_decided_by"])
        locked.save(
            update_fields=["goal_volume", "goal_coverage", "goal_visits", "focus", "updated_at"]
        )
    return locked


# --- generating actions -------------------------------------------------------------------


@dataclass
class Generated:
    warning: int = 0
    carried: int = 0
    arrangement: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.warning + self.carried + self.arrangement


def plan_generate(*, cycle: Cycle, by: User) -> Generated:
    """Add the actions the plan should have and does not yet: from the warnings of the
    previous month's data through the strategy library, carried over from last month's
    unfinished actions, and from the work arrangements still flowing. Running it again adds
    only what is new; actions the manager removed are not brought back."""
    result = Generated()
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        customer_ids = set(own_customers(locked).values_list("pk", flat=True))
        existing = MarketingAction.objects.filter(cycle=locked)
        keys = set(existing.exclude(key="").values_list("customer_id", "key"))
        arranged = set(
            existing.filter(arrangement__isnull=False).values_list("customer_id", "arrangement_id")
        )
        new: list[MarketingAction] = []

        def add(action: MarketingAction) -> bool:
            if action.customer_id not in customer_ids or (action.customer_id, action.key) in keys:
                return False
            if action.arrangement_id and (action.customer_id, action.arrangement_id) in arranged:
                return False
            keys.add((action.customer_id, action.key))
            if action.arrangement_id:
                arranged.add((action.customer_id, action.arrangement_id))
            new.append(action)
            return True

        common = {"cycle": locked, "created_by": by}
        for action in _carried(locked, common):
            result.carried += add(action)
        for action in _from_arrangements(locked, common):
            result.arrangement += add(action)
        try:
            for action in _from_warnings(locked, common):
                result.warning += add(action)
        except IndicatorsMissing as exc:
            result.notes.append(exc.message)
        MarketingAction.objects.bulk_create(new, ignore_conflicts=True)
    return result


def _carried(cycle: Cycle, common: dict) -> Iterable[MarketingAction]:
    unfinished = MarketingAction.objects.filter(
        cycle__manager_id=cycle.manager_id,
        cycle__month=add_months(cycle.month, -1),
        done_at__isnull=True,
        removed_at__isnull=True,
    ).order_by("customer_id", "id")
    for old in unfinished:
        yield MarketingAction(
            **common,
            customer_id=old.customer_id,
            source=ActionSource.CARRIED,
            key=f"c:{old.pk}",
            text=old.text,
            detail=old.detail,
            standard_action_id=old.standard_action_id,
            rule_id=old.rule_id,
            sku_id=old.sku_id,
            origin=old,
            arrangement_id=old.arrangement_id,
            temporary=old.temporary,
        )


def flowing_arrangements(*, cycle: Cycle):
    """The work arrangements that belong in this cycle's plan: aimed at this month or an
    earlier one, with no feedback given before this month began (累计流转)."""
    start = timezone.make_aware(dt.datetime.combine(cycle.month, dt.time.min))
    answered = FeedEntry.objects.filter(
        reply_to=OuterRef("pk"), kind=EntryKind.FEEDBACK, created_at__lt=start
    )
    return (
        FeedEntry.objects.filter(
            manager_id=cycle.manager_id,
            kind=EntryKind.ARRANGEMENT,
            target_month__lte=cycle.month,
        )
        .exclude(Exists(answered))
        .select_related("author", "brand_task__sku")
        .order_by("target_month", "created_at")
    )


def _from_arrangements(cycle: Cycle, common: dict) -> Iterable[MarketingAction]:
    answered = FeedEntry.objects.filter(reply_to=OuterRef("pk"), kind=EntryKind.FEEDBACK)
    open_ones = flowing_arrangements(cycle=cycle).exclude(Exists(answered))
    links = FeedEntry.customers.through.objects.filter(feedentry__in=open_ones).values_list(
        "feedentry_id", "customer_id"
    )
    entries = {entry.pk: entry for entry in open_ones}
    for entry_id, customer_id in sorted(links):
        entry = entries[entry_id]
        task = entry.brand_task
        text = f"{task.sku.name}：{entry.text}" if task else entry.text
        yield MarketingAction(
            **common,
            customer_id=customer_id,
            source=ActionSource.ARRANGEMENT,
            key=f"a:{entry_id}",
            text=_shorten(text),
            detail=entry.text,
            sku_id=task.sku_id if task else None,
            arrangement_id=entry_id,
        )


def _from_warnings(cycle: Cycle, common: dict) -> Iterable[MarketingAction]:
    warnings = warnings_evaluate(manager=cycle.manager_id, month=add_months(cycle.month, -1))
    rules = dict(WarningRule.objects.values_list("code", "pk"))
    for w in warnings:
        yield MarketingAction(
            **common,
            customer_id=w.customer_id,
            source=ActionSource.WARNING,
            key=f"w:{w.rule_code}:{w.sku_id or ''}",
            text=_shorten(w.suggestion or w.rule_name),
            detail=w.message,
            standard_action_id=w.action_id,
            rule_id=rules.get(w.rule_code),
            sku_id=w.sku_id,
        )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= ACTION_TEXT_MAX_LENGTH:
        return text
    return text[: ACTION_TEXT_MAX_LENGTH - 1] + "…"


# --- editing actions ----------------------------------------------------------------------


def action_add(
    *,
    cycle: Cycle,
    by: User,
    customer_id: int,
    text: str = "",
    standard_action: StandardAction | None = None,
) -> MarketingAction:
    """Add an action by hand: a standard action from the library, or free text (or both:
    the text then refines the standard action)."""
    text = " ".join((text or "").split())
    if not text and standard_action is None:
        raise ValidationError({"text": _("请选择标准动作或填写动作内容。")})
    if len(text) > ACTION_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("动作内容最多 %(n)d 字。") % {"n": ACTION_TEXT_MAX_LENGTH}}
        )
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        customer_id = _own_customer_id(locked, customer_id)
        return MarketingAction.objects.create(
            cycle=locked,
            customer_id=customer_id,
            source=ActionSource.MANUAL,
            text=text or standard_action.name,
            standard_action=standard_action,
            visit_date=_first_planned_day(locked, customer_id),
            created_by=by,
        )


def action_update(
    *, action: MarketingAction, by: User, text: str, visit_date: dt.date | None
) -> MarketingAction:
    """Edit an action's wording and the visit day it is attached to (one of the customer's
    planned days, or none)."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": _("动作内容不能为空。")})
    if len(text) > ACTION_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("动作内容最多 %(n)d 字。") % {"n": ACTION_TEXT_MAX_LENGTH}}
        )
    with transaction.atomic():
        locked = plan_lock(cycle=action.cycle, by=by)
        action = MarketingAction.objects.select_for_update().get(pk=action.pk, cycle=locked)
        if action.removed_at:
            raise NotAllowedNow(_("该动作已删除。"), code="removed")
        if (
            visit_date is not None
            and not PlannedVisit.objects.filter(
                cycle=locked, customer_id=action.customer_id, date=visit_date
            ).exists()
        ):
            raise ValidationError({"visit_date": _("该日期不在这个客户的拜访安排里。")})
        action.text, action.visit_date = text, visit_date
        action.save(update_fields=["text", "visit_date"])
    return action


def action_remove(*, action: MarketingAction, by: User, reason: str) -> MarketingAction:
    """Remove an action with a reason. The row stays so the reason is kept and generating
    again does not bring it back."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("删除动作时请写明原因。")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("原因最多 200 字。")})
    with transaction.atomic():
        locked = plan_lock(cycle=action.cycle, by=by)
        action = MarketingAction.objects.select_for_update().get(pk=action.pk, cycle=locked)
        if action.removed_at:
            raise NotAllowedNow(_("该动作已删除。"), code="removed")
        action.removed_at, action.removed_by, action.removed_reason = timezone.now(), by, reason
        action.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    return action


# --- the weekly arrangement ---------------------------------------------------------------


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


def _first_planned_day(cycle: Cycle, customer_id: int) -> dt.date | None:
    return (
        PlannedVisit.objects.filter(cycle=cycle, customer_id=customer_id)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


# --- forecasts ----------------------------------------------------------------------------


def plan_forecasts_save(*, cycle: Cycle, by: User, quantities: dict) -> int:
    """Save the plan month's forecasts typed in the grid: customer id → cartons (None
    clears). Every customer must be the manager's own and every number valid, or nothing
    is saved. Returns how many were saved."""
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        own = set(
            own_customers(locked).filter(pk__in=list(quantities)).values_list("pk", flat=True)
        )
        if set(quantities) - own:
            raise ValidationError({"customer": _("只能填写您名下有效客户的预测。")})
        forecasts_save(month=locked.month, quantities=quantities)
    return len(quantities)


@dataclass
class ForecastImport:
    written: int = 0
    # the first IMPORT_MAX_ERRORS errors by row; error_count counts them all
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def more_errors(self) -> int:
        """Errors found but not listed."""
        return self.error_count - len(self.errors)

    @classmethod
    def refused(cls, message) -> ForecastImport:
        """The file as a whole is refused (shown as one error without a row)."""
        return cls(errors=[RowError(0, "", "", str(message))], error_count=1)


def plan_forecasts_import(
    *, cycle: Cycle, by: User, content: bytes, filename: str
) -> ForecastImport:
    """Import the plan month's forecasts from a file (客户编码, 预测量): all or nothing.

    The file is read and checked before the plan is locked, however long that takes; only
    the write takes the lock (plan_forecasts_save, which checks again that the plan may
    change and the customers are still the manager's). A file may hold one row per customer
    of the manager, plus FORECAST_IMPORT_EXTRA_ROWS."""
    check_content(
        content=content,
        filename=filename,
        max_bytes=settings.FORECAST_IMPORT_MAX_BYTES,
        max_unzipped_bytes=settings.FORECAST_IMPORT_MAX_UNZIPPED_BYTES,
    )
    _check_plan_writer(cycle, by)  # refused before any work; checked again under the lock
    codes = dict(own_customers(cycle).values_list("code", "pk"))
    try:
        rows = read_upload(
            content,
            filename,
            max_rows=len(codes) + settings.FORECAST_IMPORT_EXTRA_ROWS,
            max_unzipped_bytes=settings.FORECAST_IMPORT_MAX_UNZIPPED_BYTES,
            too_many_rows_hint=_("预测文件每个客户一行，您名下有 %(n)s 个有效客户。")
            % {"n": len(codes)},
        )
        quantities, table = forecasts_check(
            rows=rows, month=cycle.month, customer_ids_by_code=codes
        )
    except ImportFileError as exc:
        return ForecastImport.refused(exc)
    if table.errors:
        return ForecastImport(errors=table.sorted_errors(), error_count=table.error_count)
    if not quantities:
        return ForecastImport.refused(_("文件没有数据行。"))
    return ForecastImport(written=plan_forecasts_save(cycle=cycle, by=by, quantities=quantities))
