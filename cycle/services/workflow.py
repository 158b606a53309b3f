"""The approval workflows of a cycle's two documents: the monthly plan (DESIGN.md §4 step 2)
and the month-end evaluation (step 4), reviewed the same way.

One explicit map of the allowed transitions, one service per transition. Each locks the
cycle row, checks the state and the actor, stamps who/when/comment, writes a history row
and posts a notice to the customer manager's feed — all in one transaction, so two people
deciding at once produce exactly one transition."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_decide, can_edit_cycle
from core.text import clean_text
from customers.models import VisitFrequency
from customers.services import customer_set_visit_frequencies

from ..models import (
    ApprovalRecord,
    Cycle,
    Document,
    EvaluationStatus,
    PlannedVisit,
    PlanStatus,
    Transition,
)
from .cycles import cycle_start
from .errors import NotAllowedNow
from .feed import notice_post

COMMENT_MAX_LENGTH = 2000
EMPTY_PLAN = _("计划还是空的：请先填写目标并安排营销动作，再提交审批。")

PLAN_TRANSITIONS: dict[tuple[str, str], str] = {
    (PlanStatus.DRAFT, Transition.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.REJECTED, Transition.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.SUBMITTED, Transition.APPROVE): PlanStatus.APPROVED,
    (PlanStatus.SUBMITTED, Transition.REJECT): PlanStatus.REJECTED,
}
EVALUATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (EvaluationStatus.DRAFT, Transition.SUBMIT): EvaluationStatus.SUBMITTED,
    (EvaluationStatus.REJECTED, Transition.SUBMIT): EvaluationStatus.SUBMITTED,
    (EvaluationStatus.SUBMITTED, Transition.APPROVE): EvaluationStatus.APPROVED,
    (EvaluationStatus.SUBMITTED, Transition.REJECT): EvaluationStatus.REJECTED,
}


@dataclass(frozen=True)
class _Spec:
    """Where a document keeps its state on the cycle, and what its notices say."""

    document: str
    prefix: str  # fields <prefix>_status, _submitted_at, _decided_at, _decided_by, _comment
    statuses: type[PlanStatus] | type[EvaluationStatus]
    transitions: dict[tuple[str, str], str]
    notices: dict


PLAN = _Spec(
    Document.PLAN,
    "plan",
    PlanStatus,
    PLAN_TRANSITIONS,
    {
        Transition.SUBMIT: _("提交了%(month)s月计划，等待审批。"),
        Transition.APPROVE: _("批准了%(month)s月计划。"),
        Transition.REJECT: _("退回了%(month)s月计划。"),
    },
)
EVALUATION = _Spec(
    Document.EVALUATION,
    "evaluation",
    EvaluationStatus,
    EVALUATION_TRANSITIONS,
    {
        Transition.SUBMIT: _("提交了%(month)s月度评估（服务结果），等待审核。"),
        Transition.APPROVE: _("通过了%(month)s月度评估。"),
        Transition.REJECT: _("退回了%(month)s月度评估。"),
    },
)


def plan_may(*, user: User, cycle: Cycle, transition: str) -> bool:
    """Whether ``user`` could make ``transition`` on the plan now (for showing buttons; the
    services check again under the lock)."""
    return _may(PLAN, user=user, cycle=cycle, transition=transition)


def evaluation_may(*, user: User, cycle: Cycle, transition: str) -> bool:
    return _may(EVALUATION, user=user, cycle=cycle, transition=transition)


def _may(spec: _Spec, *, user: User, cycle: Cycle, transition: str) -> bool:
    if (getattr(cycle, f"{spec.prefix}_status"), transition) not in spec.transitions:
        return False
    return _actor_allowed(user=user, cycle=cycle, transition=transition)


def plan_submit(*, cycle: Cycle, by: User, comment: str = "") -> Cycle:
    return _transition(PLAN, cycle=cycle, by=by, transition=Transition.SUBMIT, comment=comment)


def plan_approve(*, cycle: Cycle, by: User, comment: str = "") -> Cycle:
    return _transition(PLAN, cycle=cycle, by=by, transition=Transition.APPROVE, comment=comment)


def plan_reject(*, cycle: Cycle, by: User, comment: str) -> Cycle:
    if not clean_text(comment):
        raise ValidationError({"comment": _("退回计划时请写明原因。")})
    return _transition(PLAN, cycle=cycle, by=by, transition=Transition.REJECT, comment=comment)


def evaluation_submit(*, cycle: Cycle, by: User, comment: str = "") -> Cycle:
    """The month's service results go to the market manager; the monthly summary must be
    written first."""
    return _transition(
        EVALUATION, cycle=cycle, by=by, transition=Transition.SUBMIT, comment=comment
    )


def evaluation_approve(*, cycle: Cycle, by: User, comment: str = "") -> Cycle:
    return _transition(
        EVALUATION, cycle=cycle, by=by, transition=Transition.APPROVE, comment=comment
    )


def evaluation_reject(*, cycle: Cycle, by: User, comment: str) -> Cycle:
    if not clean_text(comment):
        raise ValidationError({"comment": _("退回评估时请写明原因。")})
    return _transition(
        EVALUATION, cycle=cycle, by=by, transition=Transition.REJECT, comment=comment
    )


def _actor_allowed(*, user: User, cycle: Cycle, transition: str) -> bool:
    if transition == Transition.SUBMIT:
        return can_edit_cycle(user, cycle)
    return can_decide(user, cycle.manager)


def _transition(spec: _Spec, *, cycle: Cycle, by: User, transition: str, comment: str) -> Cycle:
    comment = clean_text(comment)
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("意见最多 %(limit)d 字。") % {"limit": COMMENT_MAX_LENGTH}}
        )
    if _refused_as_empty(spec, cycle=cycle, by=by, transition=transition):
        # an unstarted month is empty: refused before it is started, so nothing is written
        raise ValidationError(EMPTY_PLAN, code="empty")
    with transaction.atomic():
        if cycle.pk is None and can_edit_cycle(by, cycle):
            cycle_start(cycle=cycle, by=by)
        if cycle.pk is None:
            # a month nobody has started, decided on by someone else: checked on the unsaved
            # default (a draft), which refuses every transition but its owner's submit
            locked = cycle
        else:
            locked = (
                Cycle.objects.select_for_update(of=("self",))
                .select_related("manager__team")
                .get(pk=cycle.pk)
            )
        if not _actor_allowed(user=by, cycle=locked, transition=transition):
            raise PermissionDenied
        status_field = f"{spec.prefix}_status"
        old_status = getattr(locked, status_field)
        new_status = spec.transitions.get((old_status, transition))
        if new_status is None:
            raise NotAllowedNow(
                _("%(document)s当前状态为“%(status)s”，不能%(action)s。")
                % {
                    "document": Document(spec.document).label,
                    "status": spec.statuses(old_status).label,
                    "action": Transition(transition).label,
                },
                code="state",
            )
        if spec is PLAN and transition == Transition.SUBMIT and _plan_is_empty(locked):
            raise ValidationError(EMPTY_PLAN, code="empty")
        if spec is EVALUATION and transition == Transition.SUBMIT and not locked.summary.strip():
            raise ValidationError({"summary": _("请先写月总结再提交评估。")})
        now = timezone.now()
        setattr(locked, status_field, new_status)
        fields = [status_field, "updated_at"]
        if transition == Transition.SUBMIT:
            fields.append(f"{spec.prefix}_submitted_at")
            setattr(locked, fields[-1], now)
        else:
            for name, value in (("decided_at", now), ("decided_by", by), ("comment", comment)):
                fields.append(f"{spec.prefix}_{name}")
                setattr(locked, fields[-1], value)
        locked.save(update_fields=fields)
        ApprovalRecord.objects.create(
            cycle=locked,
            document=spec.document,
            transition=transition,
            from_status=old_status,
            to_status=new_status,
            by=by,
            at=now,
            comment=comment,
        )
        text = spec.notices[transition] % {"month": f"{locked.month:%Y-%m}"}
        notice_post(cycle=locked, by=by, text=f"{text}\n{comment}" if comment else text)
        if spec is PLAN and transition == Transition.APPROVE:
            customer_set_visit_frequencies(frequencies=_planned_frequencies(locked), by=by)
    return locked


def _refused_as_empty(spec: _Spec, *, cycle: Cycle, by: User, transition: str) -> bool:
    return (
        spec is PLAN
        and transition == Transition.SUBMIT
        and cycle.pk is None
        and can_edit_cycle(by, cycle)
        and _plan_is_empty(cycle)
    )


def _plan_is_empty(cycle: Cycle) -> bool:
    """No goal and no action (removed ones do not count): nothing for the market manager
    to decide on."""
    goals = (cycle.goal_volume, cycle.goal_coverage, cycle.goal_visits, cycle.goal_gross_profit)
    if any(goal is not None for goal in goals):
        return False
    return not cycle.pk or not cycle.actions.filter(removed_at__isnull=True).exists()


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
