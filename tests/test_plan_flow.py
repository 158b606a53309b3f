"""The plan flow as the customer manager and the market manager meet it (issue #14 point 1):
an empty plan is refused, a plan with goals and actions goes to the market manager."""

import datetime as dt
import re

import pytest

from core.months import add_months, current_month
from cycle.models import ApprovalRecord, Cycle, PlanStatus
from cycle.services import plan_submit
from tests.factories import CycleFactory, MarketingActionFactory, PlannedVisitFactory

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

    def test_submitting_a_month_not_started_is_refused_and_starts_nothing(self, client, two_teams):
        # (this case used to be in test_safe_gets: an unstarted month is always empty now)
        month = add_months(current_month(), 1)
        client = as_user(client, two_teams["cm"]["a1"])
        response = client.post(f"/plans/a1/{month:%Y-%m}/do/submit/")
        assert response.status_code == 400
        page = html(response)
        assert EMPTY in page and "本月计划尚未开始" in page
        assert not Cycle.objects.filter(month=month).exists()

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


@pytest.fixture
def submitted_plan(two_teams):
    plan = CycleFactory(manager=two_teams["cm"]["a1"], month=NOV, goal_volume=1200)
    MarketingActionFactory(cycle=plan)
    plan_submit(cycle=plan, by=plan.manager)
    return plan


class TestDecision:
    @pytest.mark.parametrize(
        ("name", "comment", "status", "shown"),
        [
            ("approve", "", PlanStatus.APPROVED, "已批准"),
            ("reject", "拜访太集中", PlanStatus.REJECTED, "已退回"),
        ],
    )
    def test_the_decision_lands_on_the_plan_with_its_history(
        self, client, two_teams, submitted_plan, name, comment, status, shown
    ):
        c = as_user(client, two_teams["mm_a"])
        response = c.post(PLAN + f"do/{name}/", {"comment": comment})
        assert response.status_code == 302 and response["Location"] == PLAN
        submitted_plan.refresh_from_db()
        assert submitted_plan.plan_status == status
        page = html(c.get(PLAN))
        status_box = page[page.index('id="status"') :]
        assert shown in status_box[: status_box.index("</section>")]
        # the history: the submission and the decision, by whom
        assert "审批记录" in page
        assert two_teams["cm"]["a1"].display_name in page
        assert two_teams["mm_a"].display_name in page
        assert submitted_plan.history.count() == 2

    def test_the_queue_lists_the_plan_just_decided(self, client, two_teams, submitted_plan):
        c = as_user(client, two_teams["mm_a"])
        before = html(c.get("/plans/queue/"))
        assert "还没有审批过的计划" in before
        c.post(PLAN + "do/reject/", {"comment": "拜访太集中"})
        queue = html(c.get("/plans/queue/"))
        decided = queue[queue.index('id="decided"') :]
        decided = decided[: decided.index("</section>")]
        assert two_teams["cm"]["a1"].display_name in decided
        assert "2026-11" in decided and "已退回" in decided
        assert f'href="{PLAN}"' in decided

    def test_another_market_manager_does_not_see_it(self, client, two_teams, submitted_plan):
        as_user(client, two_teams["mm_a"]).post(PLAN + "do/approve/")
        queue = html(as_user(client, two_teams["mm_b"]).get("/plans/queue/"))
        decided = queue[queue.index('id="decided"') :]
        assert "还没有审批过的计划" in decided[: decided.index("</section>")]


class TestPageOrder:
    def test_goals_actions_week_summary_then_submit(self, client, two_teams, empty_plan):
        empty_plan.goal_volume = 1200
        empty_plan.save()
        action = MarketingActionFactory(cycle=empty_plan)
        PlannedVisitFactory(cycle=empty_plan, customer=action.customer, date=NOV)
        PlannedVisitFactory(cycle=empty_plan, customer=action.customer, date=dt.date(2026, 11, 9))
        page = html(as_user(client, two_teams["cm"]["a1"]).get(PLAN))
        marks = ['id="goals"', 'id="actions"', "周安排（拜访日历）", 'id="summary"', "提交审批"]
        positions = [page.index(mark) for mark in marks]
        assert positions == sorted(positions)
        summary = page[page.index('id="summary"') : page.index('id="status"')]
        assert "2 次，分布在 2 天" in summary
        assert re.search(r"1,?200", summary)  # the volume goal
