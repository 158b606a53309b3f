"""The task execution table (任务执行标注表) as users meet it: the marks per customer, the
filters kept in the URL, a page of customers at a time, the print view of every row, the
Excel export read back, and who may see it."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cycle.models import ActionSource
from tests.factories import CustomerFactory, CycleFactory, MarketingActionFactory

NOV = dt.date(2026, 11, 1)
TASKS = "/plans/a1/2026-11/tasks/"
XLSX = "/plans/a1/2026-11/tasks.xlsx"
DONE_AT = dt.datetime(2026, 11, 5, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def shown(page: str, mark: str, text: str) -> bool:
    return re.search(rf'class="mark"[^>]*>{mark}</span> <span>{re.escape(text)}</span>', page)


def rows(page: str) -> list[str]:
    """The customer codes of the table's rows, in order."""
    return re.findall(r'<small class="muted">(C-[^<]+)</small></td>', page)


@pytest.fixture
def plan(two_teams):
    return CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)


@pytest.fixture
def month(plan, two_teams):
    """C-a1: one of each mark and a removed action; C-a1x: done only (nothing open)."""
    shop = two_teams["customers"]["a1"]
    done_shop = CustomerFactory(manager=plan.manager, code="C-a1x", name="全完成烟酒店")
    MarketingActionFactory(
        cycle=plan, customer=shop, text="陈列新品", visit_date=dt.date(2026, 11, 10)
    )
    MarketingActionFactory(
        cycle=plan, customer=shop, text="补录库存", temporary=True, source=ActionSource.MANUAL
    )
    MarketingActionFactory(
        cycle=plan, customer=shop, text="回访店主", source=ActionSource.CARRIED, done_at=DONE_AT
    )
    MarketingActionFactory(
        cycle=plan, customer=shop, text="已删掉的动作", removed_at=DONE_AT, removed_reason="重复"
    )
    MarketingActionFactory(cycle=plan, customer=done_shop, text="核对价格", done_at=DONE_AT)
    return plan


class TestMarks:
    def test_each_action_shows_its_mark_and_done_date_and_removed_ones_are_left_out(
        self, client, two_teams, month
    ):
        page = html(as_user(client, month.manager).get(TASKS))
        assert shown(page, "☆", "陈列新品") and "计划 11-10" in page
        assert shown(page, "●", "补录库存")
        assert shown(page, "★", "回访店主") and "11-05 完成" in page
        assert "已删掉的动作" not in page
        assert rows(page) == ["C-a1", "C-a1x"]
        # per customer: done of all the month's actions
        assert re.search(r'<td class="num">1/3</td>', page)
        assert re.search(r'<td class="num">1/1</td>', page)

    def test_totals_at_the_top_count_the_month(self, client, two_teams, month):
        page = html(as_user(client, month.manager).get(TASKS + "?mark=done"))
        values = re.findall(r'<span class="stat-value">([^<]+)</span>', page)
        assert values == ["1", "1", "2", "50.0%"]  # ☆ ● ★ rate, whatever the filter
        assert "共 4 条" in page

    def test_an_empty_month_says_so(self, client, two_teams, plan):
        page = html(as_user(client, plan.manager).get(TASKS))
        assert "本月还没有营销动作" in page and "—" in page


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected", "hidden"),
        [
            ("mark=planned", ["陈列新品"], ["补录库存", "回访店主", "核对价格"]),
            ("mark=temporary", ["补录库存"], ["陈列新品", "回访店主"]),
            ("mark=done", ["回访店主", "核对价格"], ["陈列新品", "补录库存"]),
            ("source=carried", ["回访店主"], ["陈列新品", "核对价格"]),
            ("q=烟酒", ["核对价格"], ["陈列新品", "回访店主"]),
            ("q=C-a1x", ["核对价格"], ["陈列新品"]),
            ("open=1", ["陈列新品", "补录库存", "回访店主"], ["核对价格"]),
            ("open=1&mark=done", ["回访店主"], ["核对价格", "陈列新品"]),
        ],
    )
    def test_filter_narrows_the_rows(self, client, two_teams, month, query, expected, hidden):
        page = html(as_user(client, month.manager).get(f"{TASKS}?{query}"))
        for text in expected:
            assert f"<span>{text}</span>" in page, text
        for text in hidden:
            assert f"<span>{text}</span>" not in page, text

    def test_htmx_gets_the_table_only_and_the_filter_stays_in_links(self, client, two_teams, month):
        response = as_user(client, month.manager).get(
            TASKS + "?mark=done&q=烟酒", HTTP_HX_REQUEST="true"
        )
        page = html(response)
        assert response.status_code == 200 and "<html" not in page and 'id="tasks"' in page
        assert "HX-Request" in response["Vary"]
        assert response["HX-Push-Url"] == TASKS + "?mark=done&q=%E7%83%9F%E9%85%92"
        assert "已筛选 · ★ 已完成 · “烟酒”" in page
        assert "?mark=done&amp;q=%E7%83%9F%E9%85%92&amp;print=1" in page
        assert "tasks.xlsx?mark=done&amp;q=%E7%83%9F%E9%85%92" in page

    def test_the_plain_page_keeps_the_chosen_filter_in_the_form(self, client, two_teams, month):
        page = html(as_user(client, month.manager).get(TASKS + "?source=carried&open=1"))
        assert "<html" in page
        assert '<option value="carried" selected>' in page
        assert 'name="open" value="1" checked' in page

    def test_nonsense_filter_values_are_ignored(self, client, two_teams, month):
        page = html(as_user(client, month.manager).get(TASKS + "?mark=x&source=y"))
        assert rows(page) == ["C-a1", "C-a1x"] and "已筛选" not in page


