"""The interaction feed (三员互动) and brand cultivation (品牌培育): who writes and reads
what, unread counts in the navigation, and a brand task reaching only the owners of the
matching customers."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cycle.models import BrandTask, EntryKind, FeedEntry
from cycle.selectors import feed_unread_total
from cycle.selectors.brand_tasks import Reach, brand_task_reach
from cycle.services import (
    Criteria,
    arrangement_post,
    brand_task_send,
    feed_mark_read,
    feedback_post,
    guidance_post,
)
from tests.factories import CustomerFactory, CustomerManagerFactory, SkuFactory

NOV = dt.date(2026, 11, 1)


def _guidance(two_teams, text="预测偏高，注意节日后回落"):
    return guidance_post(manager=two_teams["cm"]["a1"], by=two_teams["mm_a"], text=text)


class TestWriting:
    def test_market_manager_writes_guidance_and_arrangements_for_the_team(self, two_teams):
        entry = _guidance(two_teams)
        assert (entry.kind, entry.author, entry.manager) == (
            EntryKind.GUIDANCE,
            two_teams["mm_a"],
            two_teams["cm"]["a1"],
        )
        arrangement = arrangement_post(
            manager=two_teams["cm"]["a1"],
            by=two_teams["mm_a"],
            text="周三前完成新店建档",
            target="week_plan",
            month=dt.date(2026, 11, 18),
            date=dt.date(2026, 11, 18),
        )
        assert arrangement.target_month == NOV

    @pytest.mark.parametrize("who", ["mm_b", "a2", "brand", "admin"])
    def test_nobody_else_writes_guidance(self, two_teams, who):
        user = two_teams["cm"].get(who) or two_teams[who]
        with pytest.raises(PermissionDenied):
            guidance_post(manager=two_teams["cm"]["a1"], by=user, text="x")
        with pytest.raises(PermissionDenied):
            arrangement_post(
                manager=two_teams["cm"]["a1"], by=user, text="x", target="month_plan", month=NOV
            )
        assert not FeedEntry.objects.exists()

    @pytest.mark.parametrize(
        ("text", "message"), [("   ", "不能为空"), ("长" * 5001, "最多 5000 字")]
    )
    def test_empty_or_long_text_is_refused(self, two_teams, text, message):
        with pytest.raises(ValidationError, match=message):
            _guidance(two_teams, text)

    def test_arrangement_date_must_be_in_its_month(self, two_teams):
        with pytest.raises(ValidationError, match="目标月份之内"):
            arrangement_post(
                manager=two_teams["cm"]["a1"],
                by=two_teams["mm_a"],
                text="x",
                target="week_plan",
                month=NOV,
                date=dt.date(2026, 12, 1),
            )


class TestUnread:
    def test_counts_what_others_wrote_since_last_read(self, two_teams):
        cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
        _guidance(two_teams)
        _guidance(two_teams, "第二条")
        assert feed_unread_total(user=cm) == 2
        assert feed_unread_total(user=mm) == 0  # their own entries
        feed_mark_read(user=cm, manager=cm)
        assert feed_unread_total(user=cm) == 0
        arrangement = arrangement_post(
            manager=cm, by=mm, text="安排", target="month_plan", month=NOV
        )
        feedback_post(arrangement=arrangement, by=cm, text="收到")
        assert feed_unread_total(user=cm) == 1 and feed_unread_total(user=mm) == 1
        assert feed_unread_total(user=two_teams["mm_b"]) == 0
        assert feed_unread_total(user=two_teams["brand"]) == 0  # not a brand task


# --- brand tasks ------------------------------------------------------------------------------


@pytest.fixture
def market(two_teams):
    """Customers of three managers in two teams, differing in the brand task's criteria."""
    a1, a2, b1 = (two_teams["cm"][k] for k in ("a1", "a2", "b1"))
    c3 = CustomerManagerFactory(username="c3", team=two_teams["team_b"])
    make = CustomerFactory
    return {
        "hit_a1": make(manager=a1, trade_area="火车站商圈", tier=22, business_format="convenience"),
        "hit_b1": make(manager=b1, trade_area="火车站商圈", tier=25, business_format="convenience"),
        "wrong_area": make(manager=a2, trade_area="大学城", tier=22, business_format="convenience"),
        "wrong_tier": make(
            manager=c3, trade_area="火车站商圈", tier=5, business_format="convenience"
        ),
        "wrong_format": make(
            manager=c3, trade_area="火车站商圈", tier=22, business_format="catering"
        ),
        "inactive": make(
            manager=c3,
            trade_area="火车站商圈",
            tier=22,
            business_format="convenience",
            status="inactive",
        ),
        **two_teams,
    }


