"""The market manager's team board (团队看板): where each customer manager is in the month's
five steps, what waits for the market manager, and the team ranked on five stored indicators
— the numbers checked by hand against the stored rows; sorting, the team average, who may
see which team, the Excel and PDF downloads, and a query count that does not grow with the
team."""

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from core.months import current_month, previous_month
from cycle.models import Cycle, PlanStatus
from cycle.selectors.team_board import rank_and_sort, ranking_rows, team_average
from reports.models import (
    IndicatorRun,
    ManagerIndicator,
    ObjectType,
    RunStatus,
    ScopeIndicator,
    ScopeType,
)
from tests.factories import (
    BrandFactory,
    CustomerManagerFactory,
    CycleFactory,
    ImprovementFactory,
    SkuFactory,
    UserFactory,
)
from tests.test_charts import charts_in

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
URL = "/team/"


def indicator(manager, month=OCT, **values):
    return ManagerIndicator.objects.create(
        month=month, manager=manager, team=manager.team, **values
    )


def coverage(username, brand, rate, month=OCT):
    ScopeIndicator.objects.create(
        month=month,
        scope_type=ScopeType.MANAGER,
        scope_key=username,
        object_type=ObjectType.BRAND,
        object_key=brand,
        amount=Decimal("0"),
        coverage_rate=rate,
    )


@pytest.fixture
def board(two_teams):
    """Team TA with a1, a2 and a3 (a3 without indicators) for October:

    ======  ==========  ======  ========  ======  ===============
    who     completion  visits  accuracy  growth  key brands
    ======  ==========  ======  ========  ======  ===============
    a1      60%         45/50   80%       +5%     40% and 20% → 30%
    a2      60%         40/50   90%       −10%    50%
    a3      —           —       —         —       —
    b1      99% (team TB, never on TA's board)
    ======  ==========  ======  ========  ======  ===============
    """
    data = two_teams
    a1, a2, b1 = data["cm"]["a1"], data["cm"]["a2"], data["cm"]["b1"]
    a3 = CustomerManagerFactory(username="a3", name="丙三", team=data["team_a"])
    a1.name, a2.name = "甲一", "乙二"
    a1.save()
    a2.save()
    IndicatorRun.objects.create(month=OCT, status=RunStatus.SUCCEEDED, started_at=timezone.now())
    indicator(
        a1,
        completion_rate=0.6,
        actions_planned=10,
        actions_done=6,
        visits_planned=50,
        visits_done=45,
        forecast_accuracy=0.8,
        volume_growth_mom=0.05,
    )
    indicator(
        a2,
        completion_rate=0.6,
        actions_planned=5,
        actions_done=3,
        visits_planned=50,
        visits_done=40,
        forecast_accuracy=0.9,
        volume_growth_mom=-0.1,
    )
    indicator(b1, completion_rate=0.99, visits_planned=10, visits_done=10)
    for brand in ("黄鹤楼", "中华"):
        SkuFactory(brand=BrandFactory(name=brand), is_key_brand=True)
    SkuFactory(brand=BrandFactory(name="普通牌"))
    coverage("a1", "黄鹤楼", 0.4)
    coverage("a1", "中华", 0.2)
    coverage("a1", "普通牌", 0.9)  # not a key brand: left out
    coverage("a2", "黄鹤楼", 0.5)
    coverage("b1", "黄鹤楼", 1.0)
    # the month's cycles: a1's plan approved and evaluation submitted with two items
    # waiting for review; a2's plan submitted; a3 has not opened October
    c1 = CycleFactory(
        manager=a1,
        month=OCT,
        plan_status=PlanStatus.APPROVED,
        evaluation_status=PlanStatus.SUBMITTED,
        evaluation_submitted_at=timezone.now(),
    )
    CycleFactory(
        manager=a2, month=OCT, plan_status=PlanStatus.SUBMITTED, plan_submitted_at=timezone.now()
    )
    ImprovementFactory(cycle=c1)
    ImprovementFactory(cycle=c1)
    CycleFactory(manager=b1, month=OCT, plan_status=PlanStatus.SUBMITTED)
    return data | {"a3": a3}


def get(client, user, url=URL, **extra):
    client.force_login(user)
    return client.get(url, **extra)


def row_names(page: str, names=("甲一", "乙二", "丙三")) -> list[str]:
    """The members in the order the ranking table lists them."""
    ranking = page[page.index('id="ranking"') :]
    return sorted(names, key=ranking.index)


