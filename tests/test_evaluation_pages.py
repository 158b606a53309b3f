"""The month-end evaluation page as users meet it: who sees whose, the figures, the monthly
summary saved in place, submitting and reviewing (refusals with a message and the right
status), the market manager's queue, improvement items and their review, the open items on
the next month's analysis page, and the five steps leading there."""

import datetime as dt
import re

import pytest

from cycle.models import ApprovalRecord, Improvement, PlanStatus, ReviewStatus
from cycle.selectors.steps import cycle_steps
from cycle.services import evaluation_save_summary, evaluation_submit, plan_submit
from reports.models import ManagerIndicator
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    ImprovementFactory,
    MarketingActionFactory,
    SkuFactory,
)

OCT = dt.date(2026, 10, 1)
EVAL = "/plans/a1/2026-10/evaluation/"
ITEMS = "/plans/a1/2026-10/improvements/"


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def _user(two_teams, who):
    return two_teams["cm"].get(who) or two_teams[who]


@pytest.fixture
def october(two_teams):
    return CycleFactory(manager=two_teams["cm"]["a1"], month=OCT, goal_volume=1000)


def _submitted(cycle, summary="本月完成九成动作。"):
    evaluation_save_summary(cycle=cycle, by=cycle.manager, summary=summary)
    return evaluation_submit(cycle=cycle, by=cycle.manager)


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
def test_who_sees_an_evaluation(client, two_teams, october, who, status):
    user = _user(two_teams, who)
    assert as_user(client, user).get(EVAL).status_code == status


def test_the_page_shows_the_figures_and_says_when_indicators_are_missing(
    client, two_teams, october
):
    customer = two_teams["customers"]["a1"]
    MarketingActionFactory(cycle=october, customer=customer, done_at=october.created_at)
    MarketingActionFactory(cycle=october, customer=customer)
    c = as_user(client, october.manager)
    page = html(c.get(EVAL))
    assert "1/2" in page and "50.0%" in page  # actions done / planned
    assert "有效拜访/计划拜访 · —" in page  # no planned visits: no rate, not 0%
    assert not re.search(r"(?<![\d.])0\.0%", page)
    assert "本月指标尚未计算" in page and "待计算" in page
    ManagerIndicator.objects.create(manager=october.manager, month=OCT, volume=1500)
    page = html(c.get(EVAL))
    assert "本月指标尚未计算" not in page
    assert "1,500" in page and "150.0%" in page  # volume against a goal of 1,000


