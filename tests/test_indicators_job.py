"""The monthly indicator job: idempotent reruns, atomic replacement, the run record, the
Celery tasks and schedule, and the two management commands (DESIGN.md §5, §6).

Fixture, month M = 2026-10 (nothing in M−12):
team T1: manager m1 with customers k1, k2; team T2: manager m2 with customer k3.
SKUs A1 (brand 黄鹤楼) and B1 (brand 白沙).
  M    k1 A1 10/10/1000   k1 B1 5/15/250   k2 A1 20/30/2000     (delivered/requested/amount)
  M−1  k1 A1 6/6/600
forecasts for M: k1 12, k2 33.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from brands.models import Category, Sku
from reports import shards, store, tasks
from reports.models import (
    CustomerIndicator,
    IndicatorRun,
    ManagerIndicator,
    ScopeIndicator,
)
from reports.services import indicators_compute
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    CustomerManagerFactory,
    ForecastFactory,
    OrderLineFactory,
    SkuFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def data():
    t1, t2 = TeamFactory(code="T1"), TeamFactory(code="T2")
    m1 = CustomerManagerFactory(username="m1", name="王海燕", team=t1)
    m2 = CustomerManagerFactory(username="m2", name="张伟", team=t2)
    k1 = CustomerFactory(code="K1", name="惠民便利店", manager=m1)
    k2 = CustomerFactory(code="K2", name="永盛烟酒", manager=m1)
    k3 = CustomerFactory(code="K3", name="好又多超市", manager=m2)
    a = SkuFactory(code="A1", name="黄鹤楼(软蓝)", brand=BrandFactory(name="黄鹤楼"))
    b = SkuFactory(code="B1", name="白沙(硬)", brand=BrandFactory(name="白沙"))
    for customer, sku, day, quantity, requested, amount in [
        (k1, a, dt.date(2026, 10, 2), 10, 10, "1000"),
        (k1, b, dt.date(2026, 10, 2), 5, 15, "250"),
        (k2, a, dt.date(2026, 10, 9), 20, 30, "2000"),
        (k1, a, dt.date(2026, 9, 4), 6, 6, "600"),
    ]:
        OrderLineFactory(
            customer=customer,
            sku=sku,
            order_date=day,
            quantity=quantity,
            requested_quantity=requested,
            amount=Decimal(amount),
        )
    ForecastFactory(customer=k1, month=M, quantity=12)
    ForecastFactory(customer=k2, month=M, quantity=33)
    return {"k1": k1, "k2": k2, "k3": k3, "m1": m1, "m2": m2}


def snapshot():
    """Every stored indicator of M, without the ids."""

    def rows(model):
        values = model.objects.filter(month=M).values()
        return sorted(
            (tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in values), key=repr
        )

    return {m.__name__: rows(m) for m in (ScopeIndicator, CustomerIndicator, ManagerIndicator)}


# --- the job ---------------------------------------------------------------------------------


def test_rerun_gives_identical_rows_and_no_duplicates(data):
    first = indicators_compute(month=M)
    before = snapshot()
    second = indicators_compute(month=dt.date(2026, 10, 17))  # any day of the month
    assert snapshot() == before
    # 5 scopes (company, T1, T2, m1, m2) × 4 objects (A1, B1, 黄鹤楼, 白沙)
    assert ScopeIndicator.objects.filter(month=M).count() == 20
    assert CustomerIndicator.objects.filter(month=M).count() == 3
    assert ManagerIndicator.objects.filter(month=M).count() == 2
    assert first.rows_written == second.rows_written == 25
    assert list(IndicatorRun.objects.values_list("status", flat=True)) == ["succeeded"] * 2


def test_run_records_progress_and_timing(data):
    seen = []
    run = indicators_compute(month=M, progress=lambda percent, step: seen.append(percent))
    assert seen == sorted(seen) and seen[0] < 50 and seen[-1] == 100
    run.refresh_from_db()
    assert (run.status, run.progress, run.step, run.error) == ("succeeded", 100, "done", "")
    assert run.month == M
    assert run.finished_at >= run.started_at
    assert run.seconds is not None


def test_a_failing_step_leaves_the_previous_results_and_records_the_error(data, monkeypatch):
    indicators_compute(month=M)
    before = snapshot()
    OrderLineFactory(customer=data["k3"], sku=data["k1"].order_lines.first().sku, quantity=99)

    def broken(*args, **kwargs):
        raise RuntimeError("manager step broke")

    monkeypatch.setattr(shards, "manager_indicators", broken)
    with pytest.raises(RuntimeError, match="manager step broke"):
        indicators_compute(month=M)
    assert snapshot() == before
    failed = IndicatorRun.objects.order_by("-id").first()
    assert failed.status == "failed"
    assert failed.error == "RuntimeError: manager step broke"
    assert failed.finished_at is not None
    assert failed.progress < 100


def test_a_failure_while_writing_rolls_the_month_back(data, monkeypatch):
    indicators_compute(month=M)
    before = snapshot()
    OrderLineFactory(customer=data["k3"], sku=data["k1"].order_lines.first().sku, quantity=99)
    real_insert = store.insert_rows

    def insert_then_fail(model, rows, **where):
        if model is ManagerIndicator:  # the month's old rows are deleted (or set aside) by now
            raise RuntimeError("disk full")
        return real_insert(model, rows, **where)

    monkeypatch.setattr(store, "insert_rows", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        indicators_compute(month=M)
    assert snapshot() == before
    assert IndicatorRun.objects.order_by("-id").first().status == "failed"


def test_months_are_independent(data):
    indicators_compute(month=M)
    indicators_compute(month=dt.date(2026, 9, 1))
    october = snapshot()
    indicators_compute(month=dt.date(2026, 9, 1))
    assert snapshot() == october
    assert ScopeIndicator.objects.filter(month=dt.date(2026, 9, 1)).count() == 20


# --- Celery ------------------------------------------------------------------------------------


def test_compute_month_task(data):
    result = tasks.compute_month.delay("2026-10").get()
    assert result["status"] == "succeeded"
    assert result["rows"] == 25
    assert ScopeIndicator.objects.filter(month=M).count() == 20


def test_compute_previous_month_task(data, monkeypatch):
    monkeypatch.setattr(tasks, "previous_month", lambda: M)
    assert tasks.compute_previous_month.delay().get()["month"] == "2026-10"
    assert CustomerIndicator.objects.filter(month=M).count() == 3


def test_monthly_schedule_at_two_on_the_first_in_shanghai():
    entry = settings.CELERY_BEAT_SCHEDULE["indicators-previous-month"]
    assert entry["task"] == tasks.compute_previous_month.name
    schedule = entry["schedule"]
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ({0}, {2}, {1})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


# --- compute_indicators ------------------------------------------------------------------------


def test_compute_indicators_command(data):
    out = io.StringIO()
    call_command("compute_indicators", "--month", "2026-10", stdout=out)
    assert "2026-10" in out.getvalue()
    assert "25" in out.getvalue()  # rows written
    assert "秒" in out.getvalue()  # elapsed time
    assert ScopeIndicator.objects.filter(month=M).count() == 20


@pytest.mark.parametrize("month", ["2026-13", "10/2026", "2026", ""])
def test_compute_indicators_refuses_a_bad_month(month):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("compute_indicators", "--month", month, stdout=io.StringIO())
    assert not IndicatorRun.objects.exists()


# --- export_indicators -------------------------------------------------------------------------


@pytest.fixture
def computed(data):
    indicators_compute(month=M)
    return data


def export(tmp_path, kind, *options, suffix="csv"):
    path = tmp_path / f"out.{suffix}"
    call_command(
        "export_indicators", "--month", "2026-10", "--kind", kind, *options, "-o", str(path),
        stdout=io.StringIO(),
    )  # fmt: skip
    return path


def read_csv(path):
    content = path.read_bytes()
    assert content.startswith(BOM)  # so that Excel reads UTF-8
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return reader.fieldnames, list(reader)


def by(rows, column):
    return {r[column]: r for r in rows}


def test_export_brand_csv(computed, tmp_path):
    header, rows = read_csv(export(tmp_path, "brand"))
    for column in [
        "month", "scope", "object_type", "object_code", "customers", "coverage_rate",
        "shelf_rate", "repurchase_rate", "volume", "volume_growth_mom", "volume_growth_yoy",
        "share", "share_growth", "requested", "supply_satisfaction", "supply_state",
    ]:  # fmt: skip
        assert column in header
    assert [(r["object_type"], r["object_code"]) for r in rows] == [
        ("sku", "A1"), ("sku", "B1"), ("brand", "白沙"), ("brand", "黄鹤楼"),
    ]  # fmt: skip
    a, b = rows[0], rows[1]
    assert (a["month"], a["scope"], a["object_name"]) == ("2026-10", "company", "黄鹤楼(软蓝)")
    assert a["customers"] == "3"
    assert a["coverage_rate"] == "0.6667"  # 2 / 3
    assert a["volume"] == "30"
    assert a["volume_growth_mom"] == "4.0000"  # (30 − 6) / 6
    assert a["volume_growth_yoy"] == ""  # no lines in 2025-10
    assert a["share"] == "0.8571"  # 30 / 35
    assert a["share_growth"] == "-0.1429"  # (30/35 − 6/6) / (6/6)
    assert a["requested"] == "40"
    assert a["supply_satisfaction"] == "0.7500"  # 30 / 40
    assert a["supply_state"] == "balanced"
    assert a["shelf_rate"] == ""  # no shelf checks
    assert a["repurchase_rate"] == "1.0000"  # k1 ordered A1 in M−1 and again in M: 1 / 1
    assert a["amount"] == "3000.00" and a["avg_price"] == "100.00"
    assert b["coverage_rate"] == "0.3333"  # 1 / 3
    assert b["supply_satisfaction"] == "0.3333"  # 5 / 15
    assert b["supply_state"] == "tight"
    assert b["volume_growth_mom"] == "" and b["repurchase_rate"] == ""  # nothing in M−1
    assert b["avg_price"] == "50.00"


def test_export_brand_team_and_manager_scopes(computed, tmp_path):
    _, rows = read_csv(export(tmp_path, "brand", "--scope", "team:T1"))
    a = by(rows, "object_code")["A1"]
    assert (a["scope"], a["customers"], a["coverage_rate"]) == ("team:T1", "2", "1.0000")
    _, rows = read_csv(export(tmp_path, "brand", "--scope", "manager:m2"))
    a = by(rows, "object_code")["A1"]
    assert (a["scope"], a["customers"], a["coverage_rate"]) == ("manager:m2", "1", "0.0000")
    assert (a["volume"], a["share"], a["supply_state"]) == ("0", "", "")


def test_export_customer_csv(computed, tmp_path):
    header, rows = read_csv(export(tmp_path, "customer"))
    assert header[:5] == ["month", "scope", "customer_code", "customer_name", "manager"]
    assert [r["customer_code"] for r in rows] == ["K1", "K2", "K3"]
    k1, k2, k3 = rows
    assert (k1["customer_name"], k1["manager"]) == ("惠民便利店", "m1")
    assert (k1["volume"], k1["amount"], k1["avg_price"]) == ("15", "1250.00", "83.33")
    assert k1["volume_change_mom"] == "1.5000"  # (15 − 6) / 6
    assert (k1["forecast"], k1["requested"]) == ("12", "25")
    assert k1["forecast_error"] == "-0.5200"  # (12 − 25) / 25
    assert k1["inventory_to_sales"] == ""
    assert k2["forecast_error"] == "0.1000"  # (33 − 30) / 30
    assert (k3["volume"], k3["avg_price"], k3["forecast"], k3["forecast_error"]) == (
        "0",
        "",
        "",
        "",
    )
    _, rows = read_csv(export(tmp_path, "customer", "--scope", "team:T2"))
    assert [(r["scope"], r["customer_code"]) for r in rows] == [("team:T2", "K3")]
    _, rows = read_csv(export(tmp_path, "customer", "--scope", "manager:m1"))
    assert [r["customer_code"] for r in rows] == ["K1", "K2"]


def test_export_manager_csv(computed, tmp_path):
    header, rows = read_csv(export(tmp_path, "manager"))
    for column in [
        "username", "customers", "volume", "forecast_accuracy", "forecast_bias",
        "forecast_coverage", "actions_planned", "actions_done", "completion_rate",
    ]:  # fmt: skip
        assert column in header
    m1, m2 = rows
    assert (m1["username"], m1["name"], m1["team"]) == ("m1", "王海燕", "T1")
    assert (m1["customers"], m1["volume"]) == ("2", "35")
    assert m1["forecast_accuracy"] == "0.7091"  # 1 − (13 + 3) / (25 + 30) = 1 − 16/55
    assert m1["forecast_bias"] == "-0.1818"  # (−13 + 3) / 55
    assert m1["forecast_coverage"] == "1.0000"  # 2 / 2
    assert (m1["actions_planned"], m1["actions_done"], m1["completion_rate"]) == ("0", "0", "")
    assert (m2["forecast_accuracy"], m2["forecast_bias"], m2["forecast_coverage"]) == (
        "",
        "",
        "0.0000",
    )
    _, rows = read_csv(export(tmp_path, "manager", "--scope", "team:T2"))
    assert [r["username"] for r in rows] == ["m2"]
    _, rows = read_csv(export(tmp_path, "manager", "--scope", "manager:m1"))
    assert [(r["scope"], r["username"]) for r in rows] == [("manager:m1", "m1")]


def test_export_category_rows(data, tmp_path):
    root = Category.objects.create(name="卷烟")
    leaf = Category.objects.create(name="一类烟", parent=root)
    Sku.objects.filter(code="A1").update(category=leaf)
    indicators_compute(month=M)
    _, rows = read_csv(export(tmp_path, "category"))
    assert [(r["object_type"], r["object_code"], r["object_name"]) for r in rows] == [
        ("category", str(root.pk), "卷烟"),
        ("category", str(leaf.pk), "卷烟 / 一类烟"),
    ]
    assert [(r["volume"], r["share"]) for r in rows] == [("30", "0.8571")] * 2  # 30 / 35


@pytest.mark.parametrize("kind", ["brand", "customer", "manager"])
def test_export_xlsx(computed, tmp_path, kind):
    path = export(tmp_path, kind, "--format", "xlsx", suffix="xlsx")
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    _, csv_rows = read_csv(export(tmp_path, kind))
    assert list(header) == list(csv_rows[0])
    assert len(rows) - 1 == len(csv_rows)
    if kind == "brand":
        assert first["coverage_rate"] == 0.6667  # a number, rounded to 4 places
        assert first["volume"] == 30
        assert first["volume_growth_yoy"] is None  # empty cell
        assert first["object_name"] == "黄鹤楼(软蓝)"
    elif kind == "customer":
        assert first["forecast_error"] == -0.52
        assert first["amount"] == 1250.0
        assert first["inventory_to_sales"] is None
    else:
        assert first["forecast_accuracy"] == 0.7091
        assert first["completion_rate"] is None


def test_export_format_follows_the_file_name(computed, tmp_path):
    path = export(tmp_path, "manager", suffix="xlsx")
    assert path.read_bytes()[:2] == b"PK"  # a zip: xlsx
    path = export(tmp_path, "manager", "--format", "csv", suffix="xlsx")
    assert path.read_bytes().startswith(BOM)


def test_export_refuses_a_month_not_computed(data, tmp_path):
    with pytest.raises(CommandError, match="compute_indicators --month 2026-10"):
        export(tmp_path, "brand")


@pytest.mark.parametrize(
    "scope, message", [("team:NOPE", "NOPE"), ("manager:ghost", "ghost"), ("teams", "company")]
)
def test_export_refuses_an_unknown_scope(computed, tmp_path, scope, message):
    with pytest.raises(CommandError, match=message):
        export(tmp_path, "brand", "--scope", scope)


# --- admin -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [ScopeIndicator, CustomerIndicator, ManagerIndicator, IndicatorRun]
)
def test_admin_lists_are_read_only(computed, admin_client, model):
    name = model._meta.model_name
    url = reverse(f"admin:reports_{name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "m1"}).status_code == 200
    assert admin_client.get(reverse(f"admin:reports_{name}_add")).status_code == 403
    first = model.objects.first()
    page = admin_client.get(reverse(f"admin:reports_{name}_change", args=[first.pk]))
    assert page.status_code == 200  # viewable
    assert b'name="_save"' not in page.content  # but not editable
