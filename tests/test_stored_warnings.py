"""The month's warnings computed once and stored (issue #15 point 5): what is stored equals what
the engine gives on request; the indicator job, a rule edited in the admin site and a late
visit recompute them; the analysis pages read the stored rows (never the engine) with a
bounded number of queries; a month never computed says so, with a button for those who may
compute it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from cycle.models import StoredWarning, WarningRule, WarningRun, WarningStamp
from cycle.selectors.warnings import manager_warnings, team_warning_counts
from cycle.services.visits import visit_check_in, visit_check_out, visit_open
from cycle.strategy import engine
from cycle.strategy.engine import warnings_evaluate, warnings_summary
from cycle.strategy.store import warning_runs_sweep, warnings_compute
from reports.services import indicators_compute
from tests.factories import CustomerFactory, OrderLineFactory, SkuFactory

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)
P = dt.date(2026, 9, 1)


def on_commit(call, *args, **kwargs):
    """``call`` as it runs outside a test's transaction: what it queues on commit runs."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


@pytest.fixture
def month(two_teams):
    """Two teams; a1 has a customer whose volume fell 90 %, one that sells a SKU above its
    retail price is not needed: every customer without a visit is flagged by no_visit."""
    sku = SkuFactory(code="S1", name="测试烟", price_class=3, retail_price=Decimal(100))
    falling = CustomerFactory(manager=two_teams["cm"]["a1"], code="C-drop", name="下滑便利店")
    OrderLineFactory(customer=falling, sku=sku, order_date=P.replace(day=8), quantity=100)
    OrderLineFactory(customer=falling, sku=sku, order_date=M.replace(day=8), quantity=10)
    for customer in two_teams["customers"].values():
        OrderLineFactory(customer=customer, sku=sku, order_date=P.replace(day=5), quantity=20)
        OrderLineFactory(customer=customer, sku=sku, order_date=M.replace(day=5), quantity=19)
    return two_teams | {"falling": falling, "sku": sku}


def managers(world):
    return list(world["cm"].values())


# --- stored = the engine ------------------------------------------------------------------


def test_the_indicator_job_stores_warnings_equal_to_the_engines(month):
    run = on_commit(indicators_compute, month=M)
    assert run.status == "succeeded"
    [warning_run] = WarningRun.objects.filter(month=M)
    assert warning_run.trigger == "indicators" and warning_run.status == "succeeded"
    assert warning_run.managers is None  # every manager
    assert StoredWarning.objects.filter(month=M).count() == warning_run.rows_written > 0
    admin = month["admin"]
    for manager in managers(month):
        stored = manager_warnings(user=admin, manager=manager, month=M)
        fresh = warnings_evaluate(manager=manager, month=M)
        assert list(stored.warnings) == list(fresh)  # row for row, numbers and messages
        assert stored.warnings.skipped == fresh.skipped
        assert stored.stamp.run == warning_run
    codes = {(w.customer_code, w.rule_code) for w in fresh}  # b1's
    assert ("C-b1", "no_visit") in codes
    a1 = manager_warnings(user=admin, manager=month["cm"]["a1"], month=M).warnings
    [drop] = [w for w in a1 if w.rule_code == "volume_drop"]
    assert drop.customer_code == "C-drop" and drop.numbers["drop"] == pytest.approx(0.9)
    assert "本月销量 10 条，上月 100 条" in drop.message


def test_team_counts_equal_the_engines_summary(month):
    on_commit(indicators_compute, month=M)
    team = [month["cm"]["a1"], month["cm"]["a2"]]
    counts = team_warning_counts(user=month["mm_a"], managers=team, month=M)
    for expected in warnings_summary(managers=team, month=M):
        stamp = counts[expected.manager_id]
        assert (stamp.customers, stamp.flagged_customers, stamp.warnings) == (
            expected.customers,
            expected.flagged_customers,
            expected.warnings,
        )
        assert stamp.by_severity == expected.by_severity and stamp.by_rule == expected.by_rule
    # another team's market manager sees none of them
    assert team_warning_counts(user=month["mm_b"], managers=team, month=M) == {}


def test_in_english_the_message_is_rendered_from_the_stored_numbers(month):
    on_commit(indicators_compute, month=M)
    a1 = month["cm"]["a1"]
    chinese = [w.message for w in manager_warnings(user=a1, manager=a1, month=M).warnings]
    with translation.override("en"):
        stored = manager_warnings(user=a1, manager=a1, month=M).warnings
        fresh = warnings_evaluate(manager=a1, month=M)
    assert list(stored) == list(fresh)
    assert [w.message for w in stored] != chinese  # the month is written in English


