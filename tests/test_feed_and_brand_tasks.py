"""The interaction feed (三员互动) and brand cultivation (品牌培育): who writes and reads
what, unread counts in the navigation, and a brand task reaching only the owners of the
matching customers."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cycle.models import EntryKind, FeedEntry
from cycle.selectors import feed_unread_total
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
