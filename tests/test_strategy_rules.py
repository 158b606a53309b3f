"""The warning rules of the strategy library (DESIGN.md §4 step 1), on a fixture worked out by
hand. Month M = 2026-10, M−1 = 2026-09; only M is computed (M−1 never is).

Teams TA (customer managers a1, a2) and TB (b1). SKUs: k1 key retail 200, k2 key retail 100,
n1 retail 135, nr without a retail price, kd key but discontinued.

Volumes (vol M−1 → vol M, cartons), class = tier band × business format:
  11–15档·便利店   at08 100 → 88, below 100 → 87, fill1 (b1) 800 → 925, gone (inactive) 1000 → 100
                   class of the active ones: 1000 → 1100, index 1.1
                   at08 0.88 ÷ 1.1 = 0.8 (0.7999999999999999 in floats): not flagged
                   below 0.87 ÷ 1.1 = 0.7909: flagged (with gone counted the class would be
                   0.6 and nobody flagged)
  16–20档·便利店   sign 100 → 90 (−10 %), fill2 (b1) 900 → 610; class 0.7 (−30 %):
                   0.9 ÷ 0.7 = 1.2857, not flagged although the customer fell
  6–10档·食杂店     drop20 100 → 80 (−20 %: not flagged), drop21 100 → 79 (−21 %: flagged)
                   class 200 → 159 = 0.795: 1.006 and 0.994, no growth flag
  26–30档·烟酒店   big 1500 → 1200 (large, falling; −20 % exactly), big_up 1500 → 1600,
                   edge 1000 → 900 (not over 1000), stopped 1200 → 0 (its vol M−1 cannot be
                   recovered from the stored −100 % and is read from the order lines);
                   class 5200 → 3700 = 0.7115: stopped 0 ÷ 0.7115 = 0 flagged
  1–5档·其他       the check and forecast customers below, no volume in M−1
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cycle.models import StandardAction, WarningRule
from cycle.strategy.engine import (
    IndicatorsMissing,
    SkippedRule,
    warnings_evaluate,
    warnings_summary,
)
from reports.services import indicators_compute
from tests.factories import SHANGHAI as SH
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    ForecastFactory,
    InventoryCheckFactory,
    OrderLineFactory,
    PriceCheckFactory,
    ShelfCheckFactory,
    SkuFactory,
    TeamFactory,
    WarningRuleFactory,
)

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)
P = dt.date(2026, 9, 1)
approx = pytest.approx

CLASSES = {
    "D_conv": (12, "convenience"),
    "C_conv": (18, "convenience"),
    "E_groc": (8, "grocery"),
    "A_liq": (28, "tobacco_liquor"),
    "F_other": (3, "other"),
}


def at(*parts):
    """An Asia/Shanghai local time."""
    return dt.datetime(*parts, tzinfo=SH)


@pytest.fixture(autouse=True)
def no_visit_source(settings):
    """This world records no visits: with the real source every customer would also be
    flagged ``no_visit``, so the rule is left without a source here; the tests of that rule
    plug one in (tests/test_visit_indicators.py tests the real one)."""
    settings.CYCLE_VISIT_SOURCE = ""


@pytest.fixture
def world():
    ta, tb = TeamFactory(code="TA"), TeamFactory(code="TB")
    cm = {
        "a1": CustomerManagerFactory(username="a1", team=ta),
        "a2": CustomerManagerFactory(username="a2", team=ta),
        "b1": CustomerManagerFactory(username="b1", team=tb),
    }
    s = {
        "k1": SkuFactory(code="K1", name="玉溪(软)", is_key_brand=True, retail_price=Decimal(200)),
        "k2": SkuFactory(code="K2", name="云烟(紫)", is_key_brand=True, retail_price=Decimal(100)),
        "n1": SkuFactory(code="N1", name="红塔山", retail_price=Decimal(135)),
        "nr": SkuFactory(code="NR", name="无价规格", retail_price=None),
        "kd": SkuFactory(code="KD", name="停销重点", is_key_brand=True, status="discontinued"),
    }
    c = {}

    def customer(key, klass, manager="a1", status="active"):
        tier, business_format = CLASSES[klass]
        c[key] = CustomerFactory(
            code=f"C-{key}",
            name=f"客户{key}",
            manager=cm[manager],
            tier=tier,
            business_format=business_format,
            status=status,
        )
        return c[key]

    def volumes(key, before, now, sku="n1"):
        for month, quantity in ((P, before), (M, now)):
            if quantity:
                OrderLineFactory(
                    customer=c[key],
                    sku=s[sku],
                    order_date=month.replace(day=10),
                    quantity=quantity,
                    requested_quantity=quantity,
                    amount=Decimal(quantity) * 100,
                )

    for key, klass, manager, before, now in [
        ("at08", "D_conv", "a1", 100, 88),
        ("below", "D_conv", "a1", 100, 87),
        ("fill1", "D_conv", "b1", 800, 925),
        ("sign", "C_conv", "a1", 100, 90),
        ("fill2", "C_conv", "b1", 900, 610),
        ("drop20", "E_groc", "a1", 100, 80),
        ("drop21", "E_groc", "a1", 100, 79),
        ("big", "A_liq", "a1", 1500, 1200),
        ("big_up", "A_liq", "a1", 1500, 1600),
        ("edge", "A_liq", "a1", 1000, 900),
        ("stopped", "A_liq", "a1", 1200, 0),
    ]:
        customer(key, klass, manager)
        volumes(key, before, now)

    # inactive: would be flagged by every rule, and would sink its class index to 0.6
    customer("gone", "D_conv", status="inactive")
    volumes("gone", 1000, 100)
    ShelfCheckFactory(customer=c["gone"], sku=s["k1"], observed_at=at(2026, 10, 9), on_shelf=False)
    PriceCheckFactory(customer=c["gone"], sku=s["k2"], observed_at=at(2026, 10, 9), price=150)
    InventoryCheckFactory(
        customer=c["gone"], sku=s["n1"], observed_at=at(2026, 10, 9), quantity=900
    )
    ForecastFactory(customer=c["gone"], month=M, quantity=500)

    # shelf checks: the latest up to the end of M (local time) counts
    customer("shelves", "F_other")
    for sku, when, on_shelf in [
        ("k1", at(2026, 10, 20, 10), False),  # flagged
        ("k2", at(2026, 10, 5, 10), False),  # an older "off" …
        ("k2", at(2026, 10, 25, 10), True),  # … followed by a newer "on"
        ("n1", at(2026, 10, 10, 10), False),  # not a key SKU
        ("kd", at(2026, 10, 10, 10), False),  # key, but no longer on sale
    ]:
        ShelfCheckFactory(customer=c["shelves"], sku=s[sku], observed_at=when, on_shelf=on_shelf)
    customer("shelves2", "F_other")
    for sku, when, on_shelf in [
        ("k1", at(2026, 9, 15, 10), False),  # last check before M: still the last one
        ("k2", at(2026, 10, 31, 23, 30), True),  # M, local time
        ("k2", at(2026, 11, 1, 0, 30), False),  # 16:30 UTC on 31 October, but November here
    ]:
        ShelfCheckFactory(customer=c["shelves2"], sku=s[sku], observed_at=when, on_shelf=on_shelf)

    # inventory: the latest check in M ÷ the SKU's volume in M
    customer("stock", "F_other")
    for sku in ("k1", "n1", "k2"):
        volumes("stock", 0, 10, sku=sku)
    for sku, when, quantity in [
        ("k1", at(2026, 10, 28, 10), 20),  # 2.0: not flagged
        ("n1", at(2026, 10, 28, 10), 21),  # 2.1: flagged
        ("k2", at(2026, 10, 5, 10), 50),  # superseded by …
        ("k2", at(2026, 10, 28, 10), 15),  # … 1.5
        ("nr", at(2026, 10, 20, 10), 5),  # no volume in M: ratio empty
    ]:
        InventoryCheckFactory(customer=c["stock"], sku=s[sku], observed_at=when, quantity=quantity)
    customer("stock_old", "F_other")
    volumes("stock_old", 0, 10, sku="k1")
    InventoryCheckFactory(
        customer=c["stock_old"], sku=s["k1"], observed_at=at(2026, 9, 20), quantity=100
    )
    InventoryCheckFactory(
        customer=c["stock_old"], sku=s["k1"], observed_at=at(2026, 11, 1, 0, 30), quantity=999
    )

    # prices: the latest check in M against the suggested retail price
    customer("price", "F_other")
    for sku, when, price in [
        ("k1", at(2026, 10, 10), 210),  # +5 %: not flagged
        ("k2", at(2026, 10, 10), 106),  # +6 %: flagged
        ("n1", at(2026, 10, 3), 150),  # +11 %, superseded by …
        ("n1", at(2026, 10, 25), 135),  # … the suggested price
        ("nr", at(2026, 10, 10), 999),  # no suggested price
    ]:
        PriceCheckFactory(customer=c["price"], sku=s[sku], observed_at=when, price=Decimal(price))
    customer("price_old", "F_other")
    PriceCheckFactory(customer=c["price_old"], sku=s["k2"], observed_at=at(2026, 9, 28), price=150)

    # forecasts against the requested quantity of M
    for key, requested, forecast in [
        ("fc_over", 100, 131),  # +31 %: flagged
        ("fc_at", 100, 70),  # −30 %: not flagged
        ("fc_zero", 0, 5),  # nothing requested but a forecast: flagged
        ("fc_nil", 0, 0),  # nothing either way
        ("fc_none", 50, None),  # no forecast
    ]:
        customer(key, "F_other")
        if requested:
            OrderLineFactory(
                customer=c[key],
                sku=s["n1"],
                order_date=dt.date(2026, 10, 12),
                quantity=requested - 10,
                requested_quantity=requested,
                amount=Decimal(100),
            )
        if forecast is not None:
            ForecastFactory(customer=c[key], month=M, quantity=forecast)

    # another manager's customer in the same team
    customer("other", "F_other", manager="a2")
    ShelfCheckFactory(customer=c["other"], sku=s["k1"], observed_at=at(2026, 10, 9), on_shelf=False)

    assert indicators_compute(month=M).status == "succeeded"
    return {"c": c, "s": s, "cm": cm}


def flagged(warnings, rule):
    return {w.customer_code.removeprefix("C-") for w in warnings if w.rule_code == rule}


def one(warnings, rule, key):
    [found] = [w for w in warnings if w.rule_code == rule and w.customer_code == f"C-{key}"]
    return found


def test_growth_index_at_threshold_is_not_flagged_below_is(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert flagged(warnings, "growth_vs_class") == {"below", "stopped"}
    below = one(warnings, "growth_vs_class", "below")
    assert below.numbers == {
        "volume": 87,
        "volume_before": 100,
        "customer_growth": approx(0.87),
        "class_volume": 1100,
        "class_volume_before": 1000,
        "class_growth": approx(1.1),
        "ratio": approx(0.87 / 1.1),
        "class_customers": 3,  # at08, below, fill1 (another team's); not the inactive one
        "tier_band": "D",
        "business_format": "convenience",
        "threshold": 0.8,
    }
    assert below.message == (
        "销量环比指数 0.87（本月 87 条，上月 100 条），同类客户（11–15档·便利店）为 1.10，"
        "相对成长 0.79，低于 0.8"
    )
    assert below.severity == "high"
    assert below.suggestion == "走访了解经营变化，帮助分析原因并制定提升措施"
    assert below.action_code == "visit_analyse"
    assert below.sku_id is None
    stopped = one(warnings, "growth_vs_class", "stopped")
    assert stopped.numbers["customer_growth"] == 0
    assert stopped.numbers["ratio"] == 0
    assert stopped.numbers["class_growth"] == approx(3700 / 5200)


def test_growth_indices_keep_their_sign(world):
    """−10 % against a class at −30 %: growth rates would give (−0.1)/(−0.3) = 0.33 < 0.8;
    growth indices give 0.9 / 0.7 = 1.29: the customer did better than its class."""
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert "sign" not in flagged(warnings, "growth_vs_class")
    assert not [w for w in warnings if w.customer_code == "C-sign"]


def test_volume_drop_over_twenty_percent(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    # drop20 and big fell exactly 20 %
    assert flagged(warnings, "volume_drop") == {"drop21", "stopped"}
    drop21 = one(warnings, "volume_drop", "drop21")
    assert drop21.numbers == {
        "volume": 79,
        "volume_before": 100,
        "drop": approx(0.21),
        "threshold": 0.2,
    }
    assert drop21.message == "本月销量 79 条，上月 100 条，环比下降 21.0%，超过 20%"
    # vol(M−1) of a customer without any volume in M comes from its order lines
    stopped = one(warnings, "volume_drop", "stopped")
    assert stopped.numbers == {"volume": 0, "volume_before": 1200, "drop": 1.0, "threshold": 0.2}


def test_large_customer_falling(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    # big_up grew; edge had exactly 1000 (not over 1000)
    assert flagged(warnings, "large_customer_falling") == {"big", "stopped"}
    big = one(warnings, "large_customer_falling", "big")
    assert big.numbers == {
        "volume": 1200,
        "volume_before": 1500,
        "change": approx(-0.2),
        "threshold": 1000.0,
    }
    assert big.message == "大客户销量下滑：上月 1500 条（超过 1000 条），本月 1200 条，环比 -20.0%"
    assert big.suggestion == "重点走访大客户，稳定经营、挽回销量"


def test_key_sku_not_on_shelf_at_the_last_check(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    found = {
        (w.customer_code, w.sku_code, w.numbers["checked_on"])
        for w in warnings
        if w.rule_code == "key_sku_not_on_shelf"
    }
    assert found == {("C-shelves", "K1", "2026-10-20"), ("C-shelves2", "K1", "2026-09-15")}
    shelves = one(warnings, "key_sku_not_on_shelf", "shelves")
    assert shelves.sku_id == world["s"]["k1"].pk
    assert shelves.sku_name == "玉溪(软)"
    assert shelves.message == "重点规格 玉溪(软) 在最近一次陈列检查（2026-10-20）时未上柜"
    assert shelves.suggestion == "指导上柜陈列"
    assert shelves.numbers == {"checked_on": "2026-10-20"}  # no threshold for this kind


def test_inventory_over_two_months_of_sales(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    found = [w for w in warnings if w.rule_code == "inventory_high"]
    assert [(w.customer_code, w.sku_code) for w in found] == [("C-stock", "N1")]
    assert found[0].numbers == {"stock": 21, "volume": 10, "ratio": approx(2.1), "threshold": 2.0}
    assert found[0].message == "红塔山 库存 21 条，当月销量 10 条，存销比 2.10，超过 2 个月的销量"
    assert found[0].suggestion == "指导控制进货、加快动销"


def test_price_more_than_five_percent_above_retail(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    found = [w for w in warnings if w.rule_code == "price_above_retail"]
    assert [(w.customer_code, w.sku_code) for w in found] == [("C-price", "K2")]
    assert found[0].numbers == {
        "price": 106.0,
        "retail_price": 100.0,
        "premium": approx(0.06),
        "threshold": 0.05,
    }
    assert found[0].message == (
        "云烟(紫) 零售价 106.00 元/条，高于建议零售价 100.00 元/条 6.0%（超过 5%）"
    )
    assert found[0].suggestion == "宣传明码标价、引导合理定价"


def test_forecast_error_over_thirty_percent(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert flagged(warnings, "forecast_error") == {"fc_over", "fc_zero"}
    over = one(warnings, "forecast_error", "fc_over")
    assert type(over.numbers["forecast"]) is int
    assert over.numbers == {
        "forecast": 131,
        "requested": 100,
        "error": approx(0.31),
        "threshold": 0.3,
    }
    assert over.message == "需求预测 131 条，实际需求 100 条，预测偏差 +31.0%（阈值 ±30%）"
    zero = one(warnings, "forecast_error", "fc_zero")
    assert zero.numbers == {"forecast": 5, "requested": 0, "error": None, "threshold": 0.3}
    assert zero.message == "需求预测 5 条，实际需求 0 条，预测偏差 —（阈值 ±30%）"


def test_no_visit_is_skipped_with_a_reason_while_there_are_no_visits(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert not [w for w in warnings if w.rule_code == "no_visit"]
    [skipped] = warnings.skipped
    assert isinstance(skipped, SkippedRule)
    assert (skipped.code, skipped.name) == ("no_visit", "当月未拜访")
    assert "尚无拜访记录数据" in skipped.reason
    assert WarningRule.objects.get(code="no_visit").is_active


SEEN = {}


def visits_of_a_few(*, customer_ids, month):
    SEEN["call"] = (sorted(customer_ids), month)
    return {SEEN["at08"]: 1, SEEN["below"]: 2}


def test_no_visit_evaluates_against_a_visit_source_once_there_is_one(world, settings):
    c = world["c"]
    SEEN.update(at08=c["at08"].pk, below=c["below"].pk)
    settings.CYCLE_VISIT_SOURCE = f"{__name__}.visits_of_a_few"
    a1_active = {
        key for key, customer in c.items() if customer.manager.username == "a1" and key != "gone"
    }

    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert warnings.skipped == []
    assert SEEN["call"] == (sorted(c[key].pk for key in a1_active), M)
    assert flagged(warnings, "no_visit") == a1_active - {"at08", "below"}
    assert one(warnings, "no_visit", "sign").message == "2026年10月有效拜访 0 次，少于 1 次"

    WarningRule.objects.filter(code="no_visit").update(threshold=2)
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert flagged(warnings, "no_visit") == a1_active - {"below"}
    assert one(warnings, "no_visit", "at08").numbers == {"visits": 1, "threshold": 2.0}


def visited_set(*, customer_ids, month):
    return {SEEN["at08"]}


def test_a_visit_source_may_answer_with_the_set_of_visited_customers(world, settings):
    SEEN.update(at08=world["c"]["at08"].pk)
    settings.CYCLE_VISIT_SOURCE = f"{__name__}.visited_set"
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert "at08" not in flagged(warnings, "no_visit")
    assert "below" in flagged(warnings, "no_visit")
    assert len(flagged(warnings, "no_visit")) == 19


def test_inactive_customers_are_never_flagged(world):
    gone = world["c"]["gone"]
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert gone.pk not in {w.customer_id for w in warnings}


def test_only_the_managers_own_customers_are_evaluated(world):
    c, cm = world["c"], world["cm"]
    a1 = warnings_evaluate(manager=cm["a1"], month=M)
    assert {w.customer_id for w in a1} <= {x.pk for x in c.values() if x.manager == cm["a1"]}
    assert {w.manager_id for w in a1} == {cm["a1"].pk}
    assert len(a1) == 12
    a2 = warnings_evaluate(manager=cm["a2"].pk, month=M)
    assert [(w.rule_code, w.customer_code) for w in a2] == [("key_sku_not_on_shelf", "C-other")]
    b1 = warnings_evaluate(manager=cm["b1"], month=dt.date(2026, 10, 31))
    assert [(w.rule_code, w.customer_code) for w in b1] == [("volume_drop", "C-fill2")]


def test_warnings_are_ordered_by_customer_then_rule(world):
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    stopped = [w.rule_code for w in warnings if w.customer_code == "C-stopped"]
    assert stopped == ["growth_vs_class", "volume_drop", "large_customer_falling"]
    codes = [w.customer_code for w in warnings]
    assert codes == sorted(codes)


def test_a_deactivated_rule_produces_nothing(world):
    WarningRule.objects.filter(code="growth_vs_class").update(is_active=False)
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert flagged(warnings, "growth_vs_class") == set()
    assert flagged(warnings, "volume_drop") == {"drop21", "stopped"}
    assert len(warnings) == 10


def test_editing_a_threshold_changes_the_result(world):
    WarningRule.objects.filter(code="volume_drop").update(threshold=Decimal("0.10"))
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    # sign and edge fell exactly 10 %
    assert flagged(warnings, "volume_drop") == {
        "at08",
        "below",
        "drop20",
        "drop21",
        "big",
        "stopped",
    }
    assert one(warnings, "volume_drop", "at08").message.endswith("环比下降 12.0%，超过 10%")

    WarningRule.objects.filter(code="large_customer_falling").update(threshold=Decimal("999"))
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert flagged(warnings, "large_customer_falling") == {"big", "edge", "stopped"}


def test_editing_a_message_and_adding_a_rule_of_the_same_kind(world):
    WarningRule.objects.filter(code="volume_drop").update(
        message="{customer}（{code}）{month}下降 {drop}，未知 {nope}"
    )
    WarningRuleFactory(
        code="volume_halved",
        name="销量腰斩",
        kind="volume_drop",
        threshold=Decimal("0.5"),
        severity="high",
        message="下降 {drop}",
        action=None,
        suggestion="  立即走访  ",
    )
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert one(warnings, "volume_drop", "drop21").message == (
        "客户drop21（C-drop21）2026年10月下降 21.0%，未知 {nope}"
    )
    halved = one(warnings, "volume_halved", "stopped")
    assert (halved.message, halved.suggestion, halved.action_id) == (
        "下降 100.0%",
        "立即走访",
        None,
    )
    assert flagged(warnings, "volume_halved") == {"stopped"}


def test_a_value_printed_like_its_threshold_gets_more_decimals(world):
    # 79/100 is a 21 % drop; at a threshold of 20.96 % it prints as 21.00 %, not "21.0% > 21.0%"
    WarningRule.objects.filter(code="volume_drop").update(threshold=Decimal("0.2096"))
    warnings = warnings_evaluate(manager=world["cm"]["a1"], month=M)
    assert one(warnings, "volume_drop", "drop21").message.endswith("环比下降 21.00%，超过 20.96%")


def test_summary_counts_per_manager(world):
    cm = world["cm"]
    summary = warnings_summary(managers=[cm["b1"], cm["a1"], cm["a2"]], month=M)
    assert [row.manager_id for row in summary] == [cm["b1"].pk, cm["a1"].pk, cm["a2"].pk]
    b1, a1, a2 = summary
    assert (a1.customers, a1.flagged_customers, a1.warnings) == (20, 10, 12)
    assert a1.by_severity == {"high": 6, "medium": 4, "low": 2}
    assert a1.by_rule == {
        "growth_vs_class": 2,
        "volume_drop": 2,
        "large_customer_falling": 2,
        "key_sku_not_on_shelf": 2,
        "inventory_high": 1,
        "price_above_retail": 1,
        "forecast_error": 2,
    }
    assert (a2.customers, a2.warnings, a2.by_rule) == (1, 1, {"key_sku_not_on_shelf": 1})
    assert (b1.customers, b1.warnings, b1.by_severity["high"]) == (2, 1, 1)
    assert [s.code for s in summary.skipped] == ["no_visit"]
    assert a1.warnings == len(warnings_evaluate(manager=cm["a1"], month=M))


def test_months_without_indicators_raise_a_clear_error(world):
    with pytest.raises(IndicatorsMissing) as error:
        warnings_evaluate(manager=world["cm"]["a1"], month=P)
    assert error.value.month == P
    assert error.value.message.startswith("2026年9月的月度指标尚未计算")
    with pytest.raises(IndicatorsMissing):
        warnings_summary(managers=[world["cm"]["a1"]], month=P)


def test_a_manager_without_customers_has_no_warnings(world):
    lonely = CustomerManagerFactory(username="lonely")
    assert warnings_evaluate(manager=lonely, month=M) == []
    [row] = warnings_summary(managers=[lonely], month=M)
    assert (row.customers, row.warnings, row.by_rule) == (0, 0, {})


# --- the library itself -------------------------------------------------------------------

SEEDED = {
    # code: (kind, threshold, severity, action)
    "growth_vs_class": ("growth_vs_class", Decimal("0.8"), "high", "visit_analyse"),
    "volume_drop": ("volume_drop", Decimal("0.2"), "high", "visit_analyse"),
    "large_customer_falling": (
        "large_customer_falling",
        Decimal("1000"),
        "high",
        "key_customer_visit",
    ),
    "key_sku_not_on_shelf": ("key_sku_not_on_shelf", None, "medium", "guide_shelf_display"),
    "inventory_high": ("inventory_high", Decimal("2"), "medium", "guide_inventory"),
    "price_above_retail": (
        "price_above_retail",
        Decimal("0.05"),
        "medium",
        "promote_price_tagging",
    ),
    "forecast_error": ("forecast_error", Decimal("0.3"), "low", "review_forecast"),
    "no_visit": ("no_visit", Decimal("1"), "medium", "arrange_visit"),
    # issue #16: a low satisfaction score (migration cycle 0007)
    "dissatisfied": ("dissatisfied", Decimal("2"), "high", "visit_listen"),
}


def test_the_first_rules_are_seeded_by_a_data_migration():
    rules = WarningRule.objects.select_related("action").order_by("position")
    assert {r.code: (r.kind, r.threshold, r.severity, r.action.code) for r in rules} == SEEDED
    assert [r.code for r in rules] == list(SEEDED)
    assert all(r.is_active for r in rules)
    for rule in rules:
        rule.full_clean()  # every seeded message uses only its kind's message fields
    assert StandardAction.objects.get(code="guide_shelf_display").name == "指导上柜陈列"
    assert StandardAction.objects.filter(is_active=True).count() == 8  # 7 + visit_listen (#16)


def test_rule_validation():
    rule = WarningRule.objects.get(code="volume_drop")
    rule.message = "下降 {drop}，{ratio}，{__class__}"
    rule.threshold = None
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert set(error.value.message_dict) == {"message", "threshold"}
    assert "{ratio}" in error.value.message_dict["message"][0]
    shelf = WarningRule.objects.get(code="key_sku_not_on_shelf")
    shelf.full_clean()  # this kind needs no threshold


def test_admin_pages_of_the_library(admin_client):
    rule = WarningRule.objects.get(code="growth_vs_class")
    for name in ("warningrule", "standardaction", "cycle"):
        url = reverse(f"admin:cycle_{name}_changelist")
        assert admin_client.get(url).status_code == 200
        assert admin_client.get(url, {"q": "销量"}).status_code == 200
        assert admin_client.get(reverse(f"admin:cycle_{name}_add")).status_code == 200
    page = admin_client.get(reverse("admin:cycle_warningrule_change", args=[rule.pk]))
    assert page.status_code == 200
    assert "{class_growth}" in page.content.decode()
    listing = admin_client.get(reverse("admin:cycle_warningrule_changelist"))
    assert 'name="form-0-threshold"' in listing.content.decode()
    assert 'name="form-0-is_active"' in listing.content.decode()
