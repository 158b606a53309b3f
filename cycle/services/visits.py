"""Recording the month's execution (DESIGN.md §4 step 3): visits with their check-in and
check-out, the checks made there, the marks on the marketing actions (☆ planned, ● temporary
task, ★ done) and the temporary tasks.

Execution is not plan editing: an approved plan is read-only, but its actions still get
marked and temporary tasks still get added. What closes the month's execution is the
evaluation: once the month's results are submitted or approved, nothing of the month changes.
Only the customer manager who owns the cycle (and the customer) records anything."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from brands.selectors import key_skus
from core.months import day_bounds, month_start
from core.text import clean_text
from customers.models import VisitMethod
from markets.services import check_record, market_info_record

from ..models import (
    ACTION_TEXT_MAX_LENGTH,
    ActionSource,
    Cycle,
    MarketingAction,
    Visit,
)
from ..models.visits import FEELING_MAX_LENGTH
from ..selectors import own_customers
from ..strategy.store import warnings_visits_changed
from .cycles import cycle_get_or_create, cycle_start
from .errors import NotAllowedNow


def execution_lock(*, cycle: Cycle, by: User) -> Cycle:
    """Lock the cycle for an execution write by ``by`` (its first write creates it, see
    ``cycle_start``); call inside a transaction."""
    cycle_start(cycle=cycle, by=by)
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if by.pk != locked.manager_id:
        raise PermissionDenied
    if (closed := _closed(locked)) is not None:
        raise closed
    return locked


def _closed(cycle: Cycle) -> NotAllowedNow | None:
    if cycle.execution_is_open:
        return None
    return NotAllowedNow(
        _("%(month)s月的服务结果%(status)s，不能再修改。")
        % {"month": f"{cycle.month:%Y-%m}", "status": cycle.get_evaluation_status_display()},
        code="closed",
    )


def _future(date: dt.date) -> ValidationError | None:
    if date > timezone.localdate():
        return ValidationError({"date": _("不能记录未来日期的拜访。")})
    return None


def visit_refusal(*, cycle: Cycle, date: dt.date) -> ValidationError | None:
    """Why no visit of ``cycle``'s manager on ``date`` can be recorded now, or None: a day
    in the future (ValidationError), a month whose results are submitted or approved
    (NotAllowedNow). A page asks this before anything is written; the writes check again
    under the lock."""
    future = _future(date)
    return future if future is not None else _closed(cycle)


def _own_active_customer(cycle: Cycle, customer_id: int) -> int:
    if not own_customers(cycle).filter(pk=customer_id).exists():
        # another manager's customer looks like no customer at all
        raise PermissionDenied
    return customer_id


# --- the visit ----------------------------------------------------------------------------


def visit_open(*, customer_id: int, by: User, date: dt.date | None = None) -> Visit:
    """The visit of ``by`` to a customer on ``date`` (default today), created on first use.
    A day in the future is refused: a visit is recorded on or after it happens."""
    date = date or timezone.localdate()
    if (future := _future(date)) is not None:
        raise future
    cycle = cycle_get_or_create(manager=by, month=month_start(date))
    with transaction.atomic():
        locked = execution_lock(cycle=cycle, by=by)
        _own_active_customer(locked, customer_id)
        visit, _created = Visit.objects.get_or_create(
            customer_id=customer_id,
            date=date,
            defaults={"cycle": locked, "method": _default_method(locked, customer_id)},
        )
        if visit.cycle_id != locked.pk:  # the customer was someone else's that day
            raise PermissionDenied
    return visit


def _default_method(cycle: Cycle, customer_id: int) -> str:
    """A visit starts as the customer's usual visit method."""
    method = own_customers(cycle).filter(pk=customer_id).values_list("visit_method", flat=True)
    return next(iter(method), None) or VisitMethod.ONSITE


def _visit_lock(visit: Visit, by: User) -> Visit:
    execution_lock(cycle=visit.cycle, by=by)
    return Visit.objects.select_for_update().get(pk=visit.pk)