def test_a_recompute_replaces_the_month_and_a_failure_keeps_the_rows(month, monkeypatch):
    on_commit(indicators_compute, month=M)
    before = StoredWarning.objects.filter(month=M).count()
    again = warnings_compute(month=M)
    assert StoredWarning.objects.filter(month=M).count() == before == again.rows_written
    assert set(WarningStamp.objects.filter(month=M).values_list("run", flat=True)) == {again.pk}

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cycle.strategy.store.warnings_batch", broken)
    with pytest.raises(RuntimeError):
        warnings_compute(month=M)
    failed = WarningRun.objects.latest("pk")
    assert failed.status == "failed" and "boom" in failed.error
    assert StoredWarning.objects.filter(month=M).count() == before
    assert set(WarningStamp.objects.filter(month=M).values_list("run", flat=True)) == {again.pk}


def test_a_run_whose_worker_died_is_recorded_failed_and_the_rows_stay(month, settings):
    on_commit(indicators_compute, month=M)
    done = WarningRun.objects.get(month=M, status="succeeded")
    rows = StoredWarning.objects.filter(month=M).count()
    settings.JOB_STALE_AFTER_SECONDS = 300
    now = timezone.now()
    dead = WarningRun.objects.create(
        month=M, trigger="manual", status="running", started_at=now - dt.timedelta(minutes=6)
    )
    alive = WarningRun.objects.create(
        month=M, trigger="manual", status="running", started_at=now - dt.timedelta(minutes=1)
    )
    assert warning_runs_sweep() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and "后台进程中断" in dead.error and dead.finished_at
    assert alive.status == "running"
    assert StoredWarning.objects.filter(month=M).count() == rows
    assert set(WarningStamp.objects.filter(month=M).values_list("run", flat=True)) == {done.pk}


def test_a_month_without_indicators_stores_nothing(month):
    assert warnings_compute(month=P) is None
    assert not WarningRun.objects.exists() and not StoredWarning.objects.exists()


# --- recomputed when rules or late visits change ------------------------------------------


def test_a_rule_edited_in_the_admin_site_recomputes_the_stored_months(month, client):
    on_commit(indicators_compute, month=M)
    a1 = month["cm"]["a1"]
    assert "no_visit" in manager_warnings(user=a1, manager=a1, month=M).stamp.by_rule
    rule = WarningRule.objects.get(code="no_visit")
    client.force_login(month["admin"])
    form = {
        "name": rule.name,
        "kind": rule.kind,
        "threshold": "1",
        "severity": rule.severity,
        "message": rule.message,
        "action": rule.action_id or "",
        "suggestion": rule.suggestion,
        "position": rule.position,
        # is_active left out: switched off
    }
    response = on_commit(client.post, f"/admin/cycle/warningrule/{rule.pk}/change/", form)
    assert response.status_code == 302
    latest = WarningRun.objects.latest("pk")
    assert latest.trigger == "rules" and latest.status == "succeeded"
    stored = manager_warnings(user=a1, manager=a1, month=M)
    assert "no_visit" not in stored.stamp.by_rule
    assert not any(w.rule_code == "no_visit" for w in stored.warnings)
    assert list(stored.warnings) == list(warnings_evaluate(manager=a1, month=M))


