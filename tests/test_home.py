"""The home pages' main button: it leads where the user's work is now — for a customer
manager the current step of the month's cycle, named by it; for a market manager what waits
for their decision."""

import re

import pytest

from core.months import add_months, current_month, previous_month
from cycle.models import EvaluationStatus, PlanStatus, ReviewStatus
from tests.factories import CycleFactory, ImprovementFactory


def main_button(client, user) -> tuple[str, str]:
    """(href, text) of the page's primary button."""
    client.force_login(user)
    page = client.get("/").content.decode()
    found = re.findall(r'<a class="button primary[^"]*" href="([^"]*)"[^>]*>([^<]*)</a>', page)
    assert len(found) == 1, found
    href, text = found[0]
    return href.replace("&amp;", "&"), text.strip()


@pytest.fixture
def a1(two_teams):
    return two_teams["cm"]["a1"]


@pytest.fixture
def month():
    return f"{current_month():%Y-%m}"


def test_a_new_month_starts_at_the_analysis(client, a1):
    href, text = main_button(client, a1)
    assert text == "分析：查看预警与指标 ›"
    assert href == f"/analysis/manager/a1/?month={previous_month():%Y-%m}"
    page = client.get("/").content.decode()
    assert "当前步骤：1 分析" in page


def test_after_the_analysis_the_button_opens_the_plan(client, a1, month):
    CycleFactory(manager=a1, month=current_month(), problems="动销慢：陈列不足")
    assert main_button(client, a1) == (f"/plans/a1/{month}/", "计划：打开月计划 ›")


def test_a_submitted_plan_is_still_the_plan_step(client, a1, month):
    CycleFactory(manager=a1, month=current_month(), plan_status=PlanStatus.SUBMITTED)
    assert main_button(client, a1) == (f"/plans/a1/{month}/", "计划：打开月计划 ›")


def test_an_approved_plan_leads_to_todays_visits(client, a1):
    CycleFactory(manager=a1, month=current_month(), plan_status=PlanStatus.APPROVED)
    assert main_button(client, a1) == ("/visits/", "实施：今日拜访 ›")
    assert "打开月计划" not in client.get("/").content.decode()


def test_once_executed_the_button_leads_to_the_evaluation_then_the_improvements(
    client, a1, month, monkeypatch
):
    # the month seen from the next one: execution is over
    monkeypatch.setattr(
        "cycle.selectors.steps.current_month", lambda: add_months(current_month(), 1)
    )
    cycle = CycleFactory(manager=a1, month=current_month(), plan_status=PlanStatus.APPROVED)
    evaluation = f"/plans/a1/{month}/evaluation/"
    assert main_button(client, a1) == (evaluation, "评估：月度评估 ›")
    cycle.evaluation_status = EvaluationStatus.APPROVED
    cycle.save()
    ImprovementFactory(cycle=cycle, review_status=ReviewStatus.RETURNED)
    assert main_button(client, a1) == (evaluation + "#improvements", "改进：改进事项 ›")


def test_a_market_manager_is_led_to_the_plans_waiting_for_approval(client, two_teams):
    mm = two_teams["mm_a"]
    assert main_button(client, mm) == ("/team/", "团队看板")  # nothing waits
    for key in ("a1", "a2"):
        CycleFactory(
            manager=two_teams["cm"][key], month=current_month(), plan_status=PlanStatus.SUBMITTED
        )
    assert main_button(client, mm) == ("/plans/queue/", "审批计划：2 份待审批 ›")
    # another team's plan is not theirs to approve
    CycleFactory(
        manager=two_teams["cm"]["b1"], month=current_month(), plan_status=PlanStatus.SUBMITTED
    )
    assert main_button(client, mm)[1] == "审批计划：2 份待审批 ›"
    assert main_button(client, two_teams["mm_b"])[1] == "审批计划：1 份待审批 ›"


def test_with_no_plan_waiting_a_submitted_evaluation_leads(client, two_teams):
    CycleFactory(
        manager=two_teams["cm"]["a1"],
        month=previous_month(),
        plan_status=PlanStatus.APPROVED,
        evaluation_status=EvaluationStatus.SUBMITTED,
    )
    href, text = main_button(client, two_teams["mm_a"])
    assert (href, text) == ("/plans/queue/#evaluations", "审核月度评估：1 份待审核 ›")
    assert 'href="/plans/queue/">待审批计划 0</a>' in client.get("/").content.decode()


def test_the_home_pages_cost_a_bounded_number_of_queries(
    client, two_teams, django_assert_max_num_queries
):
    for key in ("a1", "a2"):
        CycleFactory(
            manager=two_teams["cm"][key], month=current_month(), plan_status=PlanStatus.SUBMITTED
        )
    for user in (two_teams["cm"]["a1"], two_teams["mm_a"]):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            assert client.get("/").status_code == 200
