"""Whom a brand task reaches: the targeting criteria, the customers they match and the live
count the task form shows. ``cycle.services.brand_task_send`` sends to exactly these
customers, so the count a brand manager sees before sending is what the task then says."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from accounts.models import User
from accounts.policy import can_see_brand_tasks, customer_managers
from customers.selectors import customers_matching


@dataclass(frozen=True)
class Criteria:
    """Each field a tuple of accepted values; an empty one does not narrow."""

    trade_areas: tuple[str, ...] = ()
    business_formats: tuple[str, ...] = ()
    tier_bands: tuple[str, ...] = ()
    market_types: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {k: list(v) for k, v in self.__dict__.items() if v}

    def customers(self, *, user: User):
        return brand_task_targets(user=user, criteria=self)


@dataclass(frozen=True)
class Reach:
    customers: int
    managers: int


def brand_task_targets(*, user: User, criteria: Criteria) -> QuerySet:
    """The active customers ``user`` may see that match every criterion and belong to an
    active customer manager (the owners who receive the task); none for a user who may
    not see brand tasks."""
    customers = customers_matching(
        user=user,
        trade_areas=list(criteria.trade_areas),
        business_formats=list(criteria.business_formats),
        tier_bands=list(criteria.tier_bands),
        market_types=list(criteria.market_types),
    )
    if not can_see_brand_tasks(user):
        return customers.none()
    return customers.filter(manager__in=customer_managers())


def brand_task_reach(*, user: User, criteria: Criteria) -> Reach:
    """How many customers and customer managers a task with ``criteria`` would reach: one
    query."""
    counts = brand_task_targets(user=user, criteria=criteria).aggregate(
        customers=Count("pk"), managers=Count("manager", distinct=True)
    )
    return Reach(customers=counts["customers"], managers=counts["managers"])
