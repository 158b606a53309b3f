"""The month's review (DESIGN.md §4 steps 4–5): weekly summaries, the monthly summary that
goes with the evaluation (its transitions live in ``workflow``), and improvement items with
the market manager's review of each."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_edit_cycle
from brands.selectors import key_skus
from core.months import add_months, month_end
from core.text import clean_text

from ..models import (
    TEXT_MAX_LENGTH,
    Cycle,
    Improvement,
    ImprovementStatus,
    IssueKind,
    ReviewStatus,
    WeeklySummary,
)
from ..models.visits import IMPROVEMENT_MAX_LENGTH
from ..selectors import own_customers
from .cycles import cycle_start
from .visits import execution_lock
from .workflow import COMMENT_MAX_LENGTH, _actor_allowed


def _text(value: str, field: str, limit: int = TEXT_MAX_LENGTH) -> str:
    value = clean_text(value)
    if len(value) > limit:
        raise ValidationError({field: _("最多 %(n)d 字。") % {"n": limit}})
    return value


def month_weeks(month: dt.date) -> list[dt.date]:
    """The Mondays of the weeks that have days in ``month`` (the first may be in the
    previous month)."""
    first = month - dt.timedelta(days=month.weekday())
    last = month_end(month)
    weeks, monday = [], first
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def weekly_summary_save(
    *, cycle: Cycle, by: User, week_start: dt.date, text: str
) -> WeeklySummary | None:
    """Write (or clear, with an empty text) the summary of one week of the month."""
    if week_start not in month_weeks(cycle.month):
        raise ValidationError({"week_start": _("这一周不在本月。")})
    text = _text(text, "text")
    with transaction.atomic():
        locked = execution_lock(cycle=cycle, by=by)
        if not text:
            WeeklySummary.objects.filter(cycle=locked, week_start=week_start).delete()
            return None
        summary, _created = WeeklySummary.objects.update_or_create(
            cycle=locked, week_start=week_start, defaults={"text": text}
        )
    return summary


def evaluation_save_summary(*, cycle: Cycle, by: User, summary: str) -> Cycle:
    """The monthly summary (月总结), editable until the evaluation is submitted."""
    summary = _text(summary, "summary")
    with transaction.atomic():
        locked = execution_lock(cycle=cycle, by=by)
        locked.summary = summary
        locked.save(update_fields=["summary", "updated_at"])
    return locked


# --- improvement items ----------------------------------------------------------------------


def improvement_due_range(cycle: Cycle) -> tuple[dt.date, dt.date]:
    """An item is due between the month's first day and the end of the third month after."""
    return cycle.month, month_end(add_months(cycle.month, 3))


def _improvement_text(text: str) -> tuple[str, str]:
    """The text with its white space collapsed, and what is wrong with it ("" if nothing)."""
    text = " ".join((text or "").split())
    if not text:
        return text, _("请填写改进内容。")
    if len(text) > IMPROVEMENT_MAX_LENGTH:
        return text, _("最多 %(n)d 字。") % {"n": IMPROVEMENT_MAX_LENGTH}
    return text, ""


def _due_error(cycle: Cycle, due: dt.date | None) -> str:
    first, last = improvement_due_range(cycle)
    if due is None:
        return _("请填写完成期限。")
    if not first <= due <= last:
        return _("完成期限须在本月初到三个月后之间。")
    return ""


def improvement_add(
    *,
    cycle: Cycle,
    by: User,
    kind: str,
    text: str,
    due: dt.date | None,
    customer_id: int | None = None,
    sku_id: int | None = None,
) -> Improvement:
    """What to change, for which customer, brand or market issue, by when. A customer issue
    names one of the manager's customers; the deadline is within the next three months."""
    if not can_edit_cycle(by, cycle):
        raise PermissionDenied
    errors = {}
    if kind not in IssueKind.values:
        errors["kind"] = _("请选择问题类别。")
    text, errors["text"] = _improvement_text(text)
    errors["due"] = _due_error(cycle, due)
    if kind == IssueKind.CUSTOMER and not customer_id:
        errors["customer"] = _("客户问题请选择客户。")
    if customer_id and not own_customers(cycle).filter(pk=customer_id).exists():
        errors["customer"] = _("请选择您名下的有效客户。")
    if sku_id and not key_skus().filter(pk=sku_id).exists():
        errors["sku"] = _("请选择重点品牌的单品。")
    if errors := {field: error for field, error in errors.items() if error}:
        raise ValidationError(errors)
    cycle_start(cycle=cycle, by=by)
    return Improvement.objects.create(
        cycle=cycle,
        kind=kind,
        text=text,
        due=due,
        customer_id=customer_id or None,
        sku_id=sku_id or None,
    )


def improvement_set_done(*, improvement: Improvement, by: User, done: bool) -> Improvement:
    """The customer manager closes (or reopens) an item, in any later month too."""
    with transaction.atomic():
        item = (
            Improvement.objects.select_for_update().select_related("cycle").get(pk=improvement.pk)
        )
        if by.pk != item.cycle.manager_id:
            raise PermissionDenied
        item.status = ImprovementStatus.DONE if done else ImprovementStatus.OPEN
        item.done_at = timezone.now() if done else None
        item.save(update_fields=["status", "done_at"])
    return item


def improvement_may_review(*, user: User, cycle: Cycle) -> bool:
    """Whether ``user`` reviews the month's improvement items: the manager's own market
    manager (for showing the buttons; ``improvement_review`` checks again)."""
    return _actor_allowed(user=user, cycle=cycle, transition="approve")


def improvement_review(
    *, improvement: Improvement, by: User, accept: bool, comment: str = ""
) -> Improvement:
    """The team's market manager accepts an item or returns it with a comment; a returned
    item the manager rewrites goes back to pending (see ``improvement_update``)."""
    comment = _text(comment, "comment", COMMENT_MAX_LENGTH)
    if not accept and not comment:
        raise ValidationError({"comment": _("退回时请写明原因。")})
    with transaction.atomic():
        item = (
            Improvement.objects.select_for_update(of=("self",))
            .select_related("cycle__manager__team")
            .get(pk=improvement.pk)
        )
        if not _actor_allowed(user=by, cycle=item.cycle, transition="approve"):
            raise PermissionDenied
        item.review_status = ReviewStatus.ACCEPTED if accept else ReviewStatus.RETURNED
        item.reviewed_by, item.reviewed_at, item.review_comment = by, timezone.now(), comment
        item.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_comment"])
    return item


def improvement_update(
    *, improvement: Improvement, by: User, text: str, due: dt.date
) -> Improvement:
    """The customer manager rewrites an item (typically one returned); it goes back to
    pending review."""
    text, error = _improvement_text(text)
    if error:
        raise ValidationError({"text": error})
    with transaction.atomic():
        item = (
            Improvement.objects.select_for_update().select_related("cycle").get(pk=improvement.pk)
        )
        if by.pk != item.cycle.manager_id:
            raise PermissionDenied
        if error := _due_error(item.cycle, due):
            raise ValidationError({"due": error})
        item.text, item.due, item.review_status = text, due, ReviewStatus.PENDING
        item.save(update_fields=["text", "due", "review_status"])
    return item
