"""Retailer gross profit (客户赢利水平, reports/profit_rates.py) against a hand computation on the
fixture of test_indicators_formulas (see its docstring for the lines and checks).

gross profit = Σ quantity × retail price − amount, the retail price being the customer's
latest price check of the SKU in the month, else the SKU's suggested price.

October (M), retail price per line:
  c1 s1 10 cartons, paid 2000: checks 210 (10-03) and 220 (10-25) → latest 220: 2200 − 2000 = 200
  c1 s2  5 cartons, paid  400: no check at c1 (c3's check of s2 is c3's), no suggested price
                                → left out
  c2 s1 20 cartons, paid 4000: check 190 → 3800 − 4000 = −200
  c2 s3  0 cartons, paid    0: → 0
  c3 s3  4 cartons, paid 1800: no check of s3 at c3 → suggested 500: 2000 − 1800 = 200
  c4 s1  6 cartons, paid 1200: c4's check is of s3 → suggested 200: 1200 − 1200 = 0
  c5 no lines → 0;  x is inactive.
September (M−1), no price checks → suggested prices:
  c1 s1 7 / 1400 → 0;  c2 s1 10 / 2000 → 0, c2 s3 2 / 900 → 1000 − 900 = 100;  c3 s1 3 / 600 → 0;
  c4 s2 unpriced → 0;  c5 → 0.
October 2025 (M−12): c1 s1 8 / 1600 → 0;  c3 s3 5 / 2250 → 2500 − 2250 = 250.
"""

import datetime as dt
from decimal import Decimal

import pytest

from reports.models import CustomerIndicator, ManagerIndicator
from reports.services import indicators_compute
from tests.factories import PriceCheckFactory
from tests.test_indicators_formulas import M, at, world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

SEPTEMBER, YEAR_AGO = dt.date(2026, 9, 1), dt.date(2025, 10, 1)


def customers(month):
    return {
        r.customer.code: r
        for r in CustomerIndicator.objects.filter(month=month).select_related("customer")
    }


def managers(month):
    return {
        r.manager.username: r
        for r in ManagerIndicator.objects.filter(month=month).select_related("manager")
    }


def test_gross_profit_of_each_customer_by_hand(world):  # noqa: F811
    rows = customers(M)
    assert {code: r.gross_profit for code, r in rows.items()} == {
        "C-c1": Decimal("200.00"),  # the latest check (220), not the first (210)
        "C-c2": Decimal("-200.00"),  # sold below what was paid: a loss
        "C-c3": Decimal("200.00"),  # no check: the suggested price
        "C-c4": Decimal("0.00"),  # a check of another SKU does not price this one
        "C-c5": Decimal("0.00"),  # no lines
    }
    # no month before was computed: no change, nobody compared
    assert all(r.gross_profit_change_mom is None for r in rows.values())
    assert all(r.gross_profit_change_yoy is None for r in rows.values())
    by_manager = managers(M)
    assert {u: m.gross_profit for u, m in by_manager.items()} == {
        "a1": Decimal("0.00"),  # 200 − 200
        "a2": Decimal("200.00"),
        "b1": Decimal("0.00"),
        "b2": Decimal("0.00"),
        "z0": Decimal("0.00"),
    }
    assert {m.profit_compared for m in by_manager.values()} == {0}
    assert all(m.profit_grew_share is None for m in by_manager.values())


