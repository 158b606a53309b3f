"""Editing a plan's marketing actions by hand: add, change, remove (with a reason)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import (
    ACTION_TEXT_MAX_LENGTH,
    ActionSource,
    Cycle,
    MarketingAction,
    PlannedVisit,
    StandardAction,
)
from .errors import NotAllowedNow
from .plans import own_customer_id, plan_lock
from .schedule import first_planned_day


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
        customer_id = own_customer_id(locked, customer_id)
        return MarketingAction.objects.create(
            cycle=locked,
            customer_id=customer_id,
            source=ActionSource.MANUAL,
            text=text or standard_action.name,
            standard_action=standard_action,
            visit_date=first_planned_day(locked, customer_id),
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
