"""The plan's actions on a phone (375 px) are cards, in Chromium: nothing wider than the
screen, the customer code on one line, the action's text whole, the edit and delete controls
at least 44 px high; on a desktop the same rows are a table. And a write from a stale tab
opens the page afresh at the top, with the reason."""

from __future__ import annotations

import pytest

from core.months import add_months, current_month
from cycle.models import PlanStatus
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
expect = pytest.importorskip("playwright.sync_api").expect

LONG = "走访了解经营变化，帮助分析销量下滑原因并制定提升措施，约店主面谈确定陈列位置和订货节奏"
CODE = "620103100002"


@pytest.fixture
def plan():
    """cm's plan for next month, returned for changes (editable): twelve actions."""
    cm = CustomerManagerFactory(username="cm", team=TeamFactory(code="T1"))
    month = add_months(current_month(), 1)
    cycle = CycleFactory(manager=cm, month=month, plan_status=PlanStatus.REJECTED)
    for n in range(12):
        customer = CustomerFactory(manager=cm, code=f"{int(CODE) + n}", name=f"人民万家副食店{n}")
        PlannedVisitFactory(cycle=cycle, customer=customer, date=month.replace(day=3 + n))
        MarketingActionFactory(cycle=cycle, customer=customer, text=LONG)
    return cycle, f"/plans/cm/{month:%Y-%m}/"


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None
    return found


def test_actions_are_cards_on_a_phone_and_a_table_on_a_desktop(sign_in, plan):
    _cycle, url = plan
    page = sign_in("cm", width=375).page
    page.goto(url)
    card = page.locator("#actions tbody tr").first
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert box(page.locator("#actions thead"))["height"] <= 1  # kept for screen readers only
    cells = card.locator("td")
    assert box(cells.nth(2))["y"] > box(cells.nth(0))["y"]  # stacked: a card
    code = card.locator(".code")
    assert box(code)["height"] < 30  # one line: the code does not break
    text = card.locator("textarea[name=text]")
    assert text.evaluate("t => t.scrollHeight <= t.clientHeight + 2")  # the whole text shows
    for control in (text, card.locator("select"), card.get_by_role("button", name="保存")):
        assert box(control)["height"] >= 44
    summary = card.locator("summary")
    assert box(summary)["height"] >= 44
    summary.click()
    assert box(card.get_by_role("button", name="确认删除"))["height"] >= 44

    desk = sign_in("cm", width=1280).page
    desk.goto(url)
    assert box(desk.locator("#actions thead"))["height"] > 20
    row = desk.locator("#actions tbody tr").first
    cells = row.locator("td")
    assert box(cells.nth(1))["y"] == box(cells.nth(0))["y"]  # side by side: a table row


def test_a_stale_tab_opens_the_page_afresh_at_the_top_with_the_reason(sign_in, plan):
    cycle, url = plan
    page = sign_in("cm", width=375).page
    page.goto(url)
    card = page.locator("#actions tbody tr").nth(8)
    card.scroll_into_view_if_needed()
    cycle.plan_status = PlanStatus.SUBMITTED  # resubmitted in another tab
    cycle.save(update_fields=["plan_status"])
    card.locator("textarea[name=text]").fill("改过的动作")
    card.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("计划待审批，不能修改")
    expect(page.locator("#status .badge")).to_have_text("待审批")
    expect(page.locator("#actions textarea")).to_have_count(0)  # read-only now
    assert page.evaluate("window.scrollY") == 0  # the reason is in sight
    expect(page.locator("#request-error")).to_be_hidden()