# --- the ranking, by hand ---------------------------------------------------------------


def test_ranking_values_come_from_the_stored_indicators(board):
    members = [board["cm"]["a1"], board["cm"]["a2"], board["a3"]]
    rows = {r.manager.username: r for r in ranking_rows(members=members, month=OCT)}
    assert rows["a1"].values == pytest.approx(
        {"completion": 0.6, "visits": 0.9, "accuracy": 0.8, "growth": 0.05, "coverage": 0.3}
    )
    assert rows["a2"].values == pytest.approx(
        {"completion": 0.6, "visits": 0.8, "accuracy": 0.9, "growth": -0.1, "coverage": 0.5}
    )
    assert set(rows["a3"].values.values()) == {None}
    assert team_average(list(rows.values())) == pytest.approx(
        {"completion": 0.6, "visits": 0.85, "accuracy": 0.85, "growth": -0.025, "coverage": 0.4}
    )


def test_equal_values_share_a_rank_and_empty_ones_have_none(board):
    members = [board["cm"]["a1"], board["cm"]["a2"], board["a3"]]
    rows = rank_and_sort(ranking_rows(members=members, month=OCT), sort="completion")
    assert [(r.manager.username, r.rank) for r in rows] == [("a1", 1), ("a2", 1), ("a3", None)]
    rows = rank_and_sort(rows, sort="growth", descending=False)
    assert [(r.manager.username, r.rank) for r in rows] == [("a2", 2), ("a1", 1), ("a3", None)]


def test_page_shows_the_ranking_with_average_and_ranks(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-10").content.decode()
    ranking = page[page.index('id="ranking"') :]
    for text in ("60.0%", "90.0%", "45/50", "80.0%", "5.0%", "30.0%"):  # a1
        assert text in ranking
    for text in ("40/50", "-10.0%", "50.0%"):  # a2
        assert text in ranking
    average = ranking[ranking.index("团队平均") :]
    for text in ("60.0%", "85.0%", "-2.5%", "40.0%"):
        assert text in average
    # the other team (its member by name: a bare "b1" can turn up inside a CSRF token)
    other = board["cm"]["b1"]
    assert "99.0%" not in page and other.display_name not in ranking


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", ["甲一", "乙二", "丙三"]),  # completion, tie by account
        ("&sort=accuracy", ["乙二", "甲一", "丙三"]),
        ("&sort=visits", ["甲一", "乙二", "丙三"]),
        ("&sort=visits&dir=asc", ["乙二", "甲一", "丙三"]),  # empty values stay last
        ("&sort=coverage", ["乙二", "甲一", "丙三"]),
        ("&sort=name&dir=desc", ["丙三", "乙二", "甲一"]),
        ("&sort=nonsense", ["甲一", "乙二", "丙三"]),
    ],
)
def test_sorting_by_each_column(client, board, query, order):
    page = get(client, board["mm_a"], URL + "?month=2026-10" + query).content.decode()
    assert row_names(page) == order


