"""The measured effect of the standard actions (issue #17 points 1, 2, 5): with hand-made data
whose effect is known, the stored rows and the export give it within the interval; fewer than
10 treated say "not enough data"; a rerun gives identical rows; the hook computes them after
the month's warnings; the pages show them."""

import csv
import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.utils import timezone

from cycle.models import ActionEffect, ActionOutcome, StandardAction, StoredWarning, WarningRule
from cycle.strategy.did import did_estimate
from cycle.strategy.effects import action_effects_compute
from reports.services import indicators_compute
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    MarketingActionFactory,
    OrderLineFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db

F = dt.date(2026, 9, 1)  # the data month flagged (the analysis of October's plan)
A = dt.date(2026, 10, 1)  # the month the actions were done
OFFSETS = list(range(-19, 20, 2))  # 20 volumes' noise, summing to 0


def on_commit(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def _world(two_teams, *, treated: int, lift: int = 30, controls: int = 20):
    """``treated`` + ``controls`` customers of one class (tier 12, convenience), each
    flagged by growth_vs_class in F with a growth index of 0.7; each sold 100 cartons in F,
    and in A 100 (+ noise) — the treated ``lift`` more. A large customer of the class, not
    flagged, takes the difference, so the class grows by exactly 1: the treated customers'
    growth index rises by lift / 100 more than the controls'."""
    rule = WarningRule.objects.get(code="growth_vs_class")
    action = StandardAction.objects.get(code="visit_analyse")
    sku = SkuFactory(code="S1", name="测试烟", retail_price=Decimal(100))
    cms = [two_teams["cm"]["a1"], two_teams["cm"]["a2"]]
    flagged = []
    for i in range(treated + controls):
        manager = cms[i % 2]
        customer = CustomerFactory(manager=manager, code=f"E{i:03d}", tier=12)
        noise = OFFSETS[i % len(OFFSETS)] if i < treated else OFFSETS[(i - treated) % 20]
        after = 100 + noise + (lift if i < treated else 0)
        OrderLineFactory(customer=customer, sku=sku, order_date=F.replace(day=5), quantity=100)
        OrderLineFactory(customer=customer, sku=sku, order_date=A.replace(day=5), quantity=after)
        StoredWarning.objects.create(
            month=F,
            manager=manager,
            customer=customer,
            rule=rule,
            numbers={"ratio": 0.7, "customer_growth": 0.7, "class_growth": 1.0},
            message="成长低于同类",
        )
        cycle = CycleFactory(manager=manager, month=A)
        done = timezone.make_aware(dt.datetime(2026, 10, 12, 10)) if i < treated else None
        MarketingActionFactory(
            cycle=cycle, customer=customer, standard_action=action, rule=rule, done_at=done
        )
        flagged.append(customer)
    big = CustomerFactory(manager=cms[0], code="E-big", tier=12)
    total_f = 100 * (treated + controls) + 10_000
    total_a = (
        sum(100 + (lift if i < treated else 0) for i in range(treated + controls))
        + sum(OFFSETS[i % 20] for i in range(treated))
        + sum(OFFSETS[i % 20] for i in range(controls))
    )
    OrderLineFactory(customer=big, sku=sku, order_date=F.replace(day=5), quantity=10_000)
    OrderLineFactory(customer=big, sku=sku, order_date=A.replace(day=5), quantity=total_f - total_a)
    # two_teams' own customers (tier 12, convenience too) sell nothing in F: no growth index
    return {"rule": rule, "action": action, "flagged": flagged}


def _export(tmp_path, name="out.csv", **options) -> list[dict]:
    path = tmp_path / name
    call_command("export_action_effects", "--month", "2026-10", "-o", str(path), **options)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_known_effect_is_measured_and_exported_within_its_interval(two_teams, tmp_path):
    world = _world(two_teams, treated=20)
    on_commit(indicators_compute, month=A)  # the hook: warnings of A, then effects of A
    row = ActionEffect.objects.get(
        month=A, rule=world["rule"], action=world["action"], scope_type="company"
    )
    assert (row.flagged, row.planned, row.done) == (40, 40, 20)
    assert (row.treated, row.controls) == (20, 20)
    assert row.effect == Decimal("0.3000")
    assert row.treated_mean_change == Decimal("0.6000")  # 0.7 → 1.3
    assert row.control_mean_change == Decimal("0.3000")  # 0.7 → 1.0
    assert row.ci_low < Decimal("0.3") < row.ci_high
    assert row.ci_high - row.ci_low < Decimal("0.15")  # the noise is small

    [exported] = _export(tmp_path)
    assert list(exported) == [
        "month",
        "rule_code",
        "action_code",
        "treated",
        "controls",
        "treated_mean_change",
        "control_mean_change",
        "effect",
        "ci_low",
        "ci_high",
    ]
    assert exported["month"] == "2026-10"
    assert (exported["rule_code"], exported["action_code"]) == ("growth_vs_class", "visit_analyse")
    assert (exported["treated"], exported["controls"]) == ("20", "20")
    assert exported["effect"] == "0.3000"
    assert float(exported["ci_low"]) <= 0.3 <= float(exported["ci_high"])
    assert len(exported["ci_low"].split(".")[1]) == 4

    # each manager's treated customers against the company's controls; the team the same
    a1 = _export(tmp_path, "a1.csv", scope="manager:a1")[0]
    assert (a1["treated"], a1["controls"]) == ("10", "20")
    assert float(a1["ci_low"]) <= 0.3 <= float(a1["ci_high"])
    team = _export(tmp_path, "ta.csv", scope="team:TA")[0]
    assert team["effect"] == "0.3000" and team["treated"] == "20"
    assert _export(tmp_path, "b1.csv", scope="manager:b1") == []  # nothing done


def test_the_treated_customers_keep_before_and_after(two_teams):
    world = _world(two_teams, treated=20)
    indicators_compute(month=A)
    action_effects_compute(month=A)
    outcomes = ActionOutcome.objects.filter(month=A)
    assert outcomes.count() == 20
    first = outcomes.get(customer=world["flagged"][0])
    assert first.before == Decimal("0.7000")
    assert first.after == Decimal("1.1100")  # (100 − 19 + 30) / 100, the class grew by 1


def test_nine_treated_customers_are_not_enough_data(two_teams, tmp_path):
    world = _world(two_teams, treated=9)
    indicators_compute(month=A)
    action_effects_compute(month=A)
    row = ActionEffect.objects.get(
        month=A, rule=world["rule"], action=world["action"], scope_type="company"
    )
    assert (row.treated, row.controls, row.done) == (9, 20, 9)
    assert row.effect is None and row.ci_low is None and row.treated_mean_change is None
    [exported] = _export(tmp_path)
    assert exported["treated"] == "9"
    for column in ("treated_mean_change", "control_mean_change", "effect", "ci_low", "ci_high"):
        assert exported[column] == ""


def test_a_rerun_gives_identical_rows(two_teams, tmp_path):
    _world(two_teams, treated=14, lift=10)
    indicators_compute(month=A)
    action_effects_compute(month=A)
    fields = [
        "rule_id",
        "action_id",
        "scope_type",
        "scope_key",
        "treated",
        "controls",
        "effect",
        "ci_low",
        "ci_high",
    ]
    first = list(ActionEffect.objects.order_by(*fields[:4]).values_list(*fields))
    first_file = (tmp_path / "1.csv", _export(tmp_path, "1.csv"))
    action_effects_compute(month=A)
    assert list(ActionEffect.objects.order_by(*fields[:4]).values_list(*fields)) == first
    assert ActionOutcome.objects.filter(month=A).count() == 14  # replaced, not added
    assert _export(tmp_path, "2.csv") == first_file[1]
    assert (tmp_path / "2.csv").read_bytes() == first_file[0].read_bytes()


def test_the_export_refuses_a_bad_month_or_scope(two_teams, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("export_action_effects", "--month", "2026-13", "-o", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="尚未计算"):
        call_command("export_action_effects", "--month", "2026-10", "-o", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="团队"):
        call_command(
            "export_action_effects", "--month", "2026-10", "--scope", "team:NOPE", "-o", "x"
        )


def test_the_xlsx_export_has_the_same_columns(two_teams, tmp_path):
    from openpyxl import load_workbook

    _world(two_teams, treated=20)
    indicators_compute(month=A)
    action_effects_compute(month=A)
    path = tmp_path / "effects.xlsx"
    out = io.StringIO()
    call_command("export_action_effects", "--month", "2026-10", "-o", str(path), stdout=out)
    sheet = load_workbook(path).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("month", "rule_code", "action_code")
    assert rows[1][7] == pytest.approx(0.3)


# --- the statistics alone -------------------------------------------------------------------


def test_did_compares_within_classes_only():
    rng = np.random.default_rng(1)
    treated = 1.0 + rng.normal(0, 0.1, 30)
    controls_same = 0.5 + rng.normal(0, 0.1, 30)
    controls_other = 5.0 + rng.normal(0, 0.1, 30)  # another class: left out
    estimate = did_estimate(
        treated,
        np.array(["D|便利店"] * 30),
        np.concatenate([controls_same, controls_other]),
        np.array(["D|便利店"] * 30 + ["A|超市"] * 30),
        seed=7,
    )
    assert (estimate.treated, estimate.controls) == (30, 30)
    assert estimate.ci_low < 0.5 < estimate.ci_high
    again = did_estimate(
        treated,
        np.array(["D|便利店"] * 30),
        np.concatenate([controls_same, controls_other]),
        np.array(["D|便利店"] * 30 + ["A|超市"] * 30),
        seed=7,
    )
    assert again == estimate


def test_did_weights_the_controls_by_the_treated_of_each_class():
    # class x: treated change 1, controls 0; class y: treated 11, controls 10 — effect 1 in both,
    # though a pooled mean of the controls would say otherwise
    treated = np.array([1.0] * 10 + [11.0] * 30)
    controls = np.array([0.0] * 30 + [10.0] * 10)
    estimate = did_estimate(
        treated,
        np.array(["x"] * 10 + ["y"] * 30),
        controls,
        np.array(["x"] * 30 + ["y"] * 10),
        seed=1,
    )
    assert estimate.effect == pytest.approx(1.0)
    assert estimate.ci_low == pytest.approx(1.0) and estimate.ci_high == pytest.approx(1.0)


# --- where people see them ------------------------------------------------------------------


@pytest.fixture
def measured(two_teams):
    world = _world(two_teams, treated=20)
    indicators_compute(month=A)
    action_effects_compute(month=A)
    return two_teams | world


def test_the_evaluation_page_shows_last_months_effects(
    client, measured, django_assert_max_num_queries
):
    client.force_login(measured["cm"]["a1"])
    with django_assert_max_num_queries(60):
        page = client.get("/plans/a1/2026-11/evaluation/")
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('id="effects"') :]
    assert "上月动作效果" in html
    assert "客户预警：成长低于同类客户 · 走访了解经营变化，帮助分析原因" in section
    assert "10/20" in section  # a1's treated, the company's controls
    assert "+0.30" in section and "有效" in section  # the company column
    # a month whose previous month has no effects says so
    page = client.get("/plans/a1/2026-10/evaluation/")
    assert "上月动作效果尚未计算" in page.content.decode()


def test_the_customer_page_shows_what_changed_after_the_action(client, measured):
    customer = measured["flagged"][0]
    client.force_login(measured["cm"]["a1"])
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    section = html[html.index('id="outcomes"') :]
    assert "动作与变化" in html and "2026-10" in section
    assert "0.70" in section and "1.11" in section and "+0.41" in section and "好转" in section
    untreated = measured["flagged"][-1]
    assert 'id="outcomes"' not in client.get(f"/customers/{untreated.pk}/").content.decode()


def test_the_strategy_library_lists_rules_and_actions_with_their_effect(
    client, measured, django_assert_max_num_queries
):
    client.force_login(measured["admin"])
    with django_assert_max_num_queries(25):
        page = client.get("/strategy/?o=-effect")
    html = page.content.decode()
    assert page.status_code == 200
    table = html[html.index('id="library"') :]
    assert "客户预警：成长低于同类" in table and "走访了解经营变化" in table
    assert "+0.30" in table and "2026-10，20/20 户" in table
    assert 'aria-sort="descending"' in table
    assert '<svg class="chart chart-intervals"' in html and "+0.30 [" in html
    assert 'href="/rules/growth_vs_class/"' in table  # the rule's tuning page
    # a team's rows; the market manager of team A sees their team, the company by default
    client.force_login(measured["mm_a"])
    html = client.get("/strategy/?scope=team:TA").content.decode()
    assert "营销部" in html and "+0.30" in html
    html = client.get("/strategy/?scope=team:TB").content.decode()  # not theirs: the company
    assert "全公司 · " in html


def test_the_strategy_library_is_for_market_managers_and_admins(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    assert client.get("/strategy/").status_code == 403
    client.force_login(two_teams["admin"])
    assert "还没有动作效果" in client.get("/strategy/").content.decode()


def test_the_demo_data_has_a_real_effect_and_none(client):
    """After seed_demo, last month's plan has measured effects: the growth warnings' visits
    work (the interval above zero), other actions show none (an interval across zero); the
    pages show them."""
    from core.months import previous_month

    on_commit(call_command, "seed_demo", "--months", "3", stdout=io.StringIO())
    last = previous_month()
    company = ActionEffect.objects.filter(month=last, scope_type="company")
    real = company.get(rule__code="growth_vs_class", action__code="visit_analyse")
    assert real.treated >= 50 and real.ci_low > 0
    assert company.filter(effect__isnull=False, ci_low__lt=0, ci_high__gt=0).exists()
    assert ActionOutcome.objects.filter(month=last).exists()
    from accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    html = client.get("/strategy/").content.decode()
    assert "客户预警：成长低于同类客户" in html and "有效" in html and "不明显" in html