CRITERIA = Criteria(
    trade_areas=("火车站商圈",), tier_bands=("B",), business_formats=("convenience",)
)


def test_a_brand_task_reaches_only_the_owners_of_matching_customers(market):
    sku = SkuFactory(is_key_brand=True, name="黄鹤楼(硬金砂)")
    assert CRITERIA.customers(user=market["brand"]).count() == 2  # the live count
    task = brand_task_send(
        by=market["brand"], sku=sku, month=NOV, content="陈列到位，主推", criteria=CRITERIA
    )
    assert (task.customers_count, task.managers_count) == (2, 2)
    arrangements = FeedEntry.objects.filter(brand_task=task)
    got = {e.manager.username: {c.code for c in e.customers.all()} for e in arrangements}
    assert got == {"a1": {market["hit_a1"].code}, "b1": {market["hit_b1"].code}}
    assert {e.kind for e in arrangements} == {EntryKind.ARRANGEMENT}
    assert task.criteria == {
        "trade_areas": ["火车站商圈"],
        "business_formats": ["convenience"],
        "tier_bands": ["B"],
    }
    # brand managers see the brand task part of a feed, and its feedback counts as unread
    feedback_post(
        arrangement=arrangements.get(manager__username="a1"), by=market["cm"]["a1"], text="已上柜"
    )
    assert feed_unread_total(user=market["brand"]) == 1


def test_brand_tasks_only_for_key_skus_by_brand_managers(market):
    plain = SkuFactory(is_key_brand=False)
    with pytest.raises(ValidationError, match="重点品牌"):
        brand_task_send(by=market["brand"], sku=plain, month=NOV, content="x", criteria=CRITERIA)
    key = SkuFactory(is_key_brand=True)
    with pytest.raises(PermissionDenied):
        brand_task_send(by=market["mm_a"], sku=key, month=NOV, content="x", criteria=CRITERIA)
    nothing = Criteria(trade_areas=("没有这个商圈",))
    with pytest.raises(ValidationError, match="没有符合条件的客户"):
        brand_task_send(by=market["brand"], sku=key, month=NOV, content="x", criteria=nothing)
    assert not FeedEntry.objects.exists()


# --- the brand task page: checkbox targeting and the live count --------------------------------

COUNT = "/brand-tasks/count/"


def reach_text(managers, customers):
    return (
        f"将推送给 <strong>{managers}</strong> 位客户经理，覆盖 <strong>{customers}</strong> 户客户"
    )