@dataclass(frozen=True)
class Position:
    """Where the browser said it was at check-in: degrees, and its accuracy in metres."""

    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None

    @classmethod
    def parse(cls, latitude: str, longitude: str, accuracy_m: str = "") -> Position | None:
        """From a form's text: None when there is no position (the browser gave none);
        ValidationError when it is not one (numbers out of range, not numbers)."""
        latitude, longitude = (latitude or "").strip(), (longitude or "").strip()
        if not latitude and not longitude:
            return None
        try:
            lat = Decimal(latitude).quantize(Decimal("0.000001"))
            lon = Decimal(longitude).quantize(Decimal("0.000001"))
            accuracy = Decimal((accuracy_m or "").strip() or "NaN")
        except (InvalidOperation, ValueError):
            lat = lon = None
            accuracy = Decimal("NaN")
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError({"position": _("签到位置无效，请重新签到。")})
        meters = None
        if accuracy.is_finite() and accuracy >= 0:
            meters = min(int(accuracy.to_integral_value()), 2_147_483_647)
        return cls(lat, lon, meters)


def visit_check_in(
    *,
    visit: Visit,
    by: User,
    at: dt.datetime | None = None,
    position: Position | None = None,
) -> Visit:
    """Stamp the arrival (once: checking in again keeps the first time), with the browser's
    ``position`` when the company records it (settings.VISIT_LOCATION_ENABLED; the view
    passes none otherwise)."""
    at = at or timezone.now()
    with transaction.atomic():
        visit = _visit_lock(visit, by)
        if visit.checked_in_at is None:
            _on_visit_day(visit, at)
            visit.checked_in_at = at
            fields = ["checked_in_at", "updated_at"]
            if position is not None:
                visit.checkin_latitude = position.latitude
                visit.checkin_longitude = position.longitude
                visit.checkin_accuracy_m = position.accuracy_m
                fields += ["checkin_latitude", "checkin_longitude", "checkin_accuracy_m"]
            visit.save(update_fields=fields)
    return visit


def visit_check_out(*, visit: Visit, by: User, at: dt.datetime | None = None) -> Visit:
    """Stamp the departure; checking out again moves it to the later time. A visit of less
    than a minute is kept but flagged (``Visit.is_short``) and does not count as valid."""
    at = at or timezone.now()
    with transaction.atomic():
        visit = _visit_lock(visit, by)
        if visit.checked_in_at is None:
            raise NotAllowedNow(_("请先进店签到。"), code="not_checked_in")
        _on_visit_day(visit, at)
        visit.checked_out_at = max(at, visit.checked_in_at)
        visit.save(update_fields=["checked_out_at", "updated_at"])
        # a visit of a month whose warnings are stored (recorded late): the no_visit rule
        warnings_visits_changed(manager=by, date=visit.date)
    return visit


def _on_visit_day(visit: Visit, at: dt.datetime) -> None:
    start, end = day_bounds(visit.date)
    if not start <= at < end:
        raise ValidationError({"at": _("签到、签离时间须在拜访当天。")})


def visit_update(
    *, visit: Visit, by: User, method: str | None = None, feeling: str | None = None
) -> Visit:
    """Change the visit method or the visit's feeling (日感受); None leaves a field alone."""
    fields = []
    with transaction.atomic():
        visit = _visit_lock(visit, by)
        if method is not None:
            if method not in VisitMethod.values:
                raise ValidationError({"method": _("请选择拜访方式。")})
            visit.method = method
            fields.append("method")
        if feeling is not None:
            feeling = clean_text(feeling)
            if len(feeling) > FEELING_MAX_LENGTH:
                raise ValidationError(
                    {"feeling": _("日感受最多 %(n)d 字。") % {"n": FEELING_MAX_LENGTH}}
                )
            visit.feeling = feeling
            fields.append("feeling")
        if fields:
            visit.save(update_fields=[*fields, "updated_at"])
    return visit


# --- checks made on the visit -------------------------------------------------------------


