"""The plan pages as users meet them: who sees which plan, in-place editing with htmx,
refusals shown where the user is, the forecast grid, the weekly calendar, the approval
queue, forecast guidance, the feed and brand tasks."""

import datetime as dt
import io
import re
from urllib.parse import quote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cycle.models import FeedEntry, PlanStatus
from cycle.services import plan_submit
from markets.models import Forecast
from reports.services import indicators_compute
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    ForecastFactory,
    MarketingActionFactory,
    OrderLineFactory,
    PlannedVisitFactory,
    SkuFactory,
)

NOV = dt.date(2026, 11, 1)
PLAN = "/plans/a1/2026-11/"


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def plan(two_teams):
    # a goal, so that submitting it is not refused as an empty plan
    return CycleFactory(manager=two_teams["cm"]["a1"], month=NOV, goal_volume=1200)


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
def test_who_sees_a_plan(client, two_teams, plan, who, status):
    user = two_teams["cm"].get(who) or two_teams[who]
    for url in (PLAN, PLAN + "forecasts/", PLAN + "schedule/", PLAN + "schedule/2026-11-03/"):
        assert as_user(client, user).get(url).status_code == status, url


def test_customer_manager_lands_on_this_months_plan(client, two_teams, plan, monkeypatch):
    monkeypatch.setattr("cycle.views.plans.current_month", lambda: NOV)
    response = as_user(client, two_teams["cm"]["a1"]).get("/plans/")
    assert response.status_code == 302 and response["Location"] == PLAN


def test_bad_month_in_the_url_is_404(client, two_teams):
    assert as_user(client, two_teams["cm"]["a1"]).get("/plans/a1/2026-13/").status_code == 404


def test_home_page_shows_the_five_steps(client, two_teams):
    page = html(as_user(client, two_teams["cm"]["a1"]).get("/"))
    for label in ("分析", "计划", "实施", "评估", "改进"):
        assert label in page
    assert "当前步骤：1 分析" in page  # the main button follows the step (tests/test_home.py)