def test_column_heads_link_to_the_sort_and_back(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-10&sort=visits").content.decode()
    assert 'href="?month=2026-10&amp;sort=visits&amp;dir=asc"' in page  # sorted: reverse it
    assert 'href="?month=2026-10&amp;sort=accuracy"' in page
    assert 'hx-get="/team/?part=ranking&amp;month=2026-10&amp;sort=accuracy"' in page


def test_htmx_sort_returns_only_the_ranking(client, board):
    response = get(
        client,
        board["mm_a"],
        URL + "?part=ranking&month=2026-10&sort=accuracy",
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card" id="ranking">')
    assert "工作进度" not in page and "<html" not in page
    assert row_names(page) == ["乙二", "甲一", "丙三"]


def test_a_month_not_computed_says_so(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-09").content.decode()
    assert "2026-09 的指标尚未计算" in page


# --- statuses and the queue -----------------------------------------------------------------


def test_statuses_show_each_members_step_and_states(client, board):
    cycles_before = Cycle.objects.count()
    page = get(client, board["mm_a"], URL + "?month=2026-10").content.decode()
    statuses = page[page.index('id="statuses"') : page.index('id="queue"')]
    a1 = statuses[statuses.index("甲一") : statuses.index("乙二")]
    assert "4 评估 · 待审批" in a1 and "已完成 4/5 步" in a1 and "已批准" in a1  # 5: items written
    a2 = statuses[statuses.index("乙二") : statuses.index("丙三")]
    assert "2 计划 · 待审批" in a2
    a3 = statuses[statuses.index("丙三") :]
    assert "1 分析" in a3 and "草稿" in a3
    assert Cycle.objects.count() == cycles_before  # looking creates no cycle


def test_queue_counts_what_waits_for_the_market_manager(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-10").content.decode()
    queue = page[page.index('id="queue"') : page.index('id="ranking"')]
    assert "待我审批" in queue and "共 4 项" in queue
    assert "/plans/a2/2026-10/" in queue  # the submitted plan
    assert "/plans/a1/2026-10/evaluation/" in queue  # the submitted evaluation
    assert "2 项待审核" in queue  # the improvement items
    assert "b1" not in queue


def test_default_months_are_this_month_and_last_month(client, board):
    page = get(client, board["mm_a"]).content.decode()
    now, last = f"{current_month():%Y-%m}", f"{previous_month():%Y-%m}"
    assert f"工作进度是本月（{now}）的；排名是上月（{last}）的" in page


# --- who sees what ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["a1", "brand"])
@pytest.mark.parametrize("url", [URL, URL + "board.xlsx", URL + "board.pdf"])
def test_customer_and_brand_managers_get_403(client, board, who, url):
    user = board["cm"][who] if who in board["cm"] else board[who]
    assert get(client, user, url).status_code == 403


def test_anonymous_goes_to_login(client, board):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_market_manager_sees_only_their_team(client, board):
    page = get(client, board["mm_b"], URL + "?month=2026-10").content.decode()
    assert board["cm"]["b1"].display_name in page and "甲一" not in page
    assert get(client, board["mm_b"], URL + "?team=TA").status_code == 404


def test_admin_picks_a_team(client, board):
    page = get(client, board["admin"], URL + "?month=2026-10").content.decode()
    assert "甲一" in page and "待市场经理审批" in page  # TA comes first
    page = get(client, board["admin"], URL + "?month=2026-10&team=TB").content.decode()
    assert board["cm"]["b1"].display_name in page and "甲一" not in page and "99.0%" in page
    assert get(client, board["admin"], URL + "?team=NOPE").status_code == 404


def test_market_manager_without_team(client, db):
    lone = UserFactory(username="lone", role=Role.MARKET_MANAGER)
    page = get(client, lone).content.decode()
    assert "您还没有负责的团队" in page


def test_bad_month_is_404(client, board):
    assert get(client, board["mm_a"], URL + "?month=2026-13").status_code == 404


def test_navigation_and_home_link(client, board):
    home = get(client, board["mm_a"], "/").content.decode()
    assert 'href="/team/"' in home and "团队看板" in home
    admin_page = get(client, board["admin"], "/").content.decode()
    assert 'href="/team/"' in admin_page
    cm_page = get(client, board["cm"]["a1"], "/").content.decode()
    assert 'href="/team/"' not in cm_page


# --- downloads ----------------------------------------------------------------------------


def test_excel_has_the_ranking_statuses_and_queue(client, board):
    response = get(client, board["mm_a"], URL + "board.xlsx?month=2026-10&sort=visits&dir=asc")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["排名 2026-10", "进度 2026-10", "待审批"]
    ranking = list(book["排名 2026-10"].values)
    assert ranking[0][:5] == ("名次", "账号", "客户经理", "动作完成率", "拜访达成")
    assert [r[1] for r in ranking[1:4]] == ["a2", "a1", "a3"]  # visits, low to high
    a1 = ranking[2]
    assert a1[0] == 1 and a1[3:8] == pytest.approx((0.6, 0.9, 0.8, 0.05, 0.3))
    assert a1[8:] == (45, 50)
    assert ranking[3][0] is None and ranking[3][3] is None  # a3: no rank, empty cells
    average = ranking[4]
    assert average[2] == "团队平均"
    assert average[3:8] == pytest.approx((0.6, 0.85, 0.85, -0.025, 0.4))
    assert book["排名 2026-10"]["D2"].number_format == "0.0%"
    statuses = {r[0]: r for r in list(book["进度 2026-10"].values)[1:]}
    assert statuses["a1"][2:6] == ("已批准", "待审批", "4/5", "评估")
    queue = [r[0] for r in list(book["待审批"].values)[1:]]
    assert queue == ["计划审批", "月度评估审核", "改进事项审核"]


def test_pdf_is_printable_chinese(client, board, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    response = get(client, board["mm_a"], URL + "board.pdf?month=2026-10")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    path = tmp_path / "board.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    assert "团队看板" in text and "团队平均" in text
    assert "甲一" in text and "45/50" in text and "85.0%" in text
    assert "待审批：月计划 1 · 月度评估 1 · 改进事项 2" in text


# --- cost ------------------------------------------------------------------------------


def test_queries_do_not_grow_with_the_team(client, board, django_assert_max_num_queries):
    for n in range(8):
        member = CustomerManagerFactory(username=f"x{n}", team=board["team_a"])
        indicator(member, completion_rate=0.5, visits_planned=4, visits_done=n % 4)
        coverage(member.username, "黄鹤楼", 0.1 * n)
        cycle = CycleFactory(manager=member, month=OCT, plan_status=PlanStatus.APPROVED)
        ImprovementFactory(cycle=cycle)
    client.force_login(board["mm_a"])
    with django_assert_max_num_queries(16):
        response = client.get(URL + "?month=2026-10")
    assert response.status_code == 200 and "x7" in response.content.decode()


def test_re_sorting_reads_only_the_ranking(client, board, django_assert_max_num_queries):
    """The htmx sort renders the ranking alone: the statuses and the queue (six queries)
    are not read for it."""
    client.force_login(board["mm_a"])
    with django_assert_max_num_queries(8):
        response = client.get(
            URL + "?part=ranking&month=2026-10&sort=accuracy", HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200 and "乙二" in response.content.decode()


# --- the month picker and the ranking bars ----------------------------------------------------


def test_month_picker_shows_the_current_month_by_default(client, board):
    page = get(client, board["mm_a"]).content.decode()
    assert f'name="month" value="{current_month():%Y-%m}"' in page


def test_picking_the_current_month_is_the_default(client, board):
    """Submitting the form as it comes (the current month) keeps last month's ranking: the
    running month's indicators are computed when it is over."""
    page = get(client, board["mm_a"], URL + f"?month={current_month():%Y-%m}").content.decode()
    now, last = f"{current_month():%Y-%m}", f"{previous_month():%Y-%m}"
    assert f"工作进度是本月（{now}）的；排名是上月（{last}）的" in page
    assert f"{last} 的指标尚未计算" in page


def test_ranking_bars_for_completion_visits_and_growth(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-10").content.decode()
    compare = page[page.index('id="compare"') : page.index('id="ranking"')]
    completion, visits, growth = charts_in(compare)
    assert [c.kind for c in (completion, visits, growth)] == ["chart-hbars"] * 3
    # one row per member, best first, the member without indicators last with "—"
    assert completion.labels == ["甲一", "乙二", "丙三"]  # a tie: by account
    assert completion.values == ["60.0%", "60.0%", "—"] and len(completion.bars) == 2
    assert visits.labels == ["甲一", "乙二", "丙三"] and visits.values == ["90.0%", "80.0%", "—"]
    assert growth.labels == ["甲一", "乙二", "丙三"] and growth.values == ["5.0%", "-10.0%", "—"]
    assert [b.get("class") for b in growth.bars] == [
        "chart-bar chart-bar",
        "chart-bar chart-negative",
    ]
    # the team average as a dashed line, and every number in the accessible name
    assert "平均 85.0%" in compare and "平均 -2.5%" in compare
    assert visits.label == "拜访达成：甲一 90.0%，乙二 80.0%，丙三 —，平均 85.0%"
    assert "b1" not in compare and "99.0%" not in compare  # the other team


def test_ranking_bars_follow_the_values_not_the_table_sort(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-10&sort=name&dir=desc").content.decode()
    compare = page[page.index('id="compare"') : page.index('id="ranking"')]
    assert charts_in(compare)[2].labels == ["甲一", "乙二", "丙三"]  # growth: +5 % before −10 %


def test_no_ranking_bars_for_a_month_not_computed(client, board):
    page = get(client, board["mm_a"], URL + "?month=2026-09").content.decode()
    compare = page[page.index('id="compare"') : page.index('id="ranking"')]
    assert charts_in(compare) == [] and "2026-09 还没有可对比的指标。" in compare
