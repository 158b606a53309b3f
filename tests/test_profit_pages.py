"""Retailer gross profit on the pages: the customer page (through the MARKETS_PROFIT_SOURCE
hook), the manager and team analysis pages (the numbers: tests/test_profit.py)."""

from decimal import Decimal

import pytest

from core.months import add_months, previous_month
from reports.models import CustomerIndicator
from reports.services import indicators_compute
from tests.test_indicators_formulas import M, world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def stored_profit(two_teams):
    customer = two_teams["customers"]["a1"]
    last = previous_month()
    for month, profit, mom, yoy in [
        (add_months(last, -1), "800.00", None, None),
        (last, "1000.50", 0.250625, None),
    ]:
        CustomerIndicator.objects.create(
            month=month,
            customer=customer,
            manager=customer.manager,
            amount=Decimal(0),
            gross_profit=Decimal(profit),
            gross_profit_change_mom=mom,
            gross_profit_change_yoy=yoy,
        )
    return customer


def test_customer_page_shows_the_latest_profit_and_its_months(client, two_teams, stored_profit):
    html = page(client, two_teams["cm"]["a1"], f"/customers/{stored_profit.pk}/")
    assert "客户赢利水平（估算）" in html
    assert f"{previous_month():%Y-%m} 客户毛利（元）" in html
    assert "1,000.50" in html and "25.1%" in html  # the latest month and its change
    assert "800.00" in html  # the month before, in the monthly table
    assert "建议零售价" in html  # how it is estimated


def test_customer_page_without_profit_says_so(client, two_teams):
    customer = two_teams["customers"]["a1"]
    html = page(client, two_teams["cm"]["a1"], f"/customers/{customer.pk}/")
    assert "还没有计算出客户毛利的月份。" in html


def test_customer_page_without_a_source_leaves_profit_out(
    client, two_teams, stored_profit, settings
):
    settings.MARKETS_PROFIT_SOURCE = ""
    html = page(client, two_teams["mm_a"], f"/customers/{stored_profit.pk}/")
    assert "客户赢利水平" not in html


def test_customer_page_in_english(client, two_teams, stored_profit):
    html = page(client, two_teams["cm"]["a1"], f"/en/customers/{stored_profit.pk}/")
    assert "Retailer profitability (estimated)" in html and "1,000.50" in html


@pytest.fixture
def two_months(world):  # noqa: F811
    """September then October computed: a1 0.00 (c1 grew, c2 fell: 1 of 2), a2 200.00 (c3
    grew: 1 of 1), z0 no customers (tests/test_profit.py has the arithmetic)."""
    indicators_compute(month=add_months(M, -1))
    indicators_compute(month=M)
    return world


def test_manager_analysis_shows_total_and_share(client, two_months):
    html = page(client, two_months["cm"]["a2"], "/analysis/manager/a2/?month=2026-10")
    assert "客户毛利合计（元）" in html and "200.00" in html
    assert "毛利增长客户占比（1/1）" in html and "100.0%" in html


def test_team_analysis_shows_each_manager_and_the_team(client, two_months):
    mm = two_months["cm"]["a1"].team.market_manager
    html = page(client, mm, "/analysis/team/TA/?month=2026-10")
    assert "毛利增长客户占比" in html
    row_a1 = html[html.index("/analysis/manager/a1/") :].split("</tr>")[0]
    assert "0.00" in row_a1 and "50.0%" in row_a1  # c1 grew, c2 fell
    total = html[html.index("团队合计") :].split("</tr>")[0]
    assert "200.00" in total and "66.7%" in total  # 2 of the 3 compared customers grew
    assert "全团队客户毛利 200.00 元，毛利增长客户 2/3。" in html


# --- the optional plan goal ---------------------------------------------------------------


def test_plan_goal_is_saved_shown_and_refused_when_negative(client, two_teams):
    from cycle.models import Cycle
    from tests.factories import CycleFactory

    plan = CycleFactory(manager=two_teams["cm"]["a1"], month=M.replace(month=11))
    client.force_login(plan.manager)
    url = "/plans/a1/2026-11/goals/"
    ok = client.post(url, {"goal_gross_profit": "12000.5", "focus": ""}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "已保存" in ok.content.decode()
    assert Cycle.objects.get(pk=plan.pk).goal_gross_profit == Decimal("12000.50")
    bad = client.post(url, {"goal_gross_profit": "-1", "focus": ""}, HTTP_HX_REQUEST="true")
    assert "请按提示修改" in bad.content.decode()  # htmx: the form again, where the user is
    assert client.post(url, {"goal_gross_profit": "-1", "focus": ""}).status_code == 400
    assert Cycle.objects.get(pk=plan.pk).goal_gross_profit == Decimal("12000.50")
    html = page(client, plan.manager, "/plans/a1/2026-11/")
    assert "客户毛利目标（元）" in html and "12,000.50" in html


def test_a_plan_with_only_a_profit_goal_is_not_empty(two_teams):
    from cycle.services import plan_submit
    from tests.factories import CycleFactory

    plan = CycleFactory(
        manager=two_teams["cm"]["a1"], month=M.replace(month=11), goal_gross_profit=Decimal(500)
    )
    assert plan_submit(cycle=plan, by=plan.manager).plan_status == "submitted"


def test_evaluation_compares_the_goal_with_the_stored_profit(client, two_months):
    from tests.factories import CycleFactory

    a2 = two_months["cm"]["a2"]
    CycleFactory(manager=a2, month=M, goal_gross_profit=Decimal(400))
    html = page(client, a2, "/plans/a2/2026-10/evaluation/")
    row = html[html.index("客户毛利（元）") :].split("</tr>")[0]
    assert "400.00" in row and "200.00" in row and "50.0%" in row  # 200 of 400


def test_evaluation_without_a_profit_goal_has_no_profit_row(client, two_months):
    from tests.factories import CycleFactory

    a2 = two_months["cm"]["a2"]
    CycleFactory(manager=a2, month=M, goal_volume=10)
    assert "客户毛利（元）" not in page(client, a2, "/plans/a2/2026-10/evaluation/")


def test_the_pdfs_show_the_profit_goal(client, two_months, tmp_path):
    from tests.factories import CycleFactory
    from tests.test_report_pdfs import pdf_text

    a2 = two_months["cm"]["a2"]
    CycleFactory(manager=a2, month=M, goal_gross_profit=Decimal(400))
    client.force_login(a2)
    plan = pdf_text(client.get("/plans/a2/2026-10/plan.pdf").content, tmp_path)
    assert "客户毛利目标（元）" in plan and "400.00" in plan
    evaluation = pdf_text(client.get("/plans/a2/2026-10/evaluation.pdf").content, tmp_path)
    line = next(x for x in evaluation.splitlines() if "客户毛利（元）" in x)
    assert "400.00" in line and "200.00" in line and "50.0%" in line
