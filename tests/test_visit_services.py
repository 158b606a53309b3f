"""Recording the month's execution through cycle/services/visits.py: visits with check-in
and check-out, the checks made there, marks on the actions, temporary tasks; who may, and
when nothing may change any more."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.months import day_bounds, month_start
from cycle.models import MarketingAction, PlanStatus, Visit
from cycle.services import (
    NotAllowedNow,
    action_mark,
    temporary_task_add,
    visit_check_in,
    visit_check_out,
    visit_open,
    visit_record_check,
    visit_record_market_info,
    visit_update,
)
from markets.models import InventoryCheck, MarketInfo, PriceCheck, ShelfCheck
from tests.factories import CustomerFactory, CycleFactory, MarketingActionFactory, SkuFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def world(two_teams, today):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=month_start(today))
    customer = two_teams["customers"]["a1"]
    visit = visit_open(customer_id=customer.pk, by=a1, date=today)
    return {
        **two_teams,
        "a1": a1,
        "cycle": cycle,
        "customer": customer,
        "visit": visit,
        "sku": SkuFactory(is_key_brand=True),
    }


def at(date: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return day_bounds(date)[0] + dt.timedelta(hours=hour, minutes=minute, seconds=second)


# --- opening a visit ----------------------------------------------------------------------


def test_opening_twice_gives_the_same_visit(world, today):
    again = visit_open(customer_id=world["customer"].pk, by=world["a1"], date=today)
    assert again.pk == world["visit"].pk
    assert Visit.objects.filter(customer=world["customer"]).count() == 1


def test_a_new_visit_starts_with_the_customers_usual_method(world, today):
    by_phone = CustomerFactory(manager=world["a1"], visit_method="phone")
    assert visit_open(customer_id=by_phone.pk, by=world["a1"], date=today).method == "phone"


def test_a_visit_in_the_future_is_refused(world, today):
    with pytest.raises(ValidationError, match="未来"):
        visit_open(customer_id=world["customer"].pk, by=world["a1"], date=today + dt.timedelta(1))
    assert Visit.objects.count() == 1


def test_a_visit_to_another_managers_customer_is_refused(world, today):
    for key in ("a2", "b1"):
        with pytest.raises(PermissionDenied):
            visit_open(customer_id=world["customers"][key].pk, by=world["a1"], date=today)
    assert not Visit.objects.filter(customer=world["customers"]["a2"]).exists()


def test_someone_else_cannot_write_on_a_managers_visit(world):
    a2 = world["cm"]["a2"]
    with pytest.raises(PermissionDenied):
        visit_check_in(visit=world["visit"], by=a2)
    with pytest.raises(PermissionDenied):
        visit_update(visit=world["visit"], by=world["mm_a"], feeling="不错")
    with pytest.raises(PermissionDenied):
        visit_record_check(
            visit=world["visit"], by=a2, kind="inventory", sku_id=world["sku"].pk, value="3"
        )


# --- check-in and check-out ---------------------------------------------------------------


def test_check_out_before_check_in_is_refused(world):
    with pytest.raises(NotAllowedNow, match="请先进店签到"):
        visit_check_out(visit=world["visit"], by=world["a1"])
    assert Visit.objects.get().checked_out_at is None


def test_a_visit_under_a_minute_is_flagged_and_not_valid(world, today):
    visit = visit_check_in(visit=world["visit"], by=world["a1"], at=at(today, 9))
    visit = visit_check_out(visit=visit, by=world["a1"], at=at(today, 9, 0, 40))
    assert visit.seconds == 40 and visit.is_short and not visit.is_valid


def test_a_visit_of_a_minute_or_more_is_valid(world, today):
    visit = visit_check_in(visit=world["visit"], by=world["a1"], at=at(today, 9))
    visit = visit_check_out(visit=visit, by=world["a1"], at=at(today, 9, 12))
    assert visit.seconds == 12 * 60 and visit.is_valid and not visit.is_short


def test_checking_in_again_keeps_the_first_time_and_out_again_moves_it_later(world, today):
    a1 = world["a1"]
    visit_check_in(visit=world["visit"], by=a1, at=at(today, 9))
    visit = visit_check_in(visit=world["visit"], by=a1, at=at(today, 10))
    assert visit.checked_in_at == at(today, 9)
    visit_check_out(visit=visit, by=a1, at=at(today, 9, 30))
    visit = visit_check_out(visit=visit, by=a1, at=at(today, 9, 45))
    assert visit.checked_out_at == at(today, 9, 45)


def test_check_in_outside_the_visit_day_is_refused(world, today):
    with pytest.raises(ValidationError, match="拜访当天"):
        visit_check_in(visit=world["visit"], by=world["a1"], at=at(today, 0) - dt.timedelta(1))


# --- method and feeling -------------------------------------------------------------------


def test_method_and_feeling_are_saved_and_bad_ones_refused(world):
    a1, visit = world["a1"], world["visit"]
    visit = visit_update(visit=visit, by=a1, method="phone", feeling="  店主很配合\r\n")
    assert (visit.method, visit.feeling) == ("phone", "店主很配合")
    with pytest.raises(ValidationError, match="拜访方式"):
        visit_update(visit=visit, by=a1, method="teleport")
    with pytest.raises(ValidationError, match="日感受最多"):
        visit_update(visit=visit, by=a1, feeling="很" * 2001)
    assert Visit.objects.get().feeling == "店主很配合"


# --- checks -------------------------------------------------------------------------------


def record(world, kind, value):
    visit_record_check(
        visit=world["visit"], by=world["a1"], kind=kind, sku_id=world["sku"].pk, value=value
    )


@pytest.mark.parametrize(
    ("kind", "model", "field", "first", "second", "expected"),
    [
        ("shelf", ShelfCheck, "on_shelf", "1", "0", False),
        ("inventory", InventoryCheck, "quantity", "12", "8", 8),
        ("price", PriceCheck, "price", "150", "148.50", Decimal("148.50")),
    ],
)
def test_a_check_saved_again_is_corrected_and_empty_clears_it(
    world, kind, model, field, first, second, expected
):
    record(world, kind, first)
    record(world, kind, second)
    rows = model.objects.filter(customer=world["customer"], sku=world["sku"])
    assert list(rows.values_list(field, flat=True)) == [expected]
    record(world, kind, "")
    assert not rows.exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("inventory", "abc", "库存请填写整数"),
        ("inventory", "-3", "库存请填写整数"),
        ("inventory", "2.5", "库存请填写整数"),
        ("inventory", "100001", "库存须为 0 到 100,000"),
        ("price", "abc", "零售价请填写数字"),
        ("price", "0", "零售价须大于 0"),
        ("price", "150.123", "最多两位小数"),
        ("price", "NaN", "零售价请填写数字"),
        ("shelf", "yes", "请选择是否上柜"),
    ],
)
def test_invalid_checks_are_refused_with_a_message(world, kind, value, message):
    with pytest.raises(ValidationError, match=message):
        record(world, kind, value)
    assert not InventoryCheck.objects.exists() and not PriceCheck.objects.exists()


def test_only_key_skus_are_checked(world):
    ordinary = SkuFactory(is_key_brand=False)
    with pytest.raises(ValidationError, match="重点品牌"):
        visit_record_check(
            visit=world["visit"], by=world["a1"], kind="inventory", sku_id=ordinary.pk, value="3"
        )


def test_market_information_is_one_text_a_day(world):
    a1, visit = world["a1"], world["visit"]
    visit_record_market_info(visit=visit, by=a1, content="对面新开一家便利店")
    visit_record_market_info(visit=visit, by=a1, content="对面新开一家便利店，价格低")
    assert list(MarketInfo.objects.values_list("content", flat=True)) == [
        "对面新开一家便利店，价格低"
    ]
    visit_record_market_info(visit=visit, by=a1, content="  ")
    assert not MarketInfo.objects.exists()


# --- marks and temporary tasks ------------------------------------------------------------


def test_a_planned_action_goes_from_star_outline_to_star_and_back(world):
    action = MarketingActionFactory(cycle=world["cycle"], customer=world["customer"])
    assert action.mark == "☆"
    done = action_mark(action=action, by=world["a1"], done=True, visit=world["visit"])
    assert done.mark == "★" and done.done_visit == world["visit"]
    undone = action_mark(action=done, by=world["a1"], done=False)
    assert undone.mark == "☆" and undone.done_visit is None


def test_a_temporary_task_is_added_as_a_dot_and_marked_done_and_back(world, today):
    task = temporary_task_add(visit=world["visit"], by=world["a1"], text="  店主要求 调整陈列 ")
    assert (task.text, task.mark, task.visit_date) == ("店主要求 调整陈列", "●", today)
    assert task.customer == world["customer"] and task.cycle == world["cycle"]
    assert action_mark(action=task, by=world["a1"], done=True).mark == "★"
    assert action_mark(action=task, by=world["a1"], done=False).mark == "●"


def test_a_temporary_task_needs_words_and_not_too_many(world):
    with pytest.raises(ValidationError, match="请填写临时任务内容"):
        temporary_task_add(visit=world["visit"], by=world["a1"], text="   ")
    with pytest.raises(ValidationError, match="最多 300 字"):
        temporary_task_add(visit=world["visit"], by=world["a1"], text="字" * 301)
    assert not MarketingAction.objects.exists()


def test_marks_by_someone_else_or_with_another_customers_visit_are_refused(world, today):
    action = MarketingActionFactory(cycle=world["cycle"], customer=world["customer"])
    with pytest.raises(PermissionDenied):
        action_mark(action=action, by=world["cm"]["a2"], done=True)
    other = CustomerFactory(manager=world["a1"])
    other_visit = visit_open(customer_id=other.pk, by=world["a1"], date=today)
    with pytest.raises(PermissionDenied):
        action_mark(action=action, by=world["a1"], done=True, visit=other_visit)
    assert MarketingAction.objects.get().done_at is None


def test_a_removed_action_cannot_be_marked(world):
    action = MarketingActionFactory(
        cycle=world["cycle"], customer=world["customer"], removed_at=timezone.now()
    )
    with pytest.raises(NotAllowedNow, match="已删除"):
        action_mark(action=action, by=world["a1"], done=True)


# --- a closed month -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [PlanStatus.SUBMITTED, PlanStatus.APPROVED])
def test_a_month_whose_results_are_submitted_refuses_every_write(world, today, status):
    a1, visit, sku = world["a1"], world["visit"], world["sku"]
    action = MarketingActionFactory(cycle=world["cycle"], customer=world["customer"])
    world["cycle"].evaluation_status = status
    world["cycle"].save()
    writes = [
        lambda: visit_open(customer_id=world["customer"].pk, by=a1, date=today),
        lambda: visit_check_in(visit=visit, by=a1),
        lambda: visit_check_out(visit=visit, by=a1),
        lambda: visit_update(visit=visit, by=a1, feeling="晚了"),
        lambda: visit_record_check(visit=visit, by=a1, kind="shelf", sku_id=sku.pk, value="1"),
        lambda: visit_record_market_info(visit=visit, by=a1, content="晚了"),
        lambda: action_mark(action=action, by=a1, done=True),
        lambda: temporary_task_add(visit=visit, by=a1, text="晚了"),
    ]
    for write in writes:
        with pytest.raises(NotAllowedNow, match="不能再修改"):
            write()
    visit.refresh_from_db()
    action.refresh_from_db()
    assert visit.checked_in_at is None and visit.feeling == "" and action.done_at is None
    assert not ShelfCheck.objects.exists() and not MarketInfo.objects.exists()
    assert MarketingAction.objects.count() == 1


def test_a_rejected_evaluation_opens_the_month_again(world):
    world["cycle"].evaluation_status = PlanStatus.REJECTED
    world["cycle"].save()
    assert visit_update(visit=world["visit"], by=world["a1"], feeling="补充").feeling == "补充"
