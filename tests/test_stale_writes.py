"""Writes from a stale tab: the page was opened while the plan was editable (or the month
open), then the plan was submitted, approved or returned, or the month's results closed, in
another tab. The refused write answers 409; htmx loads the whole page afresh (``HX-Redirect``
to the page, so that it opens at the top, where the reason is) instead of swapping one block
into a page that still shows the old state; the page shows the reason at the top once, and
the state as it truly is. Wrong input keeps its in-place message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from core.months import add_months, current_month, month_start
from cycle.models import EvaluationStatus, MarketingAction, PlanStatus, Visit
from cycle.services import plan_approve, plan_reject, plan_submit
from markets.models import Forecast
from tests.factories import CycleFactory, MarketingActionFactory, PlannedVisitFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
MONTH = add_months(current_month(), 1)  # next month's plan: made ahead, inside the window
PLAN = f"/plans/a1/{MONTH:%Y-%m}/"


def html(response) -> str:
    return response.content.decode()


def top_message(page: str) -> str:
    """The messages box at the top of a page ("" when there is none)."""
    found = re.search(r'<ul class="messages">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip() if found else ""


@pytest.fixture
def stale(client, two_teams):
    """a1's plan, returned for changes, open in a tab with one action on a planned day."""
    a1 = two_teams["cm"]["a1"]
    customer = two_teams["customers"]["a1"]
    cycle = CycleFactory(manager=a1, month=MONTH, goal_volume=1200)
    action = MarketingActionFactory(cycle=cycle, customer=customer, text="陈列调整")
    PlannedVisitFactory(cycle=cycle, customer=customer, date=MONTH + dt.timedelta(days=2))
    plan_submit(cycle=cycle, by=a1)
    plan_reject(cycle=cycle, by=two_teams["mm_a"], comment="拜访日太集中")
    client.force_login(a1)
    page = html(client.get(PLAN))
    assert "已退回" in page and 'name="goal_volume"' in page  # the tab: editable
    return {"client": client, "a1": a1, "customer": customer, "cycle": cycle, "action": action}


def plan_writes(stale) -> dict[str, dict]:
    action, customer = stale["action"], stale["customer"]
    return {
        "goals/": {"goal_volume": "99", "focus": "改了"},
        "generate/": {},
        "actions/add/": {"customer": customer.pk, "text": "新加的"},
        f"actions/{action.pk}/": {"text": "改过的"},
        f"actions/{action.pk}/remove/": {"reason": "不做了"},
    }


def assert_plan_unchanged(stale) -> None:
    cycle, action = stale["cycle"], stale["action"]
    cycle.refresh_from_db()
    action.refresh_from_db()
    assert cycle.goal_volume == 1200 and cycle.focus != "改了"
    assert action.text == "陈列调整" and action.removed_at is None
    assert MarketingAction.objects.filter(cycle=cycle).count() == 1


def test_htmx_writes_to_a_plan_submitted_meanwhile_reload_the_whole_page(stale):
    plan_submit(cycle=stale["cycle"], by=stale["a1"])  # in the other tab
    c = stale["client"]
    for url, data in plan_writes(stale).items():
        response = c.post(PLAN + url, data, **HTMX)
        assert response.status_code == 409, url
        assert response["HX-Redirect"] == PLAN, url
        assert html(response) == "", url  # nothing to swap into the stale page
        page = html(c.get(PLAN))  # what htmx opens
        assert "计划待审批，不能修改" in top_message(page), url
        assert 'badge-plan-submitted">待审批' in page and 'name="goal_volume"' not in page
        assert "生成营销动作" not in page and "确认删除" not in page
    assert_plan_unchanged(stale)
    assert top_message(html(c.get(PLAN))) == ""  # the reason is shown once


def test_a_plain_post_to_an_approved_plan_gets_the_whole_page_with_409(stale, two_teams):
    cycle = stale["cycle"]
    plan_submit(cycle=cycle, by=stale["a1"])
    plan_approve(cycle=cycle, by=two_teams["mm_a"])
    for url, data in plan_writes(stale).items():
        response = stale["client"].post(PLAN + url, data)
        page = html(response)
        assert response.status_code == 409, url
        assert "计划已批准，不能修改" in top_message(page), url
        assert "计划已批准，内容只读" in page and 'name="goal_volume"' not in page, url
        assert "陈列调整" in page, url  # the plan itself, as it is
    assert_plan_unchanged(stale)


