"""The strategy engine (cycle/strategy): a rule kind is one spec, registered in one place.

A test-only kind is registered through the engine's registry, a rule of it is stored like an
admin would, and the engine evaluates it with the built-in kinds: its message and numbers
come out without touching the engine."""

import datetime as dt
from decimal import Decimal

import pytest

from cycle.models import WarningRule
from cycle.strategy.engine import warnings_evaluate, warnings_summary
from cycle.strategy.kinds import RuleKind
from cycle.strategy.spec import (
    EPSILON,
    KINDS,
    RuleSkipped,
    Unit,
    message_fields_of,
    rule_kind,
    unknown_message_fields,
    unregister,
)
from cycle.strategy.texts import whole
from reports.services import indicators_compute
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    OrderLineFactory,
    SkuFactory,
    WarningRuleFactory,
)

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)


@pytest.fixture
def small_volume_kind():
    """A kind the product does not have: fewer cartons this month than the threshold."""

    @rule_kind(
        code="test_small_volume",
        label="本月销量偏低（测试）",
        description="本月销量 < 阈值（条）。",
        unit=Unit.CARTONS,
        numbers=("volume", "volume_before"),
        texts={"volume": whole("volume")},
    )
    def small_volume(data, t):
        rows = data.indicators
        return rows[rows["volume"] < t - EPSILON]

    yield small_volume
    unregister("test_small_volume")


@pytest.fixture
def month_of(settings):
    settings.CYCLE_VISIT_SOURCE = ""  # no visits recorded here: no_visit rules are skipped
    WarningRule.objects.update(is_active=False)  # the seeded library is not under test
    manager = CustomerManagerFactory(username="cm1")
    sku = SkuFactory(code="N1", retail_price=Decimal(100))
    customers = {}
    for code, quantity in (("C-small", 30), ("C-big", 300)):
        customers[code] = CustomerFactory(code=code, name=f"客户{code}", manager=manager)
        OrderLineFactory(
            customer=customers[code],
            sku=sku,
            order_date=M.replace(day=12),
            quantity=quantity,
            requested_quantity=quantity,
            amount=Decimal(quantity) * 100,
        )
    assert indicators_compute(month=M).status == "succeeded"
    return manager


def test_the_model_choices_are_the_registered_kinds():
    choices = [code for code, _label in WarningRule._meta.get_field("kind").choices]
    assert choices == list(KINDS) == list(RuleKind.values)
    assert "volume_drop" in choices


def test_a_kind_registered_in_one_place_is_evaluated_with_its_message_and_numbers(
    small_volume_kind, month_of
):
    WarningRuleFactory(
        code="small",
        kind="test_small_volume",
        threshold=Decimal(50),
        message="{customer}（{code}）{month}销量 {volume} 条，低于 {threshold} 条",
    )
    [warning] = warnings_evaluate(manager=month_of, month=M)
    assert warning.customer_code == "C-small"
    assert warning.rule_code == "small"
    assert warning.message == "客户C-small（C-small）2026年10月销量 30 条，低于 50 条"
    assert warning.numbers == {"volume": 30, "volume_before": 0, "threshold": 50.0}
    assert warning.sku_id is None

    [counts] = warnings_summary(managers=[month_of], month=M)
    assert (counts.customers, counts.warnings, counts.by_rule) == (2, 1, {"small": 1})


def test_the_new_kinds_message_fields_come_from_its_spec(small_volume_kind):
    assert message_fields_of("test_small_volume") == (
        "customer",
        "code",
        "month",
        "threshold",
        "volume",
    )
    assert unknown_message_fields("test_small_volume", "{volume} {drop}") == ["drop"]


def test_a_kind_can_skip_its_rules_with_a_reason(month_of):
    @rule_kind(
        code="test_not_yet",
        label="暂不可用（测试）",
        description="数据来源尚未接入。",
        unit=None,
        numbers=(),
        texts={},
    )
    def not_yet(data, t):
        raise RuleSkipped("数据来源尚未接入")

    try:
        WarningRuleFactory(code="later", kind="test_not_yet", threshold=None, message="…")
        result = warnings_evaluate(manager=month_of, month=M)
    finally:
        unregister("test_not_yet")
    assert list(result) == []
    assert [(s.code, s.reason) for s in result.skipped] == [("later", "数据来源尚未接入")]


def test_a_kind_code_is_registered_once(small_volume_kind):
    with pytest.raises(ValueError, match="already registered"):
        rule_kind(
            code="test_small_volume",
            label="重复",
            description="",
            unit=None,
            numbers=(),
            texts={},
        )(lambda data, t: data.indicators)
