"""The indicator job reads the month's execution (actions and visits planned and done) only
through the hook of reports/execution_source.py (REPORTS_EXECUTION_SOURCE), never from the
cycle directly: another source is used as is, and without one the counts are empty."""

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone

from reports.models import CustomerIndicator, ManagerIndicator
from reports.services import indicators_compute
from tests.factories import CustomerFactory, CycleFactory, MarketingActionFactory

pytestmark = pytest.mark.django_db
M = dt.date(2026, 10, 1)
asked: list[dt.date] = []


@pytest.fixture
def world(two_teams):
    """a1 planned two actions in October and did one, on customer x."""
    a1 = two_teams["cm"]["a1"]
    x = CustomerFactory(manager=a1, code="C-x")
    cycle = CycleFactory(manager=a1, month=M)
    MarketingActionFactory(cycle=cycle, customer=x, done_at=timezone.now())
    MarketingActionFactory(cycle=cycle, customer=x)
    asked.clear()
    return two_teams | {"a1": a1, "x": x}


def made_up_source(*, month: dt.date):
    """Counts no cycle holds: 7 planned, 5 done, 4 visits of 6 for a1; the customer's
    columns in another order and a float, as a source might give them."""
    from accounts.models import User
    from customers.models import Customer

    asked.append(month)
    a1 = User.objects.get(username="a1")
    x = Customer.objects.get(code="C-x")
    per_manager = pd.DataFrame(
        {"visits_done": [4], "visits_planned": [6], "actions_done": [5], "actions_planned": [7]},
        index=[a1.pk],
    )
    per_customer = pd.DataFrame({"actions_done": [3.0], "visits_done": [2]}, index=[x.pk])
    return per_manager, per_customer


def test_the_default_source_is_the_cycles_records(world):
    indicators_compute(month=M)
    a1 = ManagerIndicator.objects.get(manager=world["a1"], month=M)
    assert (a1.actions_planned, a1.actions_done) == (2, 1)


def test_the_job_uses_the_registered_source(world, settings):
    settings.REPORTS_EXECUTION_SOURCE = f"{__name__}.made_up_source"
    indicators_compute(month=M)
    assert asked == [M]
    a1 = ManagerIndicator.objects.get(manager=world["a1"], month=M)
    assert (a1.actions_planned, a1.actions_done) == (7, 5)
    assert a1.completion_rate == pytest.approx(5 / 7)
    assert (a1.visits_planned, a1.visits_done) == (6, 4)
    x = CustomerIndicator.objects.get(customer=world["x"], month=M)
    assert (x.visits_done, x.actions_done) == (2, 3)


def test_without_a_source_the_counts_are_empty(world, settings):
    settings.REPORTS_EXECUTION_SOURCE = ""
    indicators_compute(month=M)
    a1 = ManagerIndicator.objects.get(manager=world["a1"], month=M)
    assert (a1.actions_planned, a1.actions_done, a1.completion_rate) == (0, 0, None)
    assert (a1.visits_planned, a1.visits_done) == (0, 0)
    x = CustomerIndicator.objects.get(customer=world["x"], month=M)
    assert (x.visits_done, x.actions_done) == (0, 0)