def test_the_summary_saves_in_place(client, two_teams, october):
    c = as_user(client, october.manager)
    response = c.post(
        EVAL + "summary/", {"summary": "完成了重点客户回访。"}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert response.status_code == 200 and "<html" not in page and "已保存" in page
    october.refresh_from_db()
    assert october.summary == "完成了重点客户回访。"
    too_long = c.post(EVAL + "summary/", {"summary": "长" * 5001})
    assert too_long.status_code == 400
    october.refresh_from_db()
    assert october.summary == "完成了重点客户回访。"


@pytest.mark.parametrize(("who", "status"), [("mm_a", 403), ("a2", 404), ("brand", 403)])
def test_nobody_else_writes_the_summary(client, two_teams, october, who, status):
    response = as_user(client, _user(two_teams, who)).post(EVAL + "summary/", {"summary": "代写"})
    assert response.status_code == status
    october.refresh_from_db()
    assert october.summary == ""


class TestReview:
    def test_submit_needs_the_summary_then_reject_and_approve(self, client, two_teams, october):
        cm, mm = october.manager, two_teams["mm_a"]
        c = as_user(client, cm)
        refused = c.post(EVAL + "do/submit/", {"comment": ""})
        assert refused.status_code == 400 and "请先写月总结" in html(refused)
        c.post(EVAL + "summary/", {"summary": "拜访完成率 90%。"})
        done = c.post(EVAL + "do/submit/", {"comment": "请审核"})
        assert done.status_code == 302 and done["Location"] == EVAL
        october.refresh_from_db()
        assert october.evaluation_status == PlanStatus.SUBMITTED
        # the month is closed: the summary can no longer change, over HTTP a 409
        closed = c.post(EVAL + "summary/", {"summary": "改写"})
        assert closed.status_code == 409 and "不能再修改" in html(closed)

        m = as_user(client, mm)
        queue = html(m.get("/plans/queue/"))
        assert "待审核的月度评估（1）" in queue and EVAL in queue
        missing = m.post(EVAL + "do/reject/", {"comment": ""})
        assert missing.status_code == 400 and "请写明原因" in html(missing)
        rejected = m.post(EVAL + "do/reject/", {"comment": "短时拜访太多"})
        assert rejected.status_code == 302 and rejected["Location"] == "/plans/queue/"
        october.refresh_from_db()
        assert october.evaluation_status == PlanStatus.REJECTED

        page = html(as_user(client, cm).get(EVAL))
        assert "退回意见：" in page and "短时拜访太多" in page and "重新提交审核" in page
        assert c.post(EVAL + "summary/", {"summary": "已补拜访"}).status_code == 302  # reopened
        c.post(EVAL + "do/submit/", {"comment": ""})
        as_user(client, mm).post(EVAL + "do/approve/", {"comment": "通过"})
        october.refresh_from_db()
        assert october.evaluation_status == PlanStatus.APPROVED
        page = html(client.get(EVAL))
        for text in ("审核记录", "短时拜访太多", "请审核", "通过", "评估已通过"):
            assert text in page
        assert "待审核的月度评估（0）" in html(client.get("/plans/queue/"))

    def test_a_decision_in_the_wrong_state_is_refused_with_a_message(
        self, client, two_teams, october
    ):
        response = as_user(client, two_teams["mm_a"]).post(EVAL + "do/approve/")
        assert response.status_code == 409 and "不能批准" in html(response)
        october.refresh_from_db()
        assert october.evaluation_status == PlanStatus.DRAFT

    @pytest.mark.parametrize(("who", "status"), [("a1", 403), ("brand", 403), ("mm_b", 404)])
    def test_others_cannot_decide(self, client, two_teams, october, who, status):
        _submitted(october)
        response = as_user(client, _user(two_teams, who)).post(EVAL + "do/approve/")
        assert response.status_code == status
        october.refresh_from_db()
        assert october.evaluation_status == PlanStatus.SUBMITTED

    def test_the_other_team_does_not_queue_it(self, client, two_teams, october):
        _submitted(october)
        assert "待审核的月度评估（0）" in html(
            as_user(client, two_teams["mm_b"]).get("/plans/queue/")
        )

    def test_each_document_shows_its_own_history(self, client, two_teams, october):
        plan_submit(cycle=october, by=october.manager, comment="计划的说明")
        evaluation_save_summary(cycle=october, by=october.manager, summary="总结")
        evaluation_submit(cycle=october, by=october.manager, comment="评估的说明")
        assert ApprovalRecord.objects.filter(cycle=october).count() == 2
        c = as_user(client, october.manager)
        plan_page, evaluation_page = html(c.get("/plans/a1/2026-10/")), html(c.get(EVAL))
        assert "计划的说明" in plan_page and "评估的说明" not in plan_page
        assert "评估的说明" in evaluation_page and "计划的说明" not in evaluation_page


class TestImprovements:
    def test_add_in_place_by_customer_code(self, client, two_teams, october):
        customer = two_teams["customers"]["a1"]
        c = as_user(client, october.manager)
        response = c.post(
            ITEMS,
            {
                "kind": "customer",
                "customer": f"{customer.code} {customer.name}",
                "text": "每周回访一次",
                "due": "2026-11-30",
            },
            HTTP_HX_REQUEST="true",
        )
        page = html(response)
        assert response.status_code == 200 and "<html" not in page
        assert "每周回访一次" in page and customer.name in page and "待审核" in page
        item = Improvement.objects.get()
        assert (item.cycle, item.customer, item.kind) == (october, customer, "customer")

    def test_a_refused_item_says_why_and_keeps_what_was_typed(self, client, two_teams, october):
        c = as_user(client, october.manager)
        other = two_teams["customers"]["b1"]
        missing = html(
            c.post(
                ITEMS,
                {"kind": "customer", "customer": "", "text": "回访下滑客户", "due": "2026-11-30"},
                HTTP_HX_REQUEST="true",
            )
        )
        assert "客户问题请选择客户" in missing and 'value="回访下滑客户"' in missing
        foreign = c.post(
            ITEMS,
            {"kind": "customer", "customer": other.code, "text": "抢客户", "due": "2026-11-30"},
        )
        assert foreign.status_code == 400 and "请选择您名下的有效客户" in html(foreign)
        late = c.post(ITEMS, {"kind": "market", "text": "改", "due": "2027-05-01"})
        assert late.status_code == 400 and "完成期限" in html(late)
        assert not Improvement.objects.exists()

    def test_a_brand_issue_offers_the_key_skus(self, client, two_teams, october):
        key = SkuFactory(name="重点规格甲", is_key_brand=True)
        SkuFactory(name="普通规格乙", is_key_brand=False)
        page = html(as_user(client, october.manager).get(EVAL))
        assert "重点规格甲" in page and "普通规格乙" not in page
        client.post(
            ITEMS, {"kind": "brand", "sku": key.pk, "text": "提上柜率", "due": "2026-11-30"}
        )
        assert Improvement.objects.get().sku == key

    def test_mark_done_return_rewrite_accept(self, client, two_teams, october):
        item = ImprovementFactory(cycle=october, text="拜访不少于五分钟")
        url = f"{ITEMS}{item.pk}/"
        c = as_user(client, october.manager)
        done = html(c.post(url + "done/", {"done": "1"}, HTTP_HX_REQUEST="true"))
        assert "<html" not in done and "已完成" in done and "重新打开" in done
        item.refresh_from_db()
        assert item.status == "done"

        m = as_user(client, two_teams["mm_a"])
        no_reason = html(m.post(url + "review/", {"decision": "return"}, HTTP_HX_REQUEST="true"))
        assert "退回时请写明原因" in no_reason
        returned = html(
            m.post(
                url + "review/",
                {"decision": "return", "comment": "写清楚怎么检查"},
                HTTP_HX_REQUEST="true",
            )
        )
        assert "已退回" in returned and "写清楚怎么检查" in returned
        item.refresh_from_db()
        assert item.review_status == ReviewStatus.RETURNED

        c = as_user(client, october.manager)
        assert "改写后重新提交" in html(c.get(EVAL))
        rewritten = html(
            c.post(
                url + "edit/",
                {"text": "每次拜访不少于五分钟，周报抽查", "due": "2026-11-20"},
                HTTP_HX_REQUEST="true",
            )
        )
        assert "每次拜访不少于五分钟，周报抽查" in rewritten and "待审核" in rewritten
        as_user(client, two_teams["mm_a"]).post(url + "review/", {"decision": "accept"})
        item.refresh_from_db()
        assert (item.review_status, item.due) == (ReviewStatus.ACCEPTED, dt.date(2026, 11, 20))

    @pytest.mark.parametrize(
        ("who", "path", "status"),
        [
            ("mm_a", "", 403),  # adding is the customer manager's
            ("a1", "review/", 403),  # reviewing is the market manager's
            ("mm_b", "review/", 404),
            ("a2", "done/", 404),
            ("mm_a", "done/", 403),
        ],
    )
    def test_who_may_write_items(self, client, two_teams, october, who, path, status):
        item = ImprovementFactory(cycle=october, text="原样")
        url = ITEMS + (f"{item.pk}/{path}" if path else "")
        data = {"kind": "market", "text": "新", "due": "2026-11-30", "decision": "accept"}
        data["done"] = "1"
        assert as_user(client, _user(two_teams, who)).post(url, data).status_code == status
        item.refresh_from_db()
        assert (item.status, item.review_status, Improvement.objects.count()) == (
            "open",
            "pending",
            1,
        )

    def test_items_section_for_htmx_and_a_link_otherwise(self, client, two_teams, october):
        ImprovementFactory(cycle=october, text="区块里的事项")
        c = as_user(client, two_teams["mm_a"])
        part = html(c.get(ITEMS, HTTP_HX_REQUEST="true"))
        assert "<html" not in part and "区块里的事项" in part and "同意" in part
        plain = c.get(ITEMS)
        assert plain.status_code == 302 and plain["Location"] == EVAL + "#improvements"


class TestOpenItemsOnTheAnalysisPage:
    ANALYSIS = "/analysis/manager/a1/?month=2026-11"  # opens December's plan

    def test_open_items_of_earlier_months_are_listed_with_a_link(self, client, two_teams):
        cm = two_teams["cm"]["a1"]
        ImprovementFactory(cycle=CycleFactory(manager=cm, month=OCT), text="十月的事项")
        nov = CycleFactory(manager=cm, month=dt.date(2026, 11, 1))
        open_item = ImprovementFactory(cycle=nov, text="十一月的事项")
        ImprovementFactory(cycle=nov, text="已完成的事项", status="done")
        ImprovementFactory(
            cycle=CycleFactory(manager=cm, month=dt.date(2026, 12, 1)), text="十二月的事项"
        )
        ImprovementFactory(
            cycle=CycleFactory(manager=two_teams["cm"]["a2"], month=OCT), text="别人的事项"
        )
        for user in (cm, two_teams["mm_a"]):
            page = html(as_user(client, user).get(self.ANALYSIS))
            assert "待改进事项（2）" in page
            assert "十月的事项" in page and "十一月的事项" in page
            for absent in ("已完成的事项", "十二月的事项", "别人的事项"):
                assert absent not in page
            assert f"/plans/a1/2026-11/evaluation/#improvement-{open_item.pk}" in page

    def test_no_section_without_open_items(self, client, two_teams):
        page = html(as_user(client, two_teams["cm"]["a1"]).get(self.ANALYSIS))
        assert "待改进事项" not in page


class TestSteps:
    def _states(self, cycle):
        return {s.number: s.state for s in cycle_steps(cycle=cycle)}

    def test_steps_follow_the_evaluation(self, two_teams, monkeypatch):
        monkeypatch.setattr("cycle.selectors.steps.current_month", lambda: OCT)
        cycle = CycleFactory(
            manager=two_teams["cm"]["a1"], month=OCT, plan_status=PlanStatus.APPROVED
        )
        assert [self._states(cycle)[n] for n in (3, 4, 5)] == ["current", "ahead", "ahead"]
        monkeypatch.setattr("cycle.selectors.steps.current_month", lambda: dt.date(2026, 11, 1))
        assert [self._states(cycle)[n] for n in (3, 4, 5)] == ["done", "current", "current"]
        item = ImprovementFactory(cycle=cycle, review_status=ReviewStatus.RETURNED)
        cycle.evaluation_status = PlanStatus.APPROVED
        assert [self._states(cycle)[n] for n in (4, 5)] == ["done", "current"]
        item.review_status = ReviewStatus.ACCEPTED
        item.save()
        assert self._states(cycle)[5] == "done"

    def test_steps_link_to_the_visits_and_the_evaluation(self, client, two_teams, monkeypatch):
        monkeypatch.setattr("cycle.selectors.steps.current_month", lambda: OCT)
        cycle = CycleFactory(manager=two_teams["cm"]["a1"], month=OCT)
        urls = {s.number: s.url for s in cycle_steps(cycle=cycle)}
        assert urls[3] == "/visits/"
        assert (urls[4], urls[5]) == (EVAL, EVAL + "#improvements")
        page = html(as_user(client, cycle.manager).get(EVAL))
        assert re.search(r'href="/plans/a1/2026-10/evaluation/#improvements"', page)


def test_queries_do_not_grow_with_the_month(
    client, two_teams, october, django_assert_max_num_queries
):
    """The figures are aggregates: a bigger month costs no more queries."""
    c = as_user(client, october.manager)

    def fill(n):
        for _ in range(n):
            customer = CustomerFactory(manager=october.manager)
            MarketingActionFactory(cycle=october, customer=customer)
            ImprovementFactory(cycle=october, customer=customer, due=OCT)

    fill(2)
    with django_assert_max_num_queries(40) as small:
        c.get(EVAL)
    fill(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(EVAL).status_code == 200