def visit_record_check(*, visit: Visit, by: User, kind: str, sku_id: int, value: str) -> None:
    """One check of a key SKU on this visit, from what the form sent: ``shelf`` "1"/"0",
    ``inventory`` cartons, ``price`` yuan a carton; an empty value clears the check."""
    if kind not in ("shelf", "inventory", "price"):
        raise ValidationError({"kind": _("未知的检查项目。")})
    try:
        sku_id = int(sku_id)
    except (TypeError, ValueError):
        sku_id = None
    if sku_id is None or not key_skus().filter(pk=sku_id).exists():
        raise ValidationError({"sku": _("只检查重点品牌的单品。")})
    parsed = _parse_check(kind, (value or "").strip())
    with transaction.atomic():
        visit = _visit_lock(visit, by)
        start, end = day_bounds(visit.date)
        check_record(
            kind=kind,
            customer_id=visit.customer_id,
            sku_id=int(sku_id),
            value=parsed,
            observed_at=_observed_at(visit),
            start=start,
            end=end,
            by=by,
        )
        warnings_visits_changed(manager=by, date=visit.date)


def _parse_check(kind: str, text: str):
    if text == "":
        return None
    if kind == "shelf":
        if text not in ("0", "1"):
            raise ValidationError({"value": _("请选择是否上柜。")})
        return text == "1"
    if kind == "inventory":
        if not text.isdigit():
            raise ValidationError({"value": _("库存请填写整数（条）。")})
        return int(text)
    try:
        price = Decimal(text)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite():
        raise ValidationError({"value": _("零售价请填写数字（元/条）。")})
    return price


def visit_record_market_info(*, visit: Visit, by: User, content: str) -> None:
    with transaction.atomic():
        visit = _visit_lock(visit, by)
        start, end = day_bounds(visit.date)
        market_info_record(
            customer_id=visit.customer_id,
            content=content,
            observed_at=_observed_at(visit),
            start=start,
            end=end,
            by=by,
        )


def _observed_at(visit: Visit) -> dt.datetime:
    """Checks count on the visit's day: the check-in time, else now if that is the day,
    else noon of the day (recorded afterwards)."""
    if visit.checked_in_at:
        return visit.checked_in_at
    now = timezone.now()
    start, end = day_bounds(visit.date)
    return now if start <= now < end else start + dt.timedelta(hours=12)


# --- marks and temporary tasks ------------------------------------------------------------


def action_mark(
    *,
    action: MarketingAction,
    by: User,
    done: bool,
    visit: Visit | None = None,
    at: dt.datetime | None = None,
) -> MarketingAction:
    """Mark an action done (★) or not yet (back to ☆, or ● for a temporary task); ``at``
    is when (the tap on the device, ``cycle.services.sync.tap_time``), default now."""
    with transaction.atomic():
        locked = execution_lock(cycle=action.cycle, by=by)
        action = MarketingAction.objects.select_for_update().get(pk=action.pk, cycle=locked)
        if action.removed_at:
            raise NotAllowedNow(_("该动作已删除。"), code="removed")
        if visit is not None and (
            visit.cycle_id != locked.pk or visit.customer_id != action.customer_id
        ):
            raise PermissionDenied
        if done:
            action.done_at = action.done_at or at or timezone.now()
            action.done_visit = visit or action.done_visit
        else:
            action.done_at, action.done_visit = None, None
        action.save(update_fields=["done_at", "done_visit"])
    return action


def temporary_task_add(*, visit: Visit, by: User, text: str) -> MarketingAction:
    """A need met on a visit that was not in the plan (临时任务, ●), for that customer."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": _("请填写临时任务内容。")})
    if len(text) > ACTION_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("任务内容最多 %(n)d 字。") % {"n": ACTION_TEXT_MAX_LENGTH}}
        )
    with transaction.atomic():
        visit = _visit_lock(visit, by)
        return MarketingAction.objects.create(
            cycle_id=visit.cycle_id,
            customer_id=visit.customer_id,
            source=ActionSource.MANUAL,
            temporary=True,
            text=text,
            visit_date=visit.date,
            created_by=by,
        )