def test_a_rule_deleted_in_the_admin_site_recomputes(month, client):
    on_commit(indicators_compute, month=M)
    rule = WarningRule.objects.get(code="volume_drop")
    client.force_login(month["admin"])
    response = on_commit(
        client.post, f"/admin/cycle/warningrule/{rule.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert WarningRun.objects.latest("pk").trigger == "rules"
    a1 = month["cm"]["a1"]
    assert list(manager_warnings(user=a1, manager=a1, month=M).warnings) == list(
        warnings_evaluate(manager=a1, month=M)
    )


def test_a_late_visit_recomputes_that_managers_no_visit_warning(month):
    on_commit(indicators_compute, month=M)
    a1, a2 = month["cm"]["a1"], month["cm"]["a2"]
    customer = month["customers"]["a1"]

    def flagged(manager):
        stored = manager_warnings(user=manager, manager=manager, month=M)
        return {w.customer_code for w in stored.warnings if w.rule_code == "no_visit"}

    assert "C-a1" in flagged(a1)
    a2_run = WarningStamp.objects.get(month=M, manager=a2).run_id
    # logged in December for a day in October
    day = M.replace(day=20)
    visit = visit_open(customer_id=customer.pk, by=a1, date=day)
    start = timezone.make_aware(dt.datetime(2026, 10, 20, 9, 0))
    visit_check_in(visit=visit, by=a1, at=start)
    on_commit(visit_check_out, visit=visit, by=a1, at=start + dt.timedelta(minutes=20))
    latest = WarningRun.objects.latest("pk")
    assert latest.trigger == "visits" and latest.managers == [a1.pk]
    assert "C-a1" not in flagged(a1) and "C-drop" in flagged(a1)
    assert WarningStamp.objects.get(month=M, manager=a2).run_id == a2_run  # left alone
    stored = manager_warnings(user=a1, manager=a1, month=M)
    assert list(stored.warnings) == list(warnings_evaluate(manager=a1, month=M))


def test_a_visit_in_a_month_not_computed_queues_nothing(month):
    a1 = month["cm"]["a1"]
    visit = visit_open(customer_id=month["customers"]["a1"].pk, by=a1, date=M.replace(day=3))
    start = timezone.make_aware(dt.datetime(2026, 10, 3, 9, 0))
    visit_check_in(visit=visit, by=a1, at=start)
    on_commit(visit_check_out, visit=visit, by=a1, at=start + dt.timedelta(minutes=5))
    assert not WarningRun.objects.exists()


# --- the pages read the stored rows -------------------------------------------------------


def test_the_pages_never_evaluate_the_rules(month, client, monkeypatch):
    on_commit(indicators_compute, month=M)

    def refuse(*args, **kwargs):
        raise AssertionError("the page evaluated the rules")

    monkeypatch.setattr(engine, "_prepare", refuse)
    client.force_login(month["cm"]["a1"])
    page = client.get("/analysis/manager/a1/?month=2026-10").content.decode()
    assert "下滑便利店" in page and "本月销量 10 条，上月 100 条" in page
    assert "预警计算于" in page
    client.force_login(month["mm_a"])
    team = client.get("/analysis/team/TA/?month=2026-10").content.decode()
    assert "预警计算于" in team and "预警尚未计算" not in team


def test_page_queries_do_not_grow_with_warnings(month, client, django_assert_max_num_queries):
    on_commit(indicators_compute, month=M)
    client.force_login(month["cm"]["a1"])
    url = "/analysis/manager/a1/?month=2026-10"
    with django_assert_max_num_queries(26) as few:
        assert client.get(url).status_code == 200
    CustomerFactory.create_batch(40, manager=month["cm"]["a1"])  # each flagged: no visit
    on_commit(indicators_compute, month=M)
    with django_assert_max_num_queries(len(few)) as many:
        page = client.get(url).content.decode()
    assert "预警客户（42 户）" in page
    warning_queries = [q for q in many.captured_queries if "cycle_storedwarning" in q["sql"]]
    # the month's warned customers, then the warnings of the page's 25 only
    assert len(warning_queries) == 2 and page.count('class="warning-group"') == 25
    client.force_login(month["mm_a"])
    with django_assert_max_num_queries(22):
        assert client.get("/analysis/team/TA/?month=2026-10").status_code == 200


def test_a_month_never_computed_says_so_with_a_button_for_who_may_compute(month, client):
    indicators_compute(month=M)  # in the test's transaction: the warnings are never queued
    client.force_login(month["cm"]["a1"])
    page = client.get("/analysis/manager/a1/?month=2026-10").content.decode()
    assert "预警尚未计算" in page and 'action="/analysis/warnings/"' not in page
    assert "本月没有预警" not in page  # not computed is not "none"
    client.force_login(month["mm_a"])
    team = client.get("/analysis/team/TA/?month=2026-10").content.decode()
    assert "预警尚未计算" in team and 'action="/analysis/warnings/"' in team
    page = client.get("/analysis/manager/a1/?month=2026-10").content.decode()
    assert 'action="/analysis/warnings/"' in page
    response = on_commit(
        client.post,
        "/analysis/warnings/",
        {"month": "2026-10", "next": "/analysis/manager/a1/?month=2026-10"},
    )
    assert response.url == "/analysis/manager/a1/?month=2026-10"
    page = client.get(response.url).content.decode()
    assert "已开始计算2026-10的预警" in page
    assert "预警尚未计算" not in page and "下滑便利店" in page
    assert WarningRun.objects.get().trigger == "manual"


def test_customer_managers_may_not_compute_warnings(month, client):
    indicators_compute(month=M)
    client.force_login(month["cm"]["a1"])
    assert client.post("/analysis/warnings/", {"month": "2026-10"}).status_code == 403
    assert not WarningRun.objects.exists()