class TestEditing:
    def test_generate_in_place_lists_the_actions_with_their_source(self, client, two_teams, plan):
        october = CycleFactory(manager=plan.manager, month=dt.date(2026, 10, 1))
        MarketingActionFactory(cycle=october, customer=two_teams["customers"]["a1"], text="回访")
        response = as_user(client, plan.manager).post(PLAN + "generate/", HTTP_HX_REQUEST="true")
        page = html(response)
        assert response.status_code == 200 and "<html" not in page
        assert "上月结转 1" in page and "回访" in page and "来自 2026-10" in page

    def test_goals_save_in_place_and_bad_numbers_are_refused(self, client, two_teams, plan):
        c = as_user(client, plan.manager)
        ok = c.post(
            PLAN + "goals/",
            {
                "goal_volume": "12000",
                "goal_coverage": "85.5",
                "goal_visits": "300",
                "focus": "重点客户",
            },
            HTTP_HX_REQUEST="true",
        )
        assert "已保存" in html(ok)
        bad = c.post(PLAN + "goals/", {"goal_volume": "-5", "goal_coverage": "120", "focus": "改"})
        assert bad.status_code == 400 and "请按提示修改" in html(bad)
        plan.refresh_from_db()
        assert (plan.goal_volume, str(plan.goal_coverage), plan.focus) == (
            12000,
            "85.5",
            "重点客户",
        )

    def test_edit_and_remove_an_action_in_its_row(self, client, two_teams, plan):
        action = MarketingActionFactory(cycle=plan, customer=two_teams["customers"]["a1"])
        c = as_user(client, plan.manager)
        url = f"{PLAN}actions/{action.pk}/"
        page = html(
            c.post(url, {"text": "陪同店主整理柜台", "visit_date": ""}, HTTP_HX_REQUEST="true")
        )
        assert "<html" not in page
        assert f'id="action-{action.pk}"' in page and "陪同店主整理柜台" in page
        page = html(c.post(url + "remove/", {"reason": ""}, HTTP_HX_REQUEST="true"))
        assert "请写明原因" in page
        page = html(c.post(url + "remove/", {"reason": "客户装修停业"}, HTTP_HX_REQUEST="true"))
        assert "已删除：客户装修停业" in page
        action.refresh_from_db()
        assert action.removed_reason == "客户装修停业"

    def test_another_plans_action_is_404(self, client, two_teams, plan):
        other = MarketingActionFactory(
            cycle=CycleFactory(manager=two_teams["cm"]["a2"], month=NOV),
            customer=two_teams["customers"]["a2"],
        )
        response = as_user(client, plan.manager).post(
            f"{PLAN}actions/{other.pk}/remove/", {"reason": "x"}
        )
        assert response.status_code == 404

    def test_an_approved_plan_is_read_only_on_the_page_and_the_server(
        self, client, two_teams, plan
    ):
        action = MarketingActionFactory(cycle=plan, customer=two_teams["customers"]["a1"])
        plan.plan_status = PlanStatus.APPROVED
        plan.save()
        c = as_user(client, plan.manager)
        page = html(c.get(PLAN))
        assert "计划已批准，内容只读" in page and "生成营销动作" not in page
        assert 'name="goal_volume"' not in page and "确认删除" not in page
        posts = {
            "goals/": {"goal_volume": "1"},
            "generate/": {},
            "actions/add/": {"customer": two_teams["customers"]["a1"].pk, "text": "x"},
            f"actions/{action.pk}/": {"text": "x"},
            f"actions/{action.pk}/remove/": {"reason": "x"},
            f"forecasts/{two_teams['customers']['a1'].pk}/": {"quantity": "5"},
            "schedule/2026-11-03/": {"customers": [two_teams["customers"]["a1"].pk]},
        }
        for url, data in posts.items():
            response = c.post(PLAN + url, data)
            assert response.status_code in (409, 200), url
            assert "已批准" in html(response), url
        assert not Forecast.objects.exists() and not plan.planned_visits.exists()
        action.refresh_from_db()
        assert action.removed_at is None and action.text != "x"

    def test_actions_come_a_page_of_customers_at_a_time_filtered_by_source_or_name(
        self, client, two_teams, plan
    ):
        cm = plan.manager
        for n in range(30):
            customer = CustomerFactory(manager=cm, code=f"P{n:03}", name=f"客户{n:03}")
            MarketingActionFactory(cycle=plan, customer=customer, text=f"动作{n:03}")
        MarketingActionFactory(
            cycle=plan, customer=two_teams["customers"]["a1"], source="carried", text="结转的"
        )
        c = as_user(client, cm)
        first = html(c.get(PLAN))
        assert "动作000" in first and "动作024" not in first and "第 1/2 页 · 31 个客户" in first
        second = html(c.get(PLAN + "?part=actions&page=2", HTTP_HX_REQUEST="true"))
        assert "<html" not in second and "动作029" in second and "动作000" not in second
        carried = html(c.get(PLAN + "?part=actions&source=carried", HTTP_HX_REQUEST="true"))
        assert "结转的" in carried and "动作0" not in carried
        found = html(c.get(PLAN + "?q=客户007"))
        assert "动作007" in found and "动作008" not in found and "结转的" not in found


class TestApproval:
    def test_reject_with_comment_then_resubmit_and_approve(self, client, two_teams, plan):
        cm, mm = plan.manager, two_teams["mm_a"]
        as_user(client, cm).post(PLAN + "do/submit/", {"comment": ""})
        queue = html(as_user(client, mm).get("/plans/queue/"))
        assert "待审批（1）" in queue and cm.display_name in queue
        missing = client.post(PLAN + "do/reject/", {"comment": ""})
        assert missing.status_code == 400 and "请写明原因" in html(missing)
        client.post(PLAN + "do/reject/", {"comment": "拜访日太集中"})
        plan.refresh_from_db()
        assert plan.plan_status == PlanStatus.REJECTED
        page = html(as_user(client, cm).get(PLAN))
        assert "退回意见：拜访日太集中" in page and "重新提交审批" in page
        assert re.search(r"nav-badge[^>]*>1<", html(client.get("/")))  # the notice
        client.post(PLAN + "do/submit/", {"comment": "已分散"})
        as_user(client, mm).post(PLAN + "do/approve/", {"comment": ""})
        plan.refresh_from_db()
        assert plan.plan_status == PlanStatus.APPROVED
        page = html(client.get(PLAN))
        for text in ("提交", "退回", "拜访日太集中", "已分散", "批准"):
            assert text in page

    def test_a_second_decision_is_refused_with_a_message(self, client, two_teams, plan):
        plan_submit(cycle=plan, by=plan.manager)
        c = as_user(client, two_teams["mm_a"])
        assert c.post(PLAN + "do/approve/").status_code == 302
        again = c.post(PLAN + "do/reject/", {"comment": "晚了"})
        assert again.status_code == 409 and "不能退回" in html(again)

    @pytest.mark.parametrize("who", ["a1", "brand", "mm_b"])
    def test_others_cannot_decide(self, client, two_teams, plan, who):
        plan_submit(cycle=plan, by=plan.manager)
        user = two_teams["cm"].get(who) or two_teams[who]
        response = as_user(client, user).post(PLAN + "do/approve/")
        assert response.status_code in (403, 404)
        plan.refresh_from_db()
        assert plan.plan_status == PlanStatus.SUBMITTED


