"""Generating a plan's marketing actions from their sources (DESIGN.md §4 step 2): warnings
through the strategy library, carry-over of unfinished actions, work arrangements that keep
flowing until feedback (累计流转), and editing the list by hand."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cycle.models import ActionSource, FeedEntry, MarketingAction
from cycle.services import (
    action_add,
    action_remove,
    action_update,
    arrangement_post,
    feedback_post,
    flowing_arrangements,
    plan_generate,
    schedule_set_day,
)
from reports.services import indicators_compute
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    MarketingActionFactory,
    OrderLineFactory,
    SkuFactory,
    StandardActionFactory,
)

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def _at(entry, local: dt.datetime):
    """Date an entry as if written at ``local`` Asia/Shanghai time."""
    entry.created_at = timezone.make_aware(local)
    FeedEntry.objects.filter(pk=entry.pk).update(created_at=entry.created_at)
    return entry


def _actions(cycle, **filters):
    return MarketingAction.objects.filter(cycle=cycle, **filters)


# --- carry-over ----------------------------------------------------------------------------


def test_carry_over_brings_exactly_the_unfinished_actions(two_teams):
    cm = two_teams["cm"]["a1"]
    customer = two_teams["customers"]["a1"]
    october = CycleFactory(manager=cm, month=OCT)
    planned = MarketingActionFactory(cycle=october, customer=customer, text="☆ 指导陈列")
    temporary = MarketingActionFactory(
        cycle=october, customer=customer, text="● 补货", temporary=True
    )
    MarketingActionFactory(cycle=october, customer=customer, done_at=timezone.now(), text="★")
    MarketingActionFactory(
        cycle=october, customer=customer, removed_at=timezone.now(), text="删掉的"
    )
    moved_away = CustomerFactory(manager=two_teams["cm"]["a2"])
    MarketingActionFactory(cycle=october, customer=moved_away, text="客户已划走")
    november = CycleFactory(manager=cm, month=NOV)

    result = plan_generate(cycle=november, by=cm)

    carried = _actions(november, source=ActionSource.CARRIED).order_by("id")
    assert result.carried == 2
    assert [(a.text, a.origin_id, a.temporary, a.mark) for a in carried] == [
        ("☆ 指导陈列", planned.pk, False, "☆"),
        ("● 补货", temporary.pk, True, "●"),
    ]
    # generating again adds nothing
    assert plan_generate(cycle=november, by=cm).total == 0
    assert _actions(november).count() == 2


def test_a_removed_generated_action_does_not_come_back(two_teams):
    cm = two_teams["cm"]["a1"]
    october = CycleFactory(manager=cm, month=OCT)
    MarketingActionFactory(cycle=october, customer=two_teams["customers"]["a1"])
    november = CycleFactory(manager=cm, month=NOV)
    plan_generate(cycle=november, by=cm)
    action = _actions(november).get()
    action_remove(action=action, by=cm, reason="客户已停业")
    assert plan_generate(cycle=november, by=cm).total == 0
    action.refresh_from_db()
    assert action.removed_reason == "客户已停业" and action.removed_by == cm


# --- warnings through the strategy library ---------------------------------------------------


def test_warnings_of_last_month_become_actions_with_their_numbers(two_teams):
    cm = two_teams["cm"]["a1"]
    falling = CustomerFactory(manager=cm, code="DROP1", name="下滑便利店")
    sku = SkuFactory(price_class=3)
    OrderLineFactory(customer=falling, sku=sku, order_date=dt.date(2026, 9, 8), quantity=100)
    OrderLineFactory(customer=falling, sku=sku, order_date=dt.date(2026, 10, 8), quantity=10)
    indicators_compute(month=OCT)
    november = CycleFactory(manager=cm, month=NOV)

    result = plan_generate(cycle=november, by=cm)

    flagged = _actions(november, source=ActionSource.WARNING, customer=falling)
    assert result.warning == _actions(november, source=ActionSource.WARNING).count() > 0
    drop = flagged.get(rule__code="volume_drop")
    assert "本月销量 10 条，上月 100 条" in drop.detail  # the numbers behind the flag
    assert drop.text == drop.rule.suggested_action and drop.standard_action == drop.rule.action
    assert plan_generate(cycle=november, by=cm).warning == 0


def test_without_last_months_indicators_the_other_sources_still_generate(two_teams):
    cm = two_teams["cm"]["a1"]
    MarketingActionFactory(cycle=CycleFactory(manager=cm, month=OCT))
    november = CycleFactory(manager=cm, month=NOV)
    result = plan_generate(cycle=november, by=cm)
    assert result.carried == 1 and result.warning == 0
    assert "尚未计算" in result.notes[0]


# --- work arrangements (累计流转) ------------------------------------------------------------


def _arrangement(two_teams, month, customers=()):
    return arrangement_post(
        manager=two_teams["cm"]["a1"],
        by=two_teams["mm_a"],
        text="走访新开业客户，推荐重点品牌",
        target="month_plan",
        month=month,
        customer_ids=[c.pk for c in customers],
    )


def test_an_arrangement_without_feedback_flows_into_the_next_month(two_teams):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    entry = _arrangement(two_teams, OCT, [customer])
    for month in (OCT, NOV, DEC):
        cycle = CycleFactory(manager=cm, month=month)
        assert list(flowing_arrangements(cycle=cycle)) == [entry]
        plan_generate(cycle=cycle, by=cm)
        action = _actions(cycle, arrangement=entry).get()
        assert action.customer == customer and "走访新开业客户" in action.text


def test_an_arrangement_with_feedback_stops_flowing(two_teams):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    entry = _at(_arrangement(two_teams, OCT, [customer]), dt.datetime(2026, 10, 3, 9))
    october = CycleFactory(manager=cm, month=OCT)
    plan_generate(cycle=october, by=cm)
    _actions(october).update(done_at=timezone.now())
    _at(feedback_post(arrangement=entry, by=cm, text="已走访 5 户"), dt.datetime(2026, 10, 31, 23))
    # still part of October's record, gone from November on
    assert list(flowing_arrangements(cycle=october)) == [entry]
    november = CycleFactory(manager=cm, month=NOV)
    assert list(flowing_arrangements(cycle=november)) == []
    assert plan_generate(cycle=november, by=cm).total == 0


def test_feedback_during_the_month_keeps_the_arrangement_listed_but_adds_nothing(two_teams):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    entry = _at(_arrangement(two_teams, OCT, [customer]), dt.datetime(2026, 10, 3, 9))
    # just after midnight on 1 November in Shanghai (still 31 October in UTC)
    _at(feedback_post(arrangement=entry, by=cm, text="本月已落实"), dt.datetime(2026, 11, 1, 0, 5))
    november = CycleFactory(manager=cm, month=NOV)
    assert list(flowing_arrangements(cycle=november)) == [entry]
    assert plan_generate(cycle=november, by=cm).arrangement == 0


def test_an_unfinished_arrangement_action_is_carried_not_doubled(two_teams):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    entry = _arrangement(two_teams, OCT, [customer])
    plan_generate(cycle=CycleFactory(manager=cm, month=OCT), by=cm)
    november = CycleFactory(manager=cm, month=NOV)
    result = plan_generate(cycle=november, by=cm)
    assert (result.carried, result.arrangement) == (1, 0)
    assert _actions(november, arrangement=entry).get().source == ActionSource.CARRIED


@pytest.mark.parametrize("who", ["a2", "mm_a"])
def test_only_the_customer_manager_gives_feedback(two_teams, who):
    entry = _arrangement(two_teams, OCT)
    user = two_teams["cm"].get(who) or two_teams[who]
    with pytest.raises(PermissionDenied):
        feedback_post(arrangement=entry, by=user, text="不是我的")
    assert not entry.replies.exists()


# --- editing by hand ------------------------------------------------------------------------


def test_hand_added_actions_and_visit_days(two_teams):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    november = CycleFactory(manager=cm, month=NOV)
    standard = StandardActionFactory(name="指导上柜陈列")
    from_list = action_add(cycle=november, by=cm, customer_id=customer.pk, standard_action=standard)
    free = action_add(cycle=november, by=cm, customer_id=customer.pk, text="  了解  竞品 动态 ")
    assert (from_list.text, from_list.source) == ("指导上柜陈列", ActionSource.MANUAL)
    assert free.text == "了解 竞品 动态" and free.visit_date is None
    # planning the customer for two days attaches the open actions to the first one
    schedule_set_day(cycle=november, by=cm, date=dt.date(2026, 11, 12), customer_ids=[customer.pk])
    schedule_set_day(cycle=november, by=cm, date=dt.date(2026, 11, 5), customer_ids=[customer.pk])
    free.refresh_from_db()
    assert free.visit_date == dt.date(2026, 11, 12)
    action_update(action=free, by=cm, text="了解竞品", visit_date=dt.date(2026, 11, 5))
    with pytest.raises(ValidationError, match="不在这个客户的拜访安排"):
        action_update(action=free, by=cm, text="了解竞品", visit_date=dt.date(2026, 11, 6))
    # dropping the 5th moves the action to the customer's remaining day
    schedule_set_day(cycle=november, by=cm, date=dt.date(2026, 11, 5), customer_ids=[])
    free.refresh_from_db()
    assert free.visit_date == dt.date(2026, 11, 12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": ""}, "请选择标准动作或填写动作内容"),
        ({"text": "长" * 301}, "最多 300 字"),
    ],
)
def test_bad_hand_added_actions_are_refused(two_teams, kwargs, message):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    november = CycleFactory(manager=cm, month=NOV)
    with pytest.raises(ValidationError, match=message):
        action_add(cycle=november, by=cm, customer_id=customer.pk, **kwargs)
    assert not november.actions.exists()


def test_actions_and_days_only_for_own_active_customers(two_teams):
    cm = two_teams["cm"]["a1"]
    november = CycleFactory(manager=cm, month=NOV)
    others = two_teams["customers"]["a2"]
    inactive = CustomerFactory(manager=cm, status="inactive")
    for customer in (others, inactive):
        with pytest.raises(ValidationError, match="名下的有效客户"):
            action_add(cycle=november, by=cm, customer_id=customer.pk, text="x")
        with pytest.raises(ValidationError, match="名下的有效客户"):
            schedule_set_day(cycle=november, by=cm, date=NOV, customer_ids=[customer.pk])
    with pytest.raises(ValidationError, match="计划月份之内"):
        schedule_set_day(cycle=november, by=cm, date=DEC, customer_ids=[])
    assert not november.actions.exists() and not november.planned_visits.exists()


def test_removing_needs_a_reason(two_teams):
    cm = two_teams["cm"]["a1"]
    action = MarketingActionFactory(cycle=CycleFactory(manager=cm, month=NOV))
    with pytest.raises(ValidationError, match="原因"):
        action_remove(action=action, by=cm, reason="  ")
    action.refresh_from_db()
    assert action.removed_at is None