def test_the_count_partial_says_whom_the_targeting_reaches(client, market):
    client.force_login(market["brand"])
    # 火车站商圈 alone: the three fixture customers of a1, a2, b1, the two hits and c3's two
    # (c3's inactive customer is left out); seven customers of four managers
    response = client.get(COUNT, {"trade_areas": "火车站商圈"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<p id="match-count"') and "<form" not in body  # only the partial
    assert reach_text(4, 7) in body
    narrowed = client.get(
        COUNT, {"trade_areas": "火车站商圈", "tier_bands": "B", "business_formats": "convenience"}
    ).content.decode()
    assert reach_text(2, 2) in narrowed
    one = client.get(COUNT, {"business_formats": "convenience", "tier_bands": "B"})
    assert reach_text(3, 3) in one.content.decode()
    # ticks within one criterion widen it: c3's catering customer joins
    either = client.get(COUNT, {"business_formats": ["catering", "convenience"], "tier_bands": "B"})
    assert reach_text(4, 4) in either.content.decode()
    none = client.get(COUNT, {"trade_areas": "大学城", "market_types": "rural"}).content.decode()
    assert "没有符合条件的客户" in none
    unknown = client.get(COUNT, {"trade_areas": "没有这个商圈"}).content.decode()
    assert "勾选条件后显示" in unknown and "将推送给" not in unknown


def test_the_count_is_what_the_task_then_reaches(client, market):
    """An inactive customer manager receives nothing, so their customers are not counted;
    the task sent right after says the same numbers the count showed."""
    market["c3"] = market["wrong_tier"].manager
    market["c3"].is_active = False
    market["c3"].save()
    sku = SkuFactory(is_key_brand=True)
    client.force_login(market["brand"])
    count = client.get(COUNT, {"trade_areas": "火车站商圈"}).content.decode()
    assert reach_text(3, 5) in count
    response = client.post(
        "/brand-tasks/",
        {"sku": sku.pk, "month": "2026-11", "trade_areas": ["火车站商圈"], "content": "主推"},
    )
    assert response.status_code == 302
    task = BrandTask.objects.get()
    assert (task.managers_count, task.customers_count) == (3, 5)


def test_the_count_is_scoped_by_the_policy(market):
    everything = Criteria()
    assert brand_task_reach(user=market["brand"], criteria=everything) == Reach(
        customers=8, managers=4
    )
    assert brand_task_reach(user=market["admin"], criteria=everything).customers == 8
    for who in (market["mm_a"], market["cm"]["a1"]):
        assert brand_task_reach(user=who, criteria=everything) == Reach(customers=0, managers=0)


def test_the_form_targets_with_checkboxes_and_counts_everyone_at_first(
    client, market, django_assert_max_num_queries
):
    client.force_login(market["brand"])
    page = client.get("/brand-tasks/").content.decode()
    start = page.index('id="task-form"')
    form = page[start : page.index("</form>", start)]
    assert "<select" in form and "multiple" not in form  # the SKU is a plain select
    assert "---------" not in form
    for name, value in [
        ("trade_areas", "火车站商圈"),
        ("trade_areas", "大学城"),
        ("business_formats", "convenience"),
        ("tier_bands", "B"),
        ("market_types", "urban"),
    ]:
        assert f'type="checkbox" name="{name}" value="{value}"' in form, (name, value)
    assert 'class="chip"' in form and "<legend>商圈</legend>" in form
    assert 'hx-get="/brand-tasks/count/"' in form and 'hx-trigger="change"' in form
    assert reach_text(4, 8) in form  # nothing ticked: every active customer
    with django_assert_max_num_queries(6):
        client.get(COUNT, {"trade_areas": ["火车站商圈", "大学城"], "tier_bands": ["A", "B"]})


def test_the_form_posts_ticked_checkboxes(client, market):
    sku = SkuFactory(is_key_brand=True, name="黄鹤楼(硬金砂)")
    client.force_login(market["brand"])
    response = client.post(
        "/brand-tasks/",
        {
            "sku": sku.pk,
            "month": "2026-11",
            "trade_areas": ["火车站商圈", "大学城"],
            "business_formats": ["convenience"],
            "tier_bands": ["B", "D"],
            "content": "陈列到位",
        },
        follow=True,
    )
    assert "已发送给 3 位客户经理，共 6 个目标客户。" in response.content.decode()
    task = BrandTask.objects.get()
    assert task.criteria == {
        "trade_areas": ["火车站商圈", "大学城"],
        "business_formats": ["convenience"],
        "tier_bands": ["B", "D"],
    }
    got = {e.manager.username for e in FeedEntry.objects.filter(brand_task=task)}
    assert got == {"a1", "a2", "b1"}


def test_without_javascript_the_preview_shows_the_count_and_keeps_the_ticks(client, market):
    sku = SkuFactory(is_key_brand=True)
    client.force_login(market["brand"])
    response = client.post(
        "/brand-tasks/",
        {"preview": "1", "sku": sku.pk, "month": "2026-11", "tier_bands": ["B"], "content": ""},
    )
    assert response.status_code == 200 and not BrandTask.objects.exists()
    page = response.content.decode()
    assert reach_text(4, 4) in page  # the tier 21–25 customers of a1, a2, b1 and c3
    assert 'name="tier_bands" value="B" id="id_tier_bands_1" checked' in page
    assert 'name="tier_bands" value="A" id="id_tier_bands_0" checked' not in page
    assert "这个字段是必填项" not in page  # a preview is not a failed send
    assert "<noscript><button" in page and "预览人数" in page


def test_a_refused_send_keeps_the_ticks_and_the_count(client, market):
    sku = SkuFactory(is_key_brand=True)
    client.force_login(market["brand"])
    response = client.post(
        "/brand-tasks/",
        {"sku": sku.pk, "month": "2026-11", "trade_areas": ["大学城"], "market_types": ["rural"]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="大学城" id="id_trade_areas_0" checked' in page
    assert "没有符合条件的客户" in page