class TestForecastGrid:
    def test_type_in_place_and_a_bad_number_keeps_what_was_typed(self, client, two_teams, plan):
        customer = two_teams["customers"]["a1"]
        c = as_user(client, plan.manager)
        url = f"{PLAN}forecasts/{customer.pk}/"
        ok = c.post(url, {f"q{customer.pk}": "120"}, HTTP_HX_REQUEST="true")
        assert ok.status_code == 200 and "✓" in html(ok)
        assert Forecast.objects.get(customer=customer, month=NOV).quantity == 120
        bad = c.post(url, {f"q{customer.pk}": "-3"}, HTTP_HX_REQUEST="true")
        assert "请输入非负整数" in html(bad) and 'value="-3"' in html(bad)
        assert Forecast.objects.get(customer=customer, month=NOV).quantity == 120
        c.post(url, {f"q{customer.pk}": ""}, HTTP_HX_REQUEST="true")
        assert not Forecast.objects.exists()

    def test_whole_grid_without_javascript(self, client, two_teams, plan):
        a, b = two_teams["customers"]["a1"], CustomerFactory(manager=plan.manager)
        c = as_user(client, plan.manager)
        bad = c.post(PLAN + "forecasts/", {f"q{a.pk}": "10", f"q{b.pk}": "十"})
        assert (
            bad.status_code == 400 and 'value="十"' in html(bad) and not Forecast.objects.exists()
        )
        assert c.post(PLAN + "forecasts/", {f"q{a.pk}": "10", f"q{b.pk}": "7"}).status_code == 302
        assert dict(Forecast.objects.values_list("customer_id", "quantity")) == {a.pk: 10, b.pk: 7}
        other = two_teams["customers"]["a2"]
        refused = c.post(PLAN + "forecasts/", {f"q{other.pk}": "10"})
        assert refused.status_code == 400 and "名下有效客户" in html(refused)

    def test_import_from_a_file_all_or_nothing(self, client, two_teams, plan):
        from django.core.files.uploadedfile import SimpleUploadedFile

        a = two_teams["customers"]["a1"]
        c = as_user(client, plan.manager)

        def upload(text):
            f = SimpleUploadedFile("预测.csv", text.encode("utf-8-sig"), "text/csv")
            return c.post(PLAN + "forecasts/import/", {"file": f})

        bad = upload(
            f"客户编码,预测量,月份\n{a.code},10,2026-11\nC-a2,5,2026-11\n{a.code},3,2026-12\n"
        )
        page = html(bad)
        assert bad.status_code == 400 and "没有导入任何数据" in page
        assert "第 3 行" in page and "不是您名下的有效客户" in page and "月份须为 2026-11" in page
        assert not Forecast.objects.exists()
        assert upload(f"客户编码,预测量\n{a.code},42\n").status_code == 302
        assert Forecast.objects.get(customer=a, month=NOV).quantity == 42
        wrong_type = c.post(
            PLAN + "forecasts/import/",
            {"file": SimpleUploadedFile("x.pdf", b"%PDF", "application/pdf")},
        )
        assert wrong_type.status_code == 400 and "只支持 .csv 或 .xlsx" in html(wrong_type)

    def test_grid_shows_last_months_and_existing_forecasts(self, client, two_teams, plan):
        a = two_teams["customers"]["a1"]
        OrderLineFactory(customer=a, order_date=dt.date(2026, 10, 9), quantity=33)
        ForecastFactory(customer=a, month=NOV, quantity=40)
        page = html(as_user(client, two_teams["mm_a"]).get(PLAN + "forecasts/"))
        assert "33" in page and "40" in page and 'type="number"' not in page