@pytest.fixture
def thirty(plan):
    for n in range(30):
        customer = CustomerFactory(manager=plan.manager, code=f"C-p{n:02d}")
        MarketingActionFactory(cycle=plan, customer=customer, text=f"动作{n:02d}")
    return plan


class TestPagesAndPrint:
    def test_25_customers_a_page_and_the_pager_keeps_the_filter(self, client, two_teams, thirty):
        c = as_user(client, thirty.manager)
        first = html(c.get(TASKS + "?q=C-p"))
        assert rows(first) == [f"C-p{n:02d}" for n in range(25)]
        assert "第 1/2 页" in first and "30 个客户" in first
        assert 'href="?q=C-p&amp;page=2"' in first
        second = html(c.get(TASKS + "?q=C-p&page=2&source=&mark="))
        pushed = c.get(TASKS + "?q=C-p&page=2&source=", HTTP_HX_REQUEST="true")
        assert pushed["HX-Push-Url"] == TASKS + "?q=C-p&page=2"
        assert rows(second) == [f"C-p{n:02d}" for n in range(25, 30)]
        assert "第 2/2 页" in second

    def test_print_view_has_every_filtered_row_and_no_pager(self, client, two_teams, thirty):
        page = html(as_user(client, thirty.manager).get(TASKS + "?q=C-p&print=1"))
        assert rows(page) == [f"C-p{n:02d}" for n in range(30)]
        assert 'class="pager"' not in page and 'class="filters"' not in page
        assert "data-print" in page and "返回标注表" in page

    def test_the_page_links_to_its_print_view(self, client, two_teams, thirty):
        page = html(as_user(client, thirty.manager).get(TASKS))
        assert 'href="?print=1"' in page


class TestExport:
    def test_exactly_the_filtered_rows_one_per_action(self, client, two_teams, month):
        response = as_user(client, month.manager).get(XLSX + "?open=1")
        assert response.status_code == 200
        assert "a1-2026-11.xlsx" in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        data = list(sheet.iter_rows(values_only=True))
        assert data[0] == (
            "客户编码",
            "客户名称",
            "来源",
            "营销动作",
            "标记",
            "计划拜访日",
            "完成时间",
            "临时任务",
        )
        shop = two_teams["customers"]["a1"]
        assert [row[3] for row in data[1:]] == ["陈列新品", "补录库存", "回访店主"]
        planned, temporary, done = data[1:]
        assert planned[:2] == (shop.code, shop.name)
        assert planned[4:] == ("☆", dt.datetime(2026, 11, 10), None, "否")
        assert (temporary[2], temporary[4], temporary[7]) == ("手工添加", "●", "是")
        assert (done[2], done[4]) == ("上月结转", "★")
        assert done[6] == dt.datetime(2026, 11, 5, 16, 30)  # Shanghai wall-clock time
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["D"].width > sheet.column_dimensions["E"].width

    def test_export_without_filter_has_all_but_removed(self, client, two_teams, month):
        response = as_user(client, two_teams["mm_a"]).get(XLSX)
        sheet = load_workbook(io.BytesIO(response.content)).active
        texts = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(texts) == sorted(["陈列新品", "补录库存", "回访店主", "核对价格"])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a1", 200),
        ("a2", 404),
        ("b1", 404),
        ("mm_a", 200),
        ("mm_b", 404),
        ("brand", 200),
        ("admin", 200),
    ],
)
def test_who_sees_the_table(client, two_teams, month, who, status):
    user = two_teams["cm"].get(who) or two_teams[who]
    c = as_user(client, user)
    for url in (TASKS, TASKS + "?print=1", XLSX):
        assert c.get(url).status_code == status, url


def test_anonymous_is_sent_to_log_in(client, month):
    assert client.get(TASKS).status_code == 302


def test_plan_page_links_to_the_table(client, two_teams, plan):
    page = html(as_user(client, plan.manager).get("/plans/a1/2026-11/"))
    assert f'href="{TASKS}"' in page and "任务执行标注表" in page


def test_query_count_does_not_grow_with_customers(
    client, two_teams, plan, django_assert_max_num_queries
):
    for n in range(60):
        customer = CustomerFactory(manager=plan.manager, code=f"C-q{n:02d}")
        MarketingActionFactory(cycle=plan, customer=customer)
        MarketingActionFactory(cycle=plan, customer=customer, temporary=True)
        MarketingActionFactory(cycle=plan, customer=customer, done_at=timezone.now())
    c = as_user(client, plan.manager)
    c.get(TASKS)  # the session and the cycle exist from here on
    for url in (TASKS, TASKS + "?page=3&open=1", TASKS + "?print=1", XLSX + "?mark=done"):
        with django_assert_max_num_queries(12):
            response = c.get(url)
        assert response.status_code == 200
    assert len(rows(html(c.get(TASKS + "?print=1")))) == 60
