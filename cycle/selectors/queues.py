"""What waits for a decision: submitted plans and evaluations, improvement items not yet
reviewed. Only a market manager decides, on their own team."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.policy import leads_team

from ..models import Cycle, EvaluationStatus, PlanStatus, ReviewStatus


def approval_queue(*, user: User) -> QuerySet[Cycle]:
    """Plans waiting for ``user``'s decision: only a market manager decides, on their team."""
    return submitted_plans(_decided_by(user))


def evaluation_queue(*, user: User) -> QuerySet[Cycle]:
    """Month-end evaluations waiting for ``user``'s review: a market manager's, of their
    team, as for plans."""
    return submitted_evaluations(_decided_by(user))


def recently_decided_plans(*, user: User, limit: int = 10) -> QuerySet[Cycle]:
    """The last ``limit`` plans ``user`` approved or returned, of any month, newest decision
    first: after deciding, the market manager can find the plan again (a resubmitted plan
    waits in the queue instead)."""
    return (
        _decided_by(user)
        .filter(
            plan_decided_by=user,
            plan_status__in=[PlanStatus.APPROVED, PlanStatus.REJECTED],
        )
        .select_related("manager")
        .order_by("-plan_decided_at", "-id")[:limit]
    )


def _decided_by(user: User) -> QuerySet[Cycle]:
    if not leads_team(user):
        return Cycle.objects.none()
    return Cycle.objects.filter(manager__team__market_manager=user).exclude(manager=user)


def submitted_plans(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Of ``cycles``, the plans waiting for a decision, oldest first, with their number of
    actions (``actions_count``)."""
    return (
        cycles.filter(plan_status=PlanStatus.SUBMITTED)
        .select_related("manager")
        .annotate(actions_count=Count("actions", filter=Q(actions__removed_at__isnull=True)))
        .order_by("plan_submitted_at", "id")
    )


def submitted_evaluations(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Of ``cycles``, the month-end evaluations waiting for review, oldest first, with their
    improvement items not yet reviewed (``improvements_pending``)."""
    return (
        cycles.filter(evaluation_status=EvaluationStatus.SUBMITTED)
        .select_related("manager")
        .annotate(improvements_pending=_pending_items())
        .order_by("evaluation_submitted_at", "id")
    )


def pending_improvements(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Of ``cycles``, those with improvement items not yet reviewed (``pending``), by month
    and manager."""
    return (
        cycles.select_related("manager")
        .annotate(pending=_pending_items())
        .filter(pending__gt=0)
        .order_by("month", "manager__username")
    )


def _pending_items() -> Count:
    return Count("improvements", filter=Q(improvements__review_status=ReviewStatus.PENDING))