class TestSchedule:
    def test_day_editor_and_warnings(self, client, two_teams, plan):
        cm = plan.manager
        rural = [CustomerFactory(manager=cm, market_type="rural") for _ in range(26)]
        with_action = two_teams["customers"]["a1"]
        MarketingActionFactory(cycle=plan, customer=with_action)
        c = as_user(client, cm)
        page = html(c.get(PLAN + "schedule/"))
        assert "1 个有动作的客户还没有安排拜访日" in page
        ids = [r.pk for r in rural]
        response = c.post(PLAN + "schedule/2026-11-03/", {"customers": ids, "shown": ids})
        assert response.status_code == 302
        page = html(c.get(PLAN + "schedule/"))
        assert "超出每日拜访上限" in page and "11-03（26/25）" in page
        day = html(c.get(PLAN + "schedule/2026-11-03/"))
        assert "当天已安排 26 户，上限 25 户" in day
        assert c.get(PLAN + "schedule/2026-12-01/").status_code == 404

    def test_filtered_day_keeps_the_customers_not_shown(self, client, two_teams, plan):
        cm = plan.manager
        north = CustomerFactory(manager=cm, trade_area="北站")
        south = CustomerFactory(manager=cm, trade_area="南湖")
        PlannedVisitFactory(cycle=plan, customer=south, date=dt.date(2026, 11, 4))
        c = as_user(client, cm)
        c.post(PLAN + "schedule/2026-11-04/", {"customers": [north.pk], "shown": [north.pk]})
        assert set(plan.planned_visits.values_list("customer__trade_area", flat=True)) == {
            "北站",
            "南湖",
        }


def test_plan_page_queries_do_not_grow_with_actions(
    client, two_teams, plan, django_assert_max_num_queries
):
    cm = plan.manager
    c = as_user(client, cm)
    for size in (3, 30):
        for _ in range(size):
            customer = CustomerFactory(manager=cm)
            MarketingActionFactory(cycle=plan, customer=customer)
            PlannedVisitFactory(cycle=plan, customer=customer)
        with django_assert_max_num_queries(20):
            assert c.get(PLAN).status_code == 200


class TestActionsExport:
    """The plan's actions as an Excel file, linked from the actions block."""

    @pytest.fixture
    def actions(self, two_teams, plan):
        cm = plan.manager
        west = CustomerFactory(manager=cm, code="0012", name="西门烟酒", tier=7, trade_area="西门")
        east = CustomerFactory(manager=cm, code="0003", name="东街便利", tier=None)
        PlannedVisitFactory(cycle=plan, customer=west, date=dt.date(2026, 11, 3))
        PlannedVisitFactory(cycle=plan, customer=west, date=dt.date(2026, 11, 17))
        MarketingActionFactory(
            cycle=plan,
            customer=west,
            source="warning",
            text="推荐云烟(紫)上柜",
            detail="环比下降 25%",
            visit_date=dt.date(2026, 11, 17),
        )
        MarketingActionFactory(cycle=plan, customer=east, text="=1+1")
        MarketingActionFactory(
            cycle=plan, customer=east, text="不做了", removed_at=timezone.now(), removed_reason="x"
        )
        return plan

    def rows(self, response):
        assert response.status_code == 200
        return list(load_workbook(io.BytesIO(response.content)).active.values)

    def test_one_row_per_action_with_typed_cells(self, client, actions):
        response = as_user(client, actions.manager).get(PLAN + "actions.xlsx")
        disposition = response["Content-Disposition"]
        assert (
            "attachment" in disposition and quote("月计划营销动作-a1-2026-11.xlsx") in disposition
        )
        header, *rows = self.rows(response)
        assert header == (
            "客户编码", "客户名称", "档位", "商圈", "营销动作", "依据", "来源", "拜访日",
            "该客户的拜访日", "标记",
        )  # fmt: skip
        assert len(rows) == 2  # the removed action is not in the plan
        east, west = rows  # the page's order: by customer code
        assert east[:3] == ("0003", "东街便利", None) and east[4] == "'=1+1"  # text, no formula
        assert west[:7] == (
            "0012",
            "西门烟酒",
            7,
            "西门",
            "推荐云烟(紫)上柜",
            "环比下降 25%",
            "预警生成",
        )
        assert west[7] == dt.datetime(2026, 11, 17)  # a date cell, not text
        assert west[8:] == ("11-03、11-17", "☆")

    @pytest.mark.parametrize(("who", "status"), [("mm_a", 200), ("brand", 200), ("a2", 404)])
    def test_whoever_sees_the_plan_downloads_it(self, client, two_teams, actions, who, status):
        user = two_teams["cm"].get(who) or two_teams[who]
        assert as_user(client, user).get(PLAN + "actions.xlsx").status_code == status

    def test_the_actions_block_links_the_download(self, client, two_teams, actions):
        link = f'href="{PLAN}actions.xlsx"'
        assert link in html(as_user(client, two_teams["mm_a"]).get(PLAN))
        part = html(client.get(PLAN + "?part=actions", HTTP_HX_REQUEST="true"))
        assert link in part  # still there after the block is filtered in place
        empty = PLAN.replace("2026-11", "2026-10")
        assert "actions.xlsx" not in html(client.get(empty))  # nothing to download

    def test_queries_do_not_grow_with_actions(self, client, plan, django_assert_max_num_queries):
        c = as_user(client, plan.manager)
        for _ in range(40):
            customer = CustomerFactory(manager=plan.manager)
            MarketingActionFactory(cycle=plan, customer=customer)
            PlannedVisitFactory(cycle=plan, customer=customer)
        with django_assert_max_num_queries(12):
            assert len(self.rows(c.get(PLAN + "actions.xlsx"))) == 41