def test_a_decision_already_taken_in_another_tab_shows_the_plan_as_decided(stale, two_teams):
    cycle, mm = stale["cycle"], two_teams["mm_a"]
    plan_submit(cycle=cycle, by=stale["a1"])
    c = stale["client"]
    c.force_login(mm)
    assert "退回修改" in html(c.get(PLAN))  # the market manager's tab
    plan_approve(cycle=cycle, by=mm)  # decided in another tab
    response = c.post(PLAN + "do/reject/", {"comment": "再改改"})
    page = html(response)
    assert response.status_code == 409
    assert "不能退回" in top_message(page)
    assert 'badge-plan-approved">已批准' in page and "退回修改" not in page
    cycle.refresh_from_db()
    assert cycle.plan_status == PlanStatus.APPROVED


def test_wrong_input_keeps_its_message_in_place(stale):
    c = stale["client"]
    bad = c.post(PLAN + "goals/", {"goal_volume": "-5"}, **HTMX)
    assert bad.status_code == 200 and "HX-Redirect" not in bad
    assert 'id="goals"' in html(bad) and "<html" not in html(bad)
    empty = c.post(PLAN + f"actions/{stale['action'].pk}/remove/", {"reason": ""}, **HTMX)
    assert empty.status_code == 200 and "HX-Redirect" not in empty
    assert "删除动作时请写明原因" in html(empty)
    assert top_message(html(c.get(PLAN))) == ""  # no message left over for the next page


class TestOtherPages:
    def test_a_forecast_typed_into_an_approved_plan(self, stale, two_teams):
        cycle, customer = stale["cycle"], stale["customer"]
        c = stale["client"]
        grid = f"{PLAN}forecasts/"
        assert f'name="q{customer.pk}"' in html(c.get(grid))  # the tab: editable
        plan_submit(cycle=cycle, by=stale["a1"])
        plan_approve(cycle=cycle, by=two_teams["mm_a"])
        cell = c.post(f"{grid}{customer.pk}/", {f"q{customer.pk}": "30"}, **HTMX)
        assert cell.status_code == 409 and cell["HX-Redirect"] == grid
        page = html(c.get(grid))
        assert "计划已批准，不能修改" in top_message(page)
        assert f'name="q{customer.pk}"' not in page  # read-only now
        whole = c.post(grid, {f"q{customer.pk}": "30"})  # without JavaScript
        assert whole.status_code == 409 and "计划已批准" in top_message(html(whole))
        assert not Forecast.objects.exists()

    def test_a_visit_day_picked_in_a_submitted_plan(self, stale):
        plan_submit(cycle=stale["cycle"], by=stale["a1"])
        day = (MONTH + dt.timedelta(days=3)).isoformat()
        url = f"{PLAN}schedule/{day}/"
        data = {"customers": [stale["customer"].pk]}
        response = stale["client"].post(url, data, **HTMX)
        assert response.status_code == 409 and response["HX-Redirect"] == url
        plain = stale["client"].post(url, data)
        assert plain.status_code == 409 and "计划待审批，不能修改" in top_message(html(plain))
        assert stale["cycle"].planned_visits.count() == 1

    def test_a_visit_field_after_the_month_was_closed(self, client, two_teams):
        a1, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
        today = timezone.localdate()
        cycle = CycleFactory(manager=a1, month=month_start(today))
        client.force_login(a1)
        log = f"/visits/{today.isoformat()}/{customer.pk}/"
        assert "visit_log.js" in html(client.get(log))  # the tab: open for writing
        cycle.evaluation_status = EvaluationStatus.SUBMITTED  # submitted in another tab
        cycle.save()
        response = client.post(f"{log}save/feeling/", {"feeling": "晚了"}, **HTMX)
        assert response.status_code == 409 and response["HX-Redirect"] == log
        page = html(client.get(log))
        assert "不能再修改" in top_message(page) and "本页只读" in page
        assert not Visit.objects.exists()

    def test_the_monthly_summary_after_the_month_was_closed(self, stale):
        cycle = stale["cycle"]
        cycle.evaluation_status = EvaluationStatus.SUBMITTED
        cycle.save()
        url = f"{PLAN}evaluation/summary/"
        response = stale["client"].post(url, {"summary": "改写"}, **HTMX)
        assert response.status_code == 409 and response["HX-Redirect"] == f"{PLAN}evaluation/"
        page = html(stale["client"].get(f"{PLAN}evaluation/"))
        assert "不能再修改" in top_message(page)
        cycle.refresh_from_db()
        assert cycle.summary != "改写"
