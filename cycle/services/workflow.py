"""The approval workflow of the monthly plan (DESIGN.md §4 step 2).

One explicit map of the allowed transitions, one service per transition. Each locks the
cycle row, checks the state and the actor, stamps who/when/comment, writes a history row
and posts a notice to the customer manager's feed — all in one transaction, so two people
deciding at once produce exactly one transition."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers.models import VisitFrequency
from customers.services import customer_set_visit_frequencies

from ..models import ApprovalRecord, Cycle, Document, PlannedVisit, PlanStatus, Transition
from .errors import NotAllowedNow
from .feed import notice_post

COMMENT_MAX_LENGTH = 2000

PLAN_TRANSITIONS: dict[tuple[str, str], str] = {
    (PlanStatus.DRAFT, Transition.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.REJECTED, Transition.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.SUBMITTED, Transition.APPROVE): PlanStatus.APPROVED,
    (PlanStatus.SUBMITTED, Transition.REJECT): PlanStatus.REJECTED,
}

NOTICES = {
    Transition.SUBMIT: _("提交了%(month)s月计划，等待审批。"),
    Transition.APPROVE: _("批准了%(month)s月计划。"),
    Transition.REJECT: _("退回了%(month)s月计划。"),
}


def plan_may(*, user: User, cycle: Cycle, transition: str) -> bool:
    """Whether ``user`` could make ``transition`` on the plan now (for showing buttons; the
    services check again under the lock)."""
    if (cycle.plan_status, transition) not in PLAN_TRANSITIONS:
        return False
    return _actor_allowed(user=user, cycle=cycle, transition=transition)


def plan_submit(*, cycle: Cycle, by: User, comment: str = "") -> Cycle:
    return _plan_transition(cycle=cycle, by=by, transition=Transition.SUBMIT, comment=comment)


def plan_approve(*, cycle: Cycle, by: User, comment: str = "") -> Cycle:
    return _plan_transition(cycle=cycle, by=by, transition=Transition.APPROVE, comment=comment)


def plan_reject(*, cycle: Cycle, by: User, comment: str) -> Cycle:
    if not (comment or "").strip():
        raise ValidationError({"comment": _("退回计划时请写明原因。")})
    return _plan_transition(cycle=cycle, by=by, transition=Transition.REJECT, comment=comment)


def _actor_allowed(*, user: User, cycle: Cycle, transition: str) -> bool:
    if transition == Transition.SUBMIT:
        return user.pk == cycle.manager_id
    # Only the manager's own market manager decides; nobody decides on their own work.
    team = cycle.manager.team
    return (
        team is not None
        and team.market_manager_id == user.pk
        and user.pk != cycle.manager_id
        and user.is_active
    )


def _plan_transition(*, cycle: Cycle, by: User, transition: str, comment: str) -> Cycle:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("意见最多 %(limit)d 字。") % {"limit": COMMENT_MAX_LENGTH}}
        )
    with transaction.atomic():
        locked = (
            Cycle.objects.select_for_update(of=("self",))
            .select_related("manager__team")
            .get(pk=cycle.pk)
        )
        if not _actor_allowed(user=by, cycle=locked, transition=transition):
            raise PermissionDenied
        new_status = PLAN_TRANSITIONS.get((locked.plan_status, transition))
        if new_status is None:
            raise NotAllowedNow(
                _("计划当前状态为“%(status)s”，不能%(action)s。")
                % {
                    "status": locked.get_plan_status_display(),
                    "action": Transition(transition).label,
                },
                code="state",
            )
        old_status = locked.plan_status
        now = timezone.now()
        locked.plan_status = new_status
        fields = ["plan_status", "updated_at"]
        if transition == Transition.SUBMIT:
            locked.plan_submitted_at = now
            fields.append("plan_submitted_at")
        else:
            locked.plan_decided_at, locked.plan_decided_by, locked.plan_comment = now, by, comment
            fields += ["plan_decided_at", "plan_decided_by", "plan_comment"]
        locked.save(update_fields=fields)
        ApprovalRecord.objects.create(
            cycle=locked,
            document=Document.PLAN,
            transition=transition,
            from_status=old_status,
            to_status=new_status,
            by=by,
            at=now,
            comment=comment,
        )
        text = NOTICES[transition] % {"month": f"{locked.month:%Y-%m}"}
        notice_post(cycle=locked, by=by, text=f"{text}\n{comment}" if comment else text)
        if transition == Transition.APPROVE:
            customer_set_visit_frequencies(frequencies=_planned_frequencies(locked), by=by)
    return locked


def _planned_frequencies(cycle: Cycle) -> dict[int, str]:
    """DESIGN.md §4 step 2: ≥4 planned visit days → weekly, 2–3 → biweekly, 1 → monthly;
    customers without a planned day keep theirs."""
    days = Counter(PlannedVisit.objects.filter(cycle=cycle).values_list("customer_id", flat=True))
    return {
        customer_id: VisitFrequency.WEEKLY
        if n >= 4
        else VisitFrequency.BIWEEKLY
        if n >= 2
        else VisitFrequency.MONTHLY
        for customer_id, n in days.items()
    }
