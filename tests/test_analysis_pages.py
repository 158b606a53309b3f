"""The analysis pages (step 1 分析): who sees which, downloads, and recomputing a month."""

import datetime as dt
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.test import TestCase

from reports.models import IndicatorRun, RunStatus
from reports.services import indicators_compute
from tests.factories import CustomerFactory, OrderLineFactory, SkuFactory

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)


@pytest.fixture
def computed(two_teams):
    key = SkuFactory(code="KEY1", name="黄鹤楼(硬金砂)", is_key_brand=True, price_class=1)
    other = SkuFactory(code="OTH1", name="红塔山(经典)", price_class=4)
    for who in ("a1", "a2", "b1"):
        customer = two_teams["customers"][who]
        OrderLineFactory(customer=customer, sku=key, order_date=dt.date(2026, 10, 5), quantity=5)
        OrderLineFactory(customer=customer, sku=other, order_date=dt.date(2026, 9, 5), quantity=3)
    compute(MONTH)
    return two_teams


def compute(month):
    """The monthly job as it runs outside a test's transaction: the month's warnings are
    computed and stored once it has written the month (on commit)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return indicators_compute(month=month)


def get(client, user, url, **extra):
    client.force_login(user)
    return client.get(url, **extra)


def test_customer_manager_sees_own_analysis(client, computed):
    response = get(client, computed["cm"]["a1"], "/analysis/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "月初分析" in page
    assert "黄鹤楼(硬金砂)" in page and "100.0%" in page  # the only customer ordered it
    assert "1 类" in page  # market state by price class
    assert "重新计算" not in page


@pytest.mark.parametrize(
    ("who", "status"), [("a2", 404), ("mm_b", 404), ("mm_a", 200), ("brand", 200)]
)
def test_manager_page_scoping(client, computed, who, status):
    user = computed["cm"][who] if who in computed["cm"] else computed[who]
    assert get(client, user, "/analysis/manager/a1/?month=2026-10").status_code == status


def test_market_manager_team_page_side_by_side(client, computed):
    response = get(client, computed["mm_a"], "/analysis/", follow=True)
    page = response.content.decode()
    assert "客户经理横向对比" in page
    assert computed["cm"]["a1"].name in page and computed["cm"]["a2"].name in page
    assert computed["cm"]["b1"].name not in page
    assert "重新计算" in page
    assert get(client, computed["mm_a"], "/analysis/team/TB/").status_code == 404


def test_brand_page_for_brand_managers_only(client, computed):
    page = get(client, computed["brand"], "/analysis/brands/?month=2026-10").content.decode()
    assert "重点品牌五率" in page and "黄鹤楼(硬金砂)" in page
    page = get(
        client, computed["brand"], "/analysis/brands/?month=2026-10&team=TA"
    ).content.decode()
    assert "TA" in page
    assert get(client, computed["cm"]["a1"], "/analysis/brands/").status_code == 403


def test_month_not_computed_says_so(client, computed):
    page = get(client, computed["cm"]["a1"], "/analysis/manager/a1/?month=2026-08").content.decode()
    assert "这个月的指标还没有计算" in page


class TestDownloads:
    def test_customer_manager_downloads_own_scope(self, client, computed):
        response = get(
            client,
            computed["cm"]["a1"],
            "/analysis/export/?month=2026-10&kind=brand&scope=manager:a1&format=xlsx",
        )
        assert response.status_code == 200
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
        assert rows[0][:4] == ("月份", "范围", "对象类型", "对象编码")
        assert any(r[3] == "KEY1" and r[1] == "客户经理 a1" for r in rows[1:])

    def test_the_page_download_reads_as_the_page(self, client, computed):
        """Chinese headers, rates as percentages (numbers, not text), states and object
        types in words, widths by content and a Chinese file name; the command's English
        file is another thing (tests/test_export_polish.py)."""
        response = get(
            client,
            computed["brand"],
            "/analysis/export/?month=2026-10&kind=brand&scope=company&format=xlsx",
        )
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''" + quote("品牌指标_全公司_2026-10.xlsx")
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet.title == "品牌指标 2026-10"
        header = [c.value for c in sheet[1]]
        column = {name: n for n, name in enumerate(header)}
        assert {"覆盖率", "供应满足率", "供求状态", "金额（元）", "存销比"} <= set(column)
        rows = {row[column["对象编码"]].value: row for row in sheet.iter_rows(min_row=2)}
        key = rows["KEY1"]
        assert key[column["对象类型"]].value == "单品" and key[column["范围"]].value == "全公司"
        coverage = key[column["覆盖率"]]
        assert coverage.value == 1 and coverage.number_format == "0.0%"
        satisfaction = key[column["供应满足率"]]
        assert satisfaction.data_type == "n" and satisfaction.number_format == "0.0%"
        assert key[column["供求状态"]].value in {"紧俏", "平衡", "宽松"}
        assert key[column["金额（元）"]].number_format == "#,##0.00"
        assert {row[column["对象类型"]].value for row in rows.values()} == {"单品", "品牌"}
        assert sheet.column_dimensions["E"].width > sheet.column_dimensions["F"].width
        assert {sheet.column_dimensions[c].width for c in "ABCDEFGHIJ"} != {12}

    def test_the_team_and_manager_downloads_name_their_scope(self, client, computed):
        response = get(
            client,
            computed["mm_a"],
            "/analysis/export/?month=2026-10&kind=manager&scope=team:TA&format=xlsx",
        )
        assert quote("客户经理指标_团队TA_2026-10.xlsx") in response["Content-Disposition"]
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
        assert rows[0][:5] == ("月份", "范围", "客户经理账号", "客户经理", "团队")
        assert {r[1] for r in rows[1:]} == {"团队 TA"}
        completion = rows[0].index("动作完成率")
        assert all(r[completion] is None or isinstance(r[completion], float) for r in rows[1:])

    @pytest.mark.parametrize("scope", ["manager:a2", "company", "team:TA"])
    def test_customer_manager_cannot_download_others(self, client, computed, scope):
        url = f"/analysis/export/?month=2026-10&kind=brand&scope={scope}&format=csv"
        assert get(client, computed["cm"]["a1"], url).status_code == 403

    def test_market_manager_downloads_team_not_company(self, client, computed):
        base = "/analysis/export/?month=2026-10&kind=manager&format=csv"
        response = get(client, computed["mm_a"], f"{base}&scope=team:TA")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert "a1" in text and "a2" in text and "b1" not in text
        assert get(client, computed["mm_a"], f"{base}&scope=company").status_code == 403
        assert get(client, computed["mm_a"], f"{base}&scope=team:TB").status_code == 403

    def test_month_not_computed(self, client, computed):
        url = "/analysis/export/?month=2026-08&kind=brand&scope=company&format=csv"
        response = get(client, computed["brand"], url)
        assert response.status_code == 404 and "尚未计算" in response.content.decode()


class TestRecompute:
    def test_market_manager_recomputes_and_sees_the_run(
        self, client, computed, django_capture_on_commit_callbacks
    ):
        client.force_login(computed["mm_a"])
        before = IndicatorRun.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/analysis/recompute/", {"month": "2026-10"}, HTTP_HX_REQUEST="true"
            )
        assert response.status_code == 200 and 'id="run-status"' in response.content.decode()
        assert IndicatorRun.objects.count() == before + 1
        assert IndicatorRun.objects.latest("pk").status == RunStatus.SUCCEEDED
        status = client.get("/analysis/status/?month=2026-10").content.decode()
        assert "指标计算于" in status

    def test_the_request_only_queues_the_job(
        self, client, computed, django_capture_on_commit_callbacks
    ):
        client.force_login(computed["mm_a"])
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post("/analysis/recompute/", {"month": "2026-10"})
        assert len(callbacks) == 1  # the task is sent after commit; nothing ran in the request

    @pytest.mark.parametrize("who", ["a1", "brand"])
    def test_other_roles_cannot_recompute(self, client, computed, who):
        user = computed["cm"][who] if who in computed["cm"] else computed[who]
        client.force_login(user)
        assert client.post("/analysis/recompute/", {"month": "2026-10"}).status_code == 403

    def test_a_running_month_is_not_started_twice(self, client, computed):
        from django.utils import timezone

        IndicatorRun.objects.create(
            month=MONTH, status=RunStatus.RUNNING, started_at=timezone.now()
        )
        client.force_login(computed["mm_a"])
        response = client.post("/analysis/recompute/", {"month": "2026-10"}, follow=True)
        assert "正在计算中" in response.content.decode()


def test_manager_page_query_count_is_constant(client, computed, django_assert_max_num_queries):
    client.force_login(computed["cm"]["a1"])
    # the warnings are stored: two queries (their stamp, their rows), whatever their number
    with django_assert_max_num_queries(24):
        assert client.get("/analysis/manager/a1/?month=2026-10").status_code == 200
    for i in range(8):
        sku = SkuFactory(is_key_brand=True, price_class=1 + i % 5)
        OrderLineFactory(
            customer=computed["customers"]["a1"], sku=sku, order_date=dt.date(2026, 10, 6)
        )
    compute(MONTH)
    with django_assert_max_num_queries(24):
        assert client.get("/analysis/manager/a1/?month=2026-10").status_code == 200


class TestWarningsAndProblems:
    def test_manager_page_lists_warnings_with_their_numbers(self, client, computed):
        falling = CustomerFactory(manager=computed["cm"]["a1"], code="DROP1", name="下滑便利店")
        sku = SkuFactory(price_class=3)
        OrderLineFactory(customer=falling, sku=sku, order_date=dt.date(2026, 9, 8), quantity=100)
        OrderLineFactory(customer=falling, sku=sku, order_date=dt.date(2026, 10, 8), quantity=10)
        compute(MONTH)
        page = get(client, computed["cm"]["a1"], "/analysis/manager/a1/?month=2026-10").content
        page = page.decode()
        assert "下滑便利店" in page and "客户预警：销量环比下降" in page
        assert "本月销量 10 条，上月 100 条" in page  # the numbers behind the flag
        # no valid visit recorded in the month: the no-visit rule flags the customer too
        assert "当月未拜访" in page and "有效拜访 0 次" in page
        team = get(client, computed["mm_a"], "/analysis/team/TA/?month=2026-10").content.decode()
        assert "预警客户" in team

    def test_owner_saves_problems_in_place(self, client, computed):
        client.force_login(computed["cm"]["a1"])
        response = client.post(
            "/analysis/manager/a1/problems/",
            {"month": "2026-10", "problems": "重点规格黄鹤楼覆盖不足：货源偏紧。"},
            HTTP_HX_REQUEST="true",
        )
        page = response.content.decode()
        assert response.status_code == 200 and "<html" not in page and "已保存" in page
        page = client.get("/analysis/manager/a1/?month=2026-10").content.decode()
        assert "重点规格黄鹤楼覆盖不足" in page

    def test_too_long_text_is_refused_with_what_was_typed_kept(self, client, computed):
        client.force_login(computed["cm"]["a1"])
        text = "长" * 5001
        response = client.post(
            "/analysis/manager/a1/problems/", {"month": "2026-10", "problems": text}
        )
        page = response.content.decode()
        assert response.status_code == 400 and "5000" in page and text in page

    @pytest.mark.parametrize("who", ["mm_a", "brand"])
    def test_others_read_but_cannot_write(self, client, computed, who):
        client.force_login(computed[who])
        page = client.get("/analysis/manager/a1/?month=2026-10").content.decode()
        assert "客户经理还没有填写" in page
        response = client.post(
            "/analysis/manager/a1/problems/", {"month": "2026-10", "problems": "x"}
        )
        assert response.status_code == 403

    def test_other_customer_manager_gets_404(self, client, computed):
        client.force_login(computed["cm"]["a2"])
        response = client.post(
            "/analysis/manager/a1/problems/", {"month": "2026-10", "problems": "x"}
        )
        assert response.status_code == 404

    def test_team_page_counts_warned_customers(self, client, computed):
        page = get(client, computed["mm_a"], "/analysis/team/TA/?month=2026-10").content.decode()
        assert "预警客户" in page


def test_warnings_can_be_narrowed_to_one_rule(client, computed):
    falling = CustomerFactory(manager=computed["cm"]["a1"], code="DROP2", name="下滑烟酒店")
    sku = SkuFactory(price_class=3)
    OrderLineFactory(customer=falling, sku=sku, order_date=dt.date(2026, 9, 8), quantity=100)
    OrderLineFactory(customer=falling, sku=sku, order_date=dt.date(2026, 10, 8), quantity=10)
    compute(MONTH)
    client.force_login(computed["cm"]["a1"])
    page = client.get("/analysis/manager/a1/?month=2026-10&rule=volume_drop").content.decode()
    assert "下滑烟酒店" in page and "rule=volume_drop" in page
    page = client.get("/analysis/manager/a1/?month=2026-10&rule=price_above_retail").content
    assert "下滑烟酒店" not in page.decode()


class TestReviewFindings:
    def test_customer_manager_cannot_open_the_team_page(self, client, computed):
        assert get(client, computed["cm"]["a1"], "/analysis/team/TA/").status_code == 404

    def test_unknown_and_forbidden_scopes_look_the_same(self, client, computed):
        base = "/analysis/export/?month=2026-10&kind=brand&format=csv&scope="
        for scope in ("manager:nosuch", "manager:a2", "team:NOPE"):
            assert get(client, computed["cm"]["a1"], base + scope).status_code == 403

    def test_recompute_never_redirects_off_site(self, client, computed):
        client.force_login(computed["mm_a"])
        response = client.post(
            "/analysis/recompute/", {"month": "bad", "next": "https://evil.example/"}
        )
        assert response.status_code == 302 and response.url == "/analysis/"

    @pytest.mark.parametrize("month", ["0001-01", "2026-13", "abc"])
    def test_odd_months_fall_back_instead_of_failing(self, client, computed, month):
        response = get(client, computed["cm"]["a1"], f"/analysis/manager/a1/?month={month}")
        assert response.status_code == 200


class TestWarningsPages:
    # stored warnings, rule edits and late visits: tests/test_stored_warnings.py
    def test_warned_customers_come_25_a_page(self, client, computed):
        CustomerFactory.create_batch(29, manager=computed["cm"]["a1"])
        compute(MONTH)
        client.force_login(computed["cm"]["a1"])
        page = client.get("/analysis/manager/a1/?month=2026-10").content.decode()
        # no valid visit anywhere: each of the 30 customers is flagged by the no-visit rule
        assert "预警客户（30 户）" in page and page.count('class="warning-group"') == 25
        assert "第 1/2 页 · 30 个客户" in page and "page=2" in page
        page = client.get("/analysis/manager/a1/?month=2026-10&page=2").content.decode()
        assert page.count('class="warning-group"') == 5 and "上一页" in page