class TestGuidanceFeedAndBrandTasks:
    def test_guidance_page_ranks_the_team_and_posts_to_the_feed(self, client, two_teams):
        a1, a2 = two_teams["customers"]["a1"], two_teams["customers"]["a2"]
        for customer, forecast in ((a1, 100), (a2, 52)):
            OrderLineFactory(
                customer=customer,
                order_date=dt.date(2026, 10, 9),
                quantity=50,
                requested_quantity=50,
            )
            ForecastFactory(customer=customer, month=dt.date(2026, 10, 1), quantity=forecast)
        indicators_compute(month=dt.date(2026, 10, 1))
        c = as_user(client, two_teams["mm_a"])
        page = html(c.get("/plans/guidance/?month=2026-10&sort=accuracy"))
        assert page.index(two_teams["cm"]["a1"].display_name) < page.index(
            two_teams["cm"]["a2"].display_name
        )  # a1 is off by 100 %: weakest first
        assert "需指导" in page and two_teams["cm"]["b1"].display_name not in page
        response = c.post(
            "/feed/a1/guidance/",
            {"text": "预测翻倍了，参考近三月均量", "next": "guidance", "month": "2026-10"},
        )
        assert (
            response.status_code == 302 and "/plans/guidance/?month=2026-10" in response["Location"]
        )
        assert "上次指导" in html(c.get("/plans/guidance/?month=2026-10"))
        feed = html(as_user(client, two_teams["cm"]["a1"]).get("/feed/a1/"))
        assert "预测翻倍了" in feed
        for who in ("a1", "brand"):
            user = two_teams["cm"].get(who) or two_teams[who]
            assert as_user(client, user).get("/plans/guidance/").status_code == 403

    def test_feed_pages_scoping_and_feedback(self, client, two_teams):
        from cycle.services import arrangement_post

        entry = arrangement_post(
            manager=two_teams["cm"]["a1"],
            by=two_teams["mm_a"],
            text="整理客户档案",
            target="month_plan",
            month=NOV,
        )
        assert as_user(client, two_teams["cm"]["a2"]).get("/feed/a1/").status_code == 404
        assert as_user(client, two_teams["mm_b"]).get("/feed/a1/").status_code == 404
        brand = html(as_user(client, two_teams["brand"]).get("/feed/a1/"))
        assert "整理客户档案" not in brand  # not a brand task
        c = as_user(client, two_teams["cm"]["a1"])
        empty = c.post(f"/feed/a1/{entry.pk}/feedback/", {"text": " "})
        assert empty.status_code == 400
        assert c.post(f"/feed/a1/{entry.pk}/feedback/", {"text": "已完成"}).status_code == 302
        assert "已反馈，不再流转" in html(c.get("/feed/a1/"))
        assert (
            as_user(client, two_teams["mm_a"])
            .post(f"/feed/a1/{entry.pk}/feedback/", {"text": "x"})
            .status_code
            == 403
        )

    def test_brand_task_page_counts_and_sends(self, client, two_teams):
        sku = SkuFactory(is_key_brand=True, name="黄鹤楼(硬金砂)")
        c = as_user(client, two_teams["brand"])
        count = html(
            c.get(
                "/brand-tasks/count/?trade_areas=火车站商圈&market_types=urban",
                HTTP_HX_REQUEST="true",
            )
        )
        assert "<strong>3</strong>" in count
        response = c.post(
            "/brand-tasks/",
            {"sku": sku.pk, "month": "2026-11", "trade_areas": ["火车站商圈"], "content": "主推"},
        )
        assert response.status_code == 302
        assert FeedEntry.objects.filter(brand_task__isnull=False).count() == 3
        page = html(c.get("/brand-tasks/"))
        assert "黄鹤楼(硬金砂)" in page
        bad = c.post(
            "/brand-tasks/",
            {"sku": sku.pk, "month": "2026-11", "content": "主推", "trade_areas": ["没有"]},
        )
        assert bad.status_code == 400
        assert as_user(client, two_teams["mm_a"]).get("/brand-tasks/").status_code == 403
