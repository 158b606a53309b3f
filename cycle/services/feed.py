"""Writing to the interaction feed (三员互动). One entry serves both sides: the customer
manager and whoever reads their feed see the same row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_give_guidance, can_send_brand_task
from core.months import month_start
from core.text import clean_text

from ..models import TEXT_MAX_LENGTH, ArrangementTarget, Cycle, EntryKind, FeedEntry, FeedRead


def manager_leads(*, user: User, manager: User) -> bool:
    """Whether ``user`` is the market manager of ``manager``'s team."""
    return can_give_guidance(user, manager)


def guidance_post(*, manager: User, by: User, text: str) -> FeedEntry:
    """Guidance (指导意见) from the market manager to one of their customer managers."""
    if not manager_leads(user=by, manager=manager):
        raise PermissionDenied
    return FeedEntry.objects.create(
        manager=manager, kind=EntryKind.GUIDANCE, author=by, text=_clean(text)
    )


def arrangement_post(
    *,
    manager: User,
    by: User,
    text: str,
    target: str,
    month: dt.date,
    date: dt.date | None = None,
    customer_ids: Iterable[int] = (),
    brand_task=None,
) -> FeedEntry:
    """A work arrangement (工作安排) for a month plan or a week plan. It lands in the target
    month's plan (as actions for the customers listed) and keeps flowing into later months
    until the customer manager gives feedback. Market managers arrange for their team;
    brand managers only through brand tasks."""
    if brand_task is None and not manager_leads(user=by, manager=manager):
        raise PermissionDenied
    if brand_task is not None and not can_send_brand_task(by):
        raise PermissionDenied
    if target not in ArrangementTarget.values:
        raise ValidationError({"target": _("请选择安排到月计划还是周计划。")})
    month = month_start(month)
    if date is not None and month_start(date) != month:
        raise ValidationError({"target_date": _("日期须在目标月份之内。")})
    with transaction.atomic():
        entry = FeedEntry.objects.create(
            manager=manager,
            kind=EntryKind.ARRANGEMENT,
            author=by,
            text=_clean(text),
            target=target,
            target_month=month,
            target_date=date,
            brand_task=brand_task,
        )
        ids = list(customer_ids)
        if ids:
            entry.customers.set(ids)
    return entry


def feedback_post(*, arrangement: FeedEntry, by: User, text: str) -> FeedEntry:
    """The customer manager's feedback (反馈) on an arrangement; from then on the
    arrangement stops flowing into new plans."""
    if arrangement.kind != EntryKind.ARRANGEMENT:
        raise ValidationError(_("只能对工作安排填写反馈。"))
    if by.pk != arrangement.manager_id:
        raise PermissionDenied
    return FeedEntry.objects.create(
        manager_id=arrangement.manager_id,
        kind=EntryKind.FEEDBACK,
        author=by,
        text=_clean(text),
        reply_to=arrangement,
        brand_task_id=arrangement.brand_task_id,
    )


def notice_post(*, cycle: Cycle, by: User, text: str) -> FeedEntry:
    """An automatic notice (plan submitted, approved, rejected with the comment)."""
    return FeedEntry.objects.create(
        manager_id=cycle.manager_id, kind=EntryKind.NOTICE, author=by, text=text, cycle=cycle
    )


def feed_mark_read(*, user: User, manager: User) -> None:
    """``user`` has now seen ``manager``'s feed (the caller has checked they may)."""
    FeedRead.objects.update_or_create(
        user=user, manager=manager, defaults={"read_at": timezone.now()}
    )


def _clean(text: str) -> str:
    text = clean_text(text)
    if not text:
        raise ValidationError({"text": _("内容不能为空。")})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("内容最多 %(limit)d 字，当前 %(length)d 字。")
                % {"limit": TEXT_MAX_LENGTH, "length": len(text)}
            }
        )
    return text