def test_changes_against_the_stored_months_before(world):  # noqa: F811
    for month in (YEAR_AGO, SEPTEMBER, M):  # in order, as the monthly schedule runs
        assert indicators_compute(month=month).status == "succeeded"
    before, year_ago, now = customers(SEPTEMBER), customers(YEAR_AGO), customers(M)
    assert {c: r.gross_profit for c, r in before.items()} == {
        "C-c1": 0,
        "C-c2": Decimal("100.00"),
        "C-c3": 0,
        "C-c4": 0,
        "C-c5": 0,
    }
    assert (year_ago["C-c1"].gross_profit, year_ago["C-c3"].gross_profit) == (0, 250)
    assert now["C-c2"].gross_profit_change_mom == pytest.approx(-3.0)  # (−200 − 100) / 100
    assert now["C-c3"].gross_profit_change_yoy == pytest.approx(-0.2)  # (200 − 250) / 250
    # a base of 0 gives no rate; a customer absent a year ago neither
    assert now["C-c1"].gross_profit_change_mom is None
    assert now["C-c1"].gross_profit_change_yoy is None
    assert now["C-c2"].gross_profit_change_yoy is None
    # grew: c1 (200 > 0), c3 (200 > 0); not c2 (−200 < 100), c4 and c5 (0 = 0)
    by_manager = managers(M)
    shares = {
        u: (m.profit_compared, m.profit_grew, m.profit_grew_share) for u, m in by_manager.items()
    }
    assert shares == {
        "a1": (2, 1, 0.5),
        "a2": (1, 1, 1.0),
        "b1": (1, 0, 0.0),
        "b2": (1, 0, 0.0),
        "z0": (0, 0, None),
    }


def test_only_the_months_own_checks_price_its_lines(world):  # noqa: F811
    c, s = world["c"], world["s"]
    # a September check prices September's line, never October's
    PriceCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 9, 20, 10), price=Decimal(250)
    )
    # a check at c4 of s1 on 1 November 00:30 local is November's: October keeps 200
    PriceCheckFactory(
        customer=c["c4"], sku=s["s1"], observed_at=at(2026, 11, 1, 0, 30), price=Decimal(300)
    )
    for month in (SEPTEMBER, M):
        indicators_compute(month=month)
    assert customers(SEPTEMBER)["C-c1"].gross_profit == Decimal("350.00")  # 7 × 250 − 1400
    now = customers(M)
    assert (now["C-c1"].gross_profit, now["C-c4"].gross_profit) == (200, 0)
    assert now["C-c1"].gross_profit_change_mom == pytest.approx((200 - 350) / 350)


def test_recomputing_a_month_keeps_its_profit(world):  # noqa: F811
    indicators_compute(month=SEPTEMBER)
    first = [
        (r.customer_id, r.gross_profit, r.gross_profit_change_mom)
        for r in CustomerIndicator.objects.filter(month=M).order_by("customer_id")
    ]
    indicators_compute(month=M)
    indicators_compute(month=M)
    again = CustomerIndicator.objects.filter(month=M).order_by("customer_id")
    assert [r.customer_id for r in again] == [x[0] for x in first]
    assert again.get(customer__code="C-c2").gross_profit_change_mom == pytest.approx(-3.0)


def test_export_has_the_new_columns_at_the_end(world, tmp_path):  # noqa: F811
    from reports.exports import CUSTOMER_COLUMNS, MANAGER_COLUMNS
    from tests.test_indicators_job import by, export, read_csv

    indicators_compute(month=SEPTEMBER)
    indicators_compute(month=M)
    header, rows = read_csv(export(tmp_path, "customer"))
    assert header == CUSTOMER_COLUMNS
    assert header[-2:] == ["gross_profit", "gross_profit_change_mom"]
    assert header[:-2][-2:] == ["visits_done", "actions_done"]  # the old ones in place
    got = {
        c: (r["gross_profit"], r["gross_profit_change_mom"])
        for c, r in by(rows, "customer_code").items()
    }
    assert got == {
        "C-c1": ("200.00", ""),
        "C-c2": ("-200.00", "-3.0000"),
        "C-c3": ("200.00", ""),
        "C-c4": ("0.00", ""),
        "C-c5": ("0.00", ""),
    }
    header, rows = read_csv(export(tmp_path, "manager"))
    assert header == MANAGER_COLUMNS and header[-2:] == ["gross_profit", "profit_grew_share"]
    a1 = by(rows, "username")["a1"]
    assert (a1["gross_profit"], a1["profit_grew_share"]) == ("0.00", "0.5000")
    assert by(rows, "username")["z0"]["profit_grew_share"] == ""
