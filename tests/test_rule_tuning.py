"""Tuning a warning rule with a preview (issue #17 point 3): the what-if numbers per team are
what the engine flags once that threshold is saved; saving records who, when, old → new and
recomputes the stored warnings; admins save, market managers read their own teams' preview,
nobody else gets in; the admin site's edits are recorded too and link to the page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from cycle.models import StoredWarning, WarningRule, WarningRuleChange, WarningRun
from cycle.selectors.rule_tuning import rule_preview
from cycle.services.errors import NotAllowedNow
from cycle.services.rules import warning_rule_update
from cycle.strategy.store import warnings_compute
from reports.services import indicators_compute
from tests.factories import CustomerFactory, OrderLineFactory, SkuFactory

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)
P = dt.date(2026, 9, 1)


def on_commit(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


@pytest.fixture
def month(two_teams):
    """Customers whose volume fell by 10 %, 30 %, 50 % and 90 % across both teams."""
    sku = SkuFactory(code="S1", name="测试烟", price_class=3)
    cms = two_teams["cm"]
    falls = [("a1", 90), ("a1", 70), ("a2", 50), ("b1", 10), ("b1", 70)]
    for n, (key, now) in enumerate(falls):
        customer = CustomerFactory(manager=cms[key], code=f"C-f{n}", name=f"下滑{n}")
        OrderLineFactory(customer=customer, sku=sku, order_date=P.replace(day=8), quantity=100)
        OrderLineFactory(customer=customer, sku=sku, order_date=M.replace(day=8), quantity=now)
    on_commit(indicators_compute, month=M)
    return two_teams | {"rule": WarningRule.objects.get(code="volume_drop")}


def flagged_per_team(rule_code: str) -> dict[str, int]:
    """Distinct customers with a stored warning of the rule, per team code."""
    rows = StoredWarning.objects.filter(month=M, rule__code=rule_code).values_list(
        "customer_id", "manager__team__code"
    )
    teams: dict[str, set] = {}
    for customer, team in rows:
        teams.setdefault(team, set()).add(customer)
    return {team: len(customers) for team, customers in teams.items()}


@pytest.mark.parametrize("candidate", ["0.05", "0.25", "0.6", "0.95"])
def test_the_preview_per_team_equals_what_the_engine_flags_with_that_threshold(month, candidate):
    rule, admin = month["rule"], month["admin"]
    candidate = Decimal(candidate)
    preview = rule_preview(user=admin, rule=rule, candidate=candidate, month=M)
    shown_now = {row.code: row.now for row in preview.rows}
    shown_new = {row.code: row.new for row in preview.rows}
    # the current column: what is stored now (threshold 0.20)
    assert {k: v for k, v in shown_now.items() if v} == flagged_per_team("volume_drop")
    on_commit(warning_rule_update, rule=rule, by=admin, threshold=candidate)
    assert {k: v for k, v in shown_new.items() if v} == flagged_per_team("volume_drop")
    assert preview.total.new == sum(shown_new.values())


def test_the_preview_numbers_are_customers_by_team(month):
    preview = rule_preview(
        user=month["admin"], rule=month["rule"], candidate=Decimal("0.4"), month=M
    )
    rows = {row.code: (row.customers, row.now, row.new) for row in preview.rows}
    # TA: a1 (C-a1, 90→ -10 %, 70 → -30 %), a2 (C-a2, 50 → -50 %); TB: b1 (10, 70)
    assert rows["TA"] == (5, 2, 1)
    assert rows["TB"] == (3, 2, 1)
    assert preview.total.customers == 8 and preview.seconds >= 0


def test_a_market_manager_previews_only_the_teams_they_lead(month):
    preview = rule_preview(
        user=month["mm_a"], rule=month["rule"], candidate=Decimal("0.4"), month=M
    )
    assert [row.code for row in preview.rows] == ["TA"]


def test_saving_records_who_when_old_and_new_and_recomputes(month):
    rule, admin = month["rule"], month["admin"]
    runs = WarningRun.objects.count()
    on_commit(warning_rule_update, rule=rule, by=admin, threshold=Decimal("0.4"))
    [change] = WarningRuleChange.objects.filter(rule=rule)
    assert (change.field, change.old_value, change.new_value) == ("threshold", "0.2", "0.4")
    assert change.changed_by == admin and change.source == "page" and change.changed_at
    assert str(change.field_label) == "阈值"
    rule.refresh_from_db()
    assert rule.threshold == Decimal("0.4")
    latest = WarningRun.objects.latest("pk")
    assert WarningRun.objects.count() == runs + 1 and latest.trigger == "rules"
    # the same value again: nothing recorded, nothing recomputed
    on_commit(warning_rule_update, rule=rule, by=admin, threshold=Decimal("0.40"))
    assert WarningRuleChange.objects.filter(rule=rule).count() == 1
    assert WarningRun.objects.count() == runs + 1


def test_only_admins_save_and_a_stale_tab_is_refused(month):
    rule = month["rule"]
    with pytest.raises(PermissionDenied):
        warning_rule_update(rule=rule, by=month["mm_a"], threshold=Decimal("0.4"))
    warning_rule_update(rule=rule, by=month["admin"], threshold=Decimal("0.3"))
    with pytest.raises(NotAllowedNow):  # the page showed 0.2
        warning_rule_update(
            rule=rule, by=month["admin"], threshold=Decimal("0.5"), expected=Decimal("0.2")
        )
    rule.refresh_from_db()
    assert rule.threshold == Decimal("0.3")


# --- the page -----------------------------------------------------------------------------


def url(code="volume_drop"):
    return reverse("rules:edit", args=[code])


def test_the_page_shows_the_preview_and_the_history(month, client, django_assert_max_num_queries):
    client.force_login(month["admin"])
    warning_rule_update(rule=month["rule"], by=month["admin"], threshold=Decimal("0.25"))
    with django_assert_max_num_queries(30):
        response = client.get(url(), {"threshold": "0.4", "month": "2026-10"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "当前阈值 25%" in text and "新阈值 40%" in text
    assert "保存：阈值 25% → 40%" in text
    assert "修改记录" in text and "0.25" in text and month["admin"].display_name in text


def test_htmx_gets_only_the_preview_and_writes_nothing(month, client):
    client.force_login(month["admin"])
    response = client.get(
        url(), {"threshold": "0.6", "month": "2026-10"}, headers={"HX-Request": "true"}
    )
    text = response.content.decode()
    assert response.status_code == 200 and 'id="preview"' in text and "<html" not in text
    assert "新阈值 60%" in text
    month["rule"].refresh_from_db()
    assert month["rule"].threshold == Decimal("0.2")
    assert not WarningRuleChange.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "请输入数字"),
        ("-1", "阈值不能小于 0"),
        ("", "该预警条件需要阈值"),
        ("0.12345", "最多 4 位小数"),
    ],
)
def test_hostile_thresholds_get_a_chinese_message(month, client, typed, message):
    client.force_login(month["admin"])
    response = client.get(url(), {"threshold": typed}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and message in response.content.decode()
    response = client.post(url(), {"threshold": typed, "expected": "0.2"})
    assert response.status_code == 400 and message in response.content.decode()
    assert not WarningRuleChange.objects.exists()


def test_an_admin_saves_on_the_page(month, client):
    client.force_login(month["admin"])
    response = client.post(url(), {"threshold": "0.35", "expected": "0.2000"}, follow=True)
    assert "阈值已从 0.2 改为 0.35" in response.content.decode()
    assert WarningRuleChange.objects.get().new_value == "0.35"
    # a second tab that still shows 0.2: refused with the whole page, nothing written
    response = client.post(url(), {"threshold": "0.5", "expected": "0.2"})
    assert response.status_code == 409 and "刚被修改为 0.35" in response.content.decode()
    assert WarningRuleChange.objects.count() == 1


def test_a_market_manager_reads_but_cannot_save(month, client):
    client.force_login(month["mm_a"])
    response = client.get(url(), {"threshold": "0.4", "month": "2026-10"})
    text = response.content.decode()
    assert response.status_code == 200 and "只有系统管理员可以保存阈值" in text
    assert "保存：阈值" not in text and month["team_b"].name not in text
    assert client.post(url(), {"threshold": "0.4"}).status_code == 403
    client.force_login(month["cm"]["a1"])
    assert client.get(url()).status_code == 403
    assert client.get(reverse("rules:index")).status_code == 403


def test_the_rule_list_links_to_each_rule(month, client):
    client.force_login(month["admin"])
    text = client.get(reverse("rules:index")).content.decode()
    assert url() in text and "20%" in text


def test_a_rule_edited_in_the_admin_site_is_recorded_and_links_to_the_page(month, client):
    client.force_login(month["admin"])
    rule = month["rule"]
    change_url = reverse("admin:cycle_warningrule_change", args=[rule.pk])
    assert url() in client.get(change_url).content.decode()
    data = {
        "name": rule.name,
        "kind": rule.kind,
        "threshold": "0.3",
        "severity": rule.severity,
        "message": rule.message,
        "action": rule.action_id or "",
        "suggestion": rule.suggestion,
        "is_active": "on",
        "position": rule.position,
    }
    response = on_commit(client.post, change_url, data)
    assert response.status_code == 302
    [change] = WarningRuleChange.objects.filter(rule=rule)
    assert (change.old_value, change.new_value, change.source) == ("0.2", "0.3", "admin")
    assert WarningRun.objects.latest("pk").trigger == "rules"


def test_the_preview_says_when_the_month_was_not_computed(two_teams, client):
    client.force_login(two_teams["admin"])
    response = client.get(url(), {"threshold": "0.4", "month": "2025-01"})
    assert response.status_code == 200 and "尚未计算" in response.content.decode()


def test_recompute_after_saving_matches_a_fresh_computation(month):
    # the saved threshold is what the next computation uses
    warning_rule_update(rule=month["rule"], by=month["admin"], threshold=Decimal("0.6"))
    warnings_compute(month=M)
    assert flagged_per_team("volume_drop") == {"TB": 1}  # only the fall of 90 %
