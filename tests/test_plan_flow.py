"""The plan flow as the customer manager and the market manager meet it (issue #14 point 1):
an empty plan is refused, a plan with goals and actions goes to the market manager."""

import datetime as dt

import pytest

from cycle.models import ApprovalRecord, PlanStatus
from tests.factories import CycleFactory, MarketingActionFactory

NOV = dt.date(2026, 11, 1)
PLAN = "/plans/a1/2026-11/"
EMPTY = "计划还是空的"


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def empty_plan(two_teams):
    return CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)


class TestSubmit:
    def test_an_empty_plan_is_refused_with_a_message(self, client, two_teams, empty_plan):
        # a removed action does not make the plan any less empty
        action = MarketingActionFactory(cycle=empty_plan)
        action.removed_at = action.created_at
        action.save()
        response = as_user(client, two_teams["cm"]["a1"]).post(PLAN + "do/submit/")
        assert response.status_code == 400
        assert EMPTY in html(response)
        empty_plan.refresh_from_db()
        assert empty_plan.plan_status == PlanStatus.DRAFT
        assert not ApprovalRecord.objects.filter(cycle=empty_plan).exists()

    def test_a_plan_with_goals_and_an_action_is_submitted(self, client, two_teams, empty_plan):
        empty_plan.goal_volume = 1200
        empty_plan.save()
        MarketingActionFactory(cycle=empty_plan)
        response = as_user(client, two_teams["cm"]["a1"]).post(PLAN + "do/submit/")
        assert response.status_code == 302
        empty_plan.refresh_from_db()
        assert empty_plan.plan_status == PlanStatus.SUBMITTED
        assert ApprovalRecord.objects.filter(cycle=empty_plan, to_status="submitted").exists()
        assert EMPTY not in html(client.get(PLAN))
