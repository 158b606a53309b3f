"""Every indicator formula of DESIGN.md §5, checked against numbers worked out by hand on a
small fixture (the arithmetic is in the comments).

The fixture, month M = 2026-10 (M−1 = 2026-09, M−12 = 2025-10):

teams TA (customer managers a1, a2, z0) and TB (b1, b2);
active customers c1, c2 (a1), c3 (a2), c4 (b1), c5 (b2); inactive x (a1); z0 has none.

category tree 卷烟 (R) → 一类烟 (A) → 常规 (L1);  卷烟 (R) → 二类烟 (B)
SKUs: s1 玉溪 key, retail 200, leaf L1;  s2 玉溪, no retail price, leaf B;
      s3 中华, retail 500, leaf L1

order lines (quantity delivered / requested / amount):
  M    c1 s1 10-01 10/10/2000   c1 s2 10-31 5/10/400
       c2 s1 10-15 20/25/4000   c2 s3 10-15 0/8/0 (requested only)
       c3 s3 10-10 4/4/1800     c4 s1 10-20 6/6/1200
       x  s1 10-05 100/100/20000 (inactive)        c1 s1 11-01 50/50/10000 (November)
  M−1  c1 s1 09-30 7/7/1400     c2 s1 09-10 10/10/2000   c2 s3 09-10 2/2/900
       c3 s1 09-12 3/3/600      c4 s2 09-12 8/8/640      x s1 09-05 50/50/10000
  M−12 c1 s1 2025-10-08 8/8/1600   c3 s3 2025-10-09 5/5/2250

so in M: s1 = 10 + 20 + 6 = 36, s2 = 5, s3 = 4, total 45;
in M−1: s1 = 7 + 10 + 3 = 20, s2 = 8, s3 = 2, total 30.
"""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.db.models import ExpressionWrapper, F, IntegerField

from brands.models import Category
from core.months import add_months
from markets.models import OrderLine
from reports.brand_rates import supply_state
from reports.models import CustomerIndicator, ManagerIndicator, ScopeIndicator
from reports.services import indicators_compute
from tests.factories import SHANGHAI as SH
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    CustomerManagerFactory,
    ForecastFactory,
    InventoryCheckFactory,
    OrderLineFactory,
    PriceCheckFactory,
    ShelfCheckFactory,
    SkuFactory,
    TeamFactory,
)
from tests.test_indicators_job import snapshot

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)
approx = pytest.approx


def line(customer, sku, day, quantity, requested, amount):
    return OrderLineFactory(
        customer=customer,
        sku=sku,
        order_date=day,
        quantity=quantity,
        requested_quantity=requested,
        amount=Decimal(amount),
    )


def at(*parts):
    """An Asia/Shanghai local time."""
    return dt.datetime(*parts, tzinfo=SH)


@pytest.fixture
def world():
    ta, tb = TeamFactory(code="TA"), TeamFactory(code="TB")
    cm = {
        name: CustomerManagerFactory(username=name, team=team)
        for name, team in [("a1", ta), ("a2", ta), ("z0", ta), ("b1", tb), ("b2", tb)]
    }
    owner = {"c1": "a1", "c2": "a1", "c3": "a2", "c4": "b1", "c5": "b2", "x": "a1"}
    c = {
        key: CustomerFactory(
            code=f"C-{key}",
            manager=cm[manager],
            status="inactive" if key == "x" else "active",
        )
        for key, manager in owner.items()
    }
    root = Category.objects.create(name="卷烟")
    first = Category.objects.create(name="一类烟", parent=root, position=0)
    leaf = Category.objects.create(name="常规", parent=first)
    second = Category.objects.create(name="二类烟", parent=root, position=1)
    yuxi, zhonghua = BrandFactory(name="玉溪"), BrandFactory(name="中华")
    s = {
        "s1": SkuFactory(
            code="S1", brand=yuxi, is_key_brand=True, retail_price=Decimal(200), category=leaf
        ),
        "s2": SkuFactory(code="S2", brand=yuxi, retail_price=None, category=second),
        "s3": SkuFactory(code="S3", brand=zhonghua, retail_price=Decimal(500), category=leaf),
    }
    d = dt.date
    # M
    line(c["c1"], s["s1"], d(2026, 10, 1), 10, 10, "2000")
    line(c["c1"], s["s2"], d(2026, 10, 31), 5, 10, "400")
    line(c["c2"], s["s1"], d(2026, 10, 15), 20, 25, "4000")
    line(c["c2"], s["s3"], d(2026, 10, 15), 0, 8, "0")
    line(c["c3"], s["s3"], d(2026, 10, 10), 4, 4, "1800")
    line(c["c4"], s["s1"], d(2026, 10, 20), 6, 6, "1200")
    line(c["x"], s["s1"], d(2026, 10, 5), 100, 100, "20000")
    line(c["c1"], s["s1"], d(2026, 11, 1), 50, 50, "10000")
    # M−1
    line(c["c1"], s["s1"], d(2026, 9, 30), 7, 7, "1400")
    line(c["c2"], s["s1"], d(2026, 9, 10), 10, 10, "2000")
    line(c["c2"], s["s3"], d(2026, 9, 10), 2, 2, "900")
    line(c["c3"], s["s1"], d(2026, 9, 12), 3, 3, "600")
    line(c["c4"], s["s2"], d(2026, 9, 12), 8, 8, "640")
    line(c["x"], s["s1"], d(2026, 9, 5), 50, 50, "10000")
    # M−12
    line(c["c1"], s["s1"], d(2025, 10, 8), 8, 8, "1600")
    line(c["c3"], s["s3"], d(2025, 10, 9), 5, 5, "2250")

    # shelf checks
    ShelfCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 10, 5, 10), on_shelf=False
    )
    # 23:30 on the last day, local: October, and the latest of c1's checks of s1
    ShelfCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 10, 31, 23, 30), on_shelf=True
    )
    ShelfCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 9, 30, 23, 30), on_shelf=False
    )
    ShelfCheckFactory(
        customer=c["c2"], sku=s["s1"], observed_at=at(2026, 10, 20, 10), on_shelf=True
    )
    # 00:30 on 1 November local = 16:30 UTC on 31 October: November, not counted
    ShelfCheckFactory(
        customer=c["c2"], sku=s["s1"], observed_at=at(2026, 11, 1, 0, 30), on_shelf=False
    )
    # 07:00 on 1 October local = 23:00 UTC on 30 September: October
    ShelfCheckFactory(customer=c["c3"], sku=s["s1"], observed_at=at(2026, 10, 1, 7), on_shelf=False)
    ShelfCheckFactory(
        customer=c["c4"], sku=s["s2"], observed_at=at(2026, 10, 12, 10), on_shelf=True
    )
    ShelfCheckFactory(customer=c["x"], sku=s["s1"], observed_at=at(2026, 10, 12, 10), on_shelf=True)

    # inventory checks
    InventoryCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 10, 3, 10), quantity=10
    )
    InventoryCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 10, 25, 10), quantity=4
    )
    InventoryCheckFactory(
        customer=c["c2"], sku=s["s1"], observed_at=at(2026, 10, 15, 10), quantity=6
    )
    InventoryCheckFactory(
        customer=c["c3"], sku=s["s3"], observed_at=at(2026, 10, 28, 10), quantity=2
    )
    InventoryCheckFactory(
        customer=c["c4"], sku=s["s3"], observed_at=at(2026, 10, 28, 10), quantity=3
    )
    InventoryCheckFactory(
        customer=c["x"], sku=s["s1"], observed_at=at(2026, 10, 28, 10), quantity=50
    )
    InventoryCheckFactory(
        customer=c["c1"], sku=s["s2"], observed_at=at(2026, 11, 1, 0, 30), quantity=99
    )

    # retail price checks: every observation counts
    PriceCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 10, 3, 10), price=Decimal(210)
    )
    PriceCheckFactory(
        customer=c["c1"], sku=s["s1"], observed_at=at(2026, 10, 25, 10), price=Decimal(220)
    )
    PriceCheckFactory(
        customer=c["c2"], sku=s["s1"], observed_at=at(2026, 10, 15, 10), price=Decimal(190)
    )
    PriceCheckFactory(
        customer=c["c3"], sku=s["s2"], observed_at=at(2026, 10, 15, 10), price=Decimal(100)
    )
    PriceCheckFactory(
        customer=c["c4"], sku=s["s3"], observed_at=at(2026, 10, 15, 10), price=Decimal(550)
    )
    PriceCheckFactory(
        customer=c["x"], sku=s["s1"], observed_at=at(2026, 10, 15, 10), price=Decimal(400)
    )

    # forecasts for M
    for key, quantity in [("c1", 20), ("c2", 40), ("c4", 3), ("c5", 10), ("x", 500)]:
        ForecastFactory(customer=c[key], month=M, quantity=quantity)
    ForecastFactory(customer=c["c3"], month=dt.date(2026, 9, 1), quantity=99)  # another month

    run = indicators_compute(month=M)
    assert run.status == "succeeded"
    return {"c": c, "s": s, "cm": cm, "cat": {"R": root, "A": first, "L1": leaf, "B": second}}


def row(scope_type, scope_key, object_type, object_key, month=M):
    return ScopeIndicator.objects.get(
        month=month,
        scope_type=scope_type,
        scope_key=scope_key,
        object_type=object_type,
        object_key=object_key,
    )


def sku(key, scope_type="company", scope_key=""):
    return row(scope_type, scope_key, "sku", key)


def customer(world, key):
    return CustomerIndicator.objects.get(customer=world["c"][key], month=M)


def manager(world, key):
    return ManagerIndicator.objects.get(manager=world["cm"][key], month=M)


# --- brand indicators: the five rates ---------------------------------------------------


def test_coverage(world):
    s1 = sku("S1")
    assert s1.customers == 5  # c1–c5; x is inactive
    assert s1.ordering_customers == 3  # c1, c2, c4
    assert s1.coverage_rate == approx(0.6)  # 3 / 5
    assert sku("S2").coverage_rate == approx(0.2)  # c1 / 5


def test_requested_only_lines_count_in_requested_not_in_coverage_or_repurchase(world):
    s3 = sku("S3")
    # c2's line of s3 in M delivered 0 (8 requested): only c3 ordered
    assert s3.ordering_customers == 1
    assert s3.coverage_rate == approx(0.2)  # 1 / 5
    assert s3.requested == 12  # 4 + 8
    assert s3.volume == 4
    # c2 ordered s3 in M−1 but only requested it in M: no repurchase; 0 / 1
    assert s3.repurchase_rate == 0.0


def test_shelf_rate_latest_check_in_the_month_wins(world):
    # latest checks of s1 in October: c1 True (10-31 23:30 beats 10-05 False),
    # c2 True (the 11-01 00:30 local check is November), c3 False (10-01 07:00 local);
    # x is inactive → 2 / 3
    assert sku("S1").shelf_rate == approx(2 / 3)
    assert sku("S2").shelf_rate == 1.0  # c4 True → 1 / 1
    assert sku("S3").shelf_rate is None  # nobody checked s3: 0 / 0 is empty


def test_repurchase(world):
    # s1 ordered in M−1 by c1, c2, c3; in M by c1, c2, c4 → both: c1, c2 → 2 / 3
    assert sku("S1").repurchase_rate == approx(2 / 3)
    # s2 ordered in M−1 by c4 only, who did not order it in M → 0 / 1
    assert sku("S2").repurchase_rate == 0.0


def test_volume_growth_month_on_month_and_year_on_year(world):
    s1, s2, s3 = sku("S1"), sku("S2"), sku("S3")
    assert s1.volume_growth_mom == approx(0.8)  # (36 − 20) / 20
    assert s2.volume_growth_mom == approx(-0.375)  # (5 − 8) / 8
    assert s3.volume_growth_mom == approx(1.0)  # (4 − 2) / 2
    assert s1.volume_growth_yoy == approx(3.5)  # (36 − 8) / 8
    assert s3.volume_growth_yoy == approx(-0.2)  # (4 − 5) / 5
    assert s2.volume_growth_yoy is None  # vol(s2, M−12) = 0


def test_share_and_share_growth(world):
    s1, s2 = sku("S1"), sku("S2")
    assert s1.share == approx(0.8)  # 36 / 45
    assert s1.share_growth == approx(0.2)  # (36/45 − 20/30) / (20/30) = (0.8 − 0.6667) / 0.6667
    assert s2.share == approx(5 / 45)  # 0.1111
    assert s2.share_growth == approx(-7 / 12)  # (5/45 − 8/30) / (8/30) = (5/45 − 12/45) / (12/45)
    shares = ScopeIndicator.objects.filter(month=M, scope_type="company", object_type="sku")
    assert sum(r.share for r in shares) == approx(1.0)


def test_volume_amount_and_average_price(world):
    s1, s2, s3 = sku("S1"), sku("S2"), sku("S3")
    assert (s1.volume, s1.amount, s1.avg_price) == (36, Decimal("7200.00"), Decimal("200.00"))
    assert s2.avg_price == Decimal("80.00")  # 400 / 5
    assert s3.avg_price == Decimal("450.00")  # 1800 / 4 (the requested-only line has amount 0)
    assert sku("S1", "manager", "a2").avg_price is None  # a2 bought no s1: 0 / 0


def test_supply_satisfaction_and_state(world):
    s1, s2, s3 = sku("S1"), sku("S2"), sku("S3")
    assert s1.supply_satisfaction == approx(36 / 41)  # 36 / (10 + 25 + 6) = 0.878
    assert s1.supply_state == "balanced"
    assert s2.supply_satisfaction == approx(0.5)  # 5 / 10
    assert s2.supply_state == "tight"
    assert s3.supply_satisfaction == approx(1 / 3)  # 4 / 12
    assert s3.supply_state == "tight"
    assert sku("S2", "team", "TA").supply_state == "tight"  # c1: 5 / 10
    tb = sku("S2", "team", "TB")
    assert (tb.requested, tb.supply_satisfaction, tb.supply_state) == (0, None, "")


def test_supply_state_boundaries():
    states = supply_state(
        volume=[69, 7, 94, 19, 95, 0, 11], requested=[100, 10, 100, 20, 100, 0, 10]
    )
    assert list(states) == [
        "tight",  # 0.69
        "balanced",  # 0.70 exactly
        "balanced",  # 0.94
        "ample",  # 0.95 exactly
        "ample",  # 0.95
        "",  # nothing requested
        "ample",  # 1.1: more delivered than requested
    ]


def test_supply_state_boundaries_end_to_end(db):
    cm = CustomerManagerFactory()
    buyer = CustomerFactory(manager=cm)
    at_70, at_95 = SkuFactory(code="B70"), SkuFactory(code="B95")
    line(buyer, at_70, dt.date(2026, 10, 3), 7, 10, "840")  # 7 / 10 = 0.70
    line(buyer, at_95, dt.date(2026, 10, 3), 19, 20, "2280")  # 19 / 20 = 0.95
    indicators_compute(month=M)
    assert sku("B70").supply_satisfaction == approx(0.7)
    assert sku("B70").supply_state == "balanced"
    assert sku("B95").supply_satisfaction == approx(0.95)
    assert sku("B95").supply_state == "ample"


def test_price_index(world):
    # every October observation of s1 at an active customer: 210, 220, 190 against 200
    # → (1.05 + 1.10 + 0.95) / 3 = 1.0333; x's 400 does not count
    assert sku("S1").price_index == approx(3.10 / 3)
    assert sku("S3").price_index == approx(1.1)  # 550 / 500
    assert sku("S2").price_index is None  # s2 has no suggested retail price
    # the brand: its SKUs with a retail price, i.e. s1's three observations
    assert row("company", "", "brand", "玉溪").price_index == approx(3.10 / 3)


def test_inventory_to_sales(world):
    # latest October inventory of s1: c1 4 (not 10), c2 6; x is inactive → (4 + 6) / 36
    assert sku("S1").inventory_to_sales == approx(10 / 36)
    # s3: c3 2 + c4 3 → 5 / 4
    assert sku("S3").inventory_to_sales == approx(1.25)
    # s2: the only check (c1, 99) is on 1 November local → no check in October: empty
    assert sku("S2").inventory_to_sales is None
    # TB: c4 holds 3 of s3 but TB sold no s3 in M → 3 / 0 is empty
    assert sku("S3", "team", "TB").inventory_to_sales is None


# --- objects made of several SKUs --------------------------------------------------------


def test_brand_rows_aggregate_their_skus(world):
    yuxi = row("company", "", "brand", "玉溪")  # s1 + s2
    assert yuxi.object_name == "玉溪"
    assert yuxi.ordering_customers == 3  # c1 (s1, s2), c2, c4
    assert yuxi.coverage_rate == approx(0.6)  # 3 / 5
    assert yuxi.volume == 41  # 36 + 5
    assert yuxi.requested == 51  # 41 + 10
    assert yuxi.amount == Decimal("7600.00")
    assert yuxi.avg_price == Decimal("185.37")  # 7600 / 41 = 185.366
    assert yuxi.supply_state == "balanced"  # 41 / 51 = 0.804
    # M−1: s1 by c1, c2, c3 and s2 by c4 → both months: c1, c2, c4 → 3 / 4
    assert yuxi.repurchase_rate == approx(0.75)
    assert yuxi.volume_growth_mom == approx(13 / 28)  # (41 − 28) / 28
    assert yuxi.volume_growth_yoy == approx(4.125)  # (41 − 8) / 8
    assert yuxi.share == approx(41 / 45)
    assert yuxi.share_growth == approx(-1 / 42)  # (41/45 − 28/30) / (28/30) = 615/630 − 1
    # latest checks: c1 s1 ✓, c2 s1 ✓, c3 s1 ✗, c4 s2 ✓ → 3 of 4 customers
    assert yuxi.shelf_rate == approx(0.75)
    assert yuxi.inventory_to_sales == approx(10 / 41)  # (4 + 6) / 41
    zhonghua = row("company", "", "brand", "中华")  # s3 only
    assert (zhonghua.volume, zhonghua.coverage_rate) == (4, approx(0.2))


def test_category_rows_aggregate_descendants(world):
    cat = world["cat"]
    first = row("company", "", "category", str(cat["A"].pk))  # 一类烟 → 常规: s1 + s3
    assert first.object_name == "卷烟 / 一类烟"
    assert first.volume == 40  # 36 + 4
    assert first.ordering_customers == 4  # c1, c2, c4 (s1) and c3 (s3)
    assert first.coverage_rate == approx(0.8)  # 4 / 5
    leaf = row("company", "", "category", str(cat["L1"].pk))
    assert leaf.object_name == "卷烟 / 一类烟 / 常规"
    assert leaf.volume == 40
    second = row("company", "", "category", str(cat["B"].pk))  # s2
    assert second.volume == 5
    root = row("company", "", "category", str(cat["R"].pk))  # everything
    assert (root.volume, root.share, root.requested) == (45, approx(1.0), 63)  # 41 + 10 + 12


# --- scopes -------------------------------------------------------------------------------


def test_team_scope_counts_only_its_customers(world):
    ta = sku("S1", "team", "TA")  # a1: c1, c2; a2: c3 (z0 has no customers)
    assert ta.customers == 3
    assert ta.coverage_rate == approx(2 / 3)  # c1, c2
    assert ta.volume == 30
    assert ta.share == approx(30 / 39)  # TA's total: c1 15 + c2 20 + c3 4
    assert ta.shelf_rate == approx(2 / 3)  # c1 ✓, c2 ✓, c3 ✗
    tb = sku("S1", "team", "TB")  # b1: c4; b2: c5
    assert tb.customers == 2
    assert tb.coverage_rate == approx(0.5)  # c4
    assert tb.volume == 6
    assert tb.share == approx(1.0)  # 6 / 6
    assert tb.shelf_rate is None  # nobody in TB had s1 checked
    assert tb.repurchase_rate is None  # nobody in TB ordered s1 in M−1
    assert tb.volume_growth_mom is None  # 0 in M−1


def test_manager_scope_counts_only_their_customers(world):
    a1 = sku("S1", "manager", "a1")  # c1, c2 (x is inactive)
    assert (a1.customers, a1.ordering_customers, a1.coverage_rate) == (2, 2, 1.0)
    assert a1.volume == 30
    assert a1.share == approx(30 / 35)  # a1's total in M: 15 + 20
    a2 = sku("S1", "manager", "a2")  # c3 ordered s1 in M−1 only
    assert (a2.coverage_rate, a2.volume) == (0.0, 0)
    assert a2.volume_growth_mom == -1.0  # (0 − 3) / 3
    assert a2.repurchase_rate == 0.0  # 0 / 1
    z0 = sku("S1", "manager", "z0")  # no customers: every rate empty
    assert (z0.customers, z0.coverage_rate, z0.share, z0.volume) == (0, None, None, 0)


def test_inactive_customers_count_nowhere(world):
    assert not CustomerIndicator.objects.filter(customer=world["c"]["x"]).exists()
    assert manager(world, "a1").customers == 2
    assert sku("S1").volume == 36  # without x's 100
    assert sku("S1", "manager", "a1").requested == 35  # 10 + 25, without x's 100


def test_first_and_last_day_of_the_month_belong_to_it(world):
    c1 = customer(world, "c1")
    # 10-01 and 10-31 are October; 09-30 is September, 11-01 November
    assert (c1.volume, c1.order_days) == (15, 2)
    assert c1.volume_change_mom == approx(8 / 7)  # (15 − 7) / 7


def test_year_on_year_is_empty_without_lines_twelve_months_back(world):
    # M' = 2026-09: M'−12 = 2025-09 has no lines at all
    indicators_compute(month=dt.date(2026, 9, 1))
    september = ScopeIndicator.objects.filter(month=dt.date(2026, 9, 1))
    assert september.exists()
    assert not september.filter(volume_growth_yoy__isnull=False).exists()
    assert row("company", "", "sku", "S1", dt.date(2026, 9, 1)).volume == 20


# --- customer indicators ------------------------------------------------------------------


def test_customer_indicators(world):
    c1, c2, c3, c4, c5 = (customer(world, k) for k in ("c1", "c2", "c3", "c4", "c5"))
    assert c1.manager == world["cm"]["a1"]
    assert c1.team.code == "TA"
    # c1: s1 10 + s2 5; 2000 + 400; two days; s1 is a key SKU
    assert (c1.volume, c1.amount, c1.order_days) == (15, Decimal("2400.00"), 2)
    assert (c1.distinct_skus, c1.key_skus_ordered) == (2, 1)
    assert c1.avg_price == Decimal("160.00")  # 2400 / 15
    assert (c1.forecast, c1.requested, c1.forecast_error) == (20, 20, 0.0)  # (20 − 20) / 20
    assert c1.inventory_to_sales == approx(0.4)  # latest s1 stock 4 / s1 volume 10
    # c2: the requested-only s3 line is no SKU ordered and no order day
    assert (c2.volume, c2.order_days, c2.distinct_skus, c2.key_skus_ordered) == (20, 1, 1, 1)
    assert c2.requested == 33  # 25 + 8
    assert c2.forecast_error == approx(7 / 33)  # (40 − 33) / 33
    assert c2.volume_change_mom == approx(2 / 3)  # (20 − 12) / 12
    assert c2.inventory_to_sales == approx(0.3)  # 6 / 20
    # c3: no forecast
    assert (c3.key_skus_ordered, c3.avg_price) == (0, Decimal("450.00"))
    assert (c3.forecast, c3.forecast_error) == (None, None)
    assert c3.volume_change_mom == approx(1 / 3)  # (4 − 3) / 3
    assert c3.inventory_to_sales == approx(0.5)  # 2 / 4
    # c4: forecast 3 against 6; stock of s3 it did not buy → 3 / 0 is empty
    assert c4.forecast_error == approx(-0.5)  # (3 − 6) / 6
    assert c4.volume_change_mom == approx(-0.25)  # (6 − 8) / 8
    assert c4.inventory_to_sales is None
    # c5: nothing at all
    assert (c5.volume, c5.amount, c5.order_days, c5.distinct_skus) == (0, Decimal("0.00"), 0, 0)
    assert (c5.avg_price, c5.volume_change_mom, c5.inventory_to_sales) == (None, None, None)
    assert (c5.forecast, c5.requested, c5.forecast_error) == (10, 0, None)  # 10 / 0 is empty


# --- customer-manager indicators ----------------------------------------------------------


def test_forecast_accuracy_bias_and_coverage(world):
    a1 = manager(world, "a1")  # c1: f 20, r 20; c2: f 40, r 33 (x's forecast does not count)
    assert a1.customers == 2
    assert a1.forecast_accuracy == approx(46 / 53)  # 1 − (0 + 7) / (20 + 33)
    assert a1.forecast_bias == approx(7 / 53)  # (0 + 7) / 53
    assert a1.forecast_coverage == 1.0  # 2 / 2
    assert a1.volume == 35  # 15 + 20
    assert a1.volume_growth_mom == approx(16 / 19)  # (35 − 19) / 19
    a2 = manager(world, "a2")  # c3 has no forecast for M
    assert (a2.forecast_accuracy, a2.forecast_bias, a2.forecast_coverage) == (None, None, 0.0)
    assert a2.volume_growth_mom == approx(1 / 3)  # (4 − 3) / 3
    b1 = manager(world, "b1")  # c4: f 3, r 6
    assert b1.forecast_accuracy == approx(0.5)  # 1 − 3 / 6
    assert b1.forecast_bias == approx(-0.5)  # (3 − 6) / 6
    assert b1.team.code == "TB"
    b2 = manager(world, "b2")  # c5: f 10, r 0 → Σ requested = 0: empty
    assert (b2.forecast_accuracy, b2.forecast_bias, b2.forecast_coverage) == (None, None, 1.0)
    assert (b2.volume, b2.volume_growth_mom) == (0, None)
    z0 = manager(world, "z0")  # no customers
    assert (z0.customers, z0.forecast_coverage, z0.volume_growth_mom) == (0, None, None)
    # the planning and visit columns wait for that work
    assert (a1.actions_planned, a1.actions_done, a1.completion_rate) == (0, 0, None)
    assert (a1.visits_planned, a1.visits_done) == (0, 0)


# --- loading --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_loading_apart_gives_what_loading_in_the_callers_transaction_gives(
    world, postgres_only, monkeypatch
):
    """Outside a transaction (a worker) the lines of M, M−1 and the M−12 volumes load on
    connections of their own; inside one (where other connections cannot see the caller's
    rows) on the job's connection. Both give the active customers' lines exactly as the ORM
    reads them, and their M−12 volume per (manager, SKU)."""
    from django.db import transaction

    from reports import frames

    apart = []
    real = frames._apart
    monkeypatch.setattr(frames, "_apart", lambda *a: apart.append(1) or real(*a))
    loaded = frames.load_frames(M)
    assert len(apart) == 3
    with transaction.atomic():
        inside = frames.load_frames(M)
    assert len(apart) == 3  # inside the transaction: no connection of its own

    active = OrderLine.objects.filter(customer__status="active")
    amount_cents = ExpressionWrapper(F("amount") * 100, output_field=IntegerField())
    for period, columns in frames.PERIOD_COLUMNS.items():
        start = add_months(M, -period)
        expected = (
            active.filter(order_date__gte=start, order_date__lt=add_months(start, 1))
            .annotate(cents=amount_cents, requested=F("requested_quantity"))
            .values("customer_id", "sku_id", "order_date", "quantity", "requested", "cents")
        )
        expected = pd.DataFrame.from_records(list(expected))
        expected["day"] = [(d - M).days for d in expected.pop("order_date")]
        expected = expected[columns].astype({c: loaded.lines[period][c].dtype for c in columns})
        order = ["customer_id", "sku_id", *(["day"] if "day" in columns else [])]
        for got in (loaded, inside):
            pd.testing.assert_frame_equal(
                got.lines[period].sort_values(order, ignore_index=True),
                expected.sort_values(order, ignore_index=True),
            )
    # M−12: c1 s1 8 (a1), c3 s3 5 (a2)
    a1, a2 = world["cm"]["a1"].pk, world["cm"]["a2"].pk
    s1, s3 = world["s"]["s1"].pk, world["s"]["s3"].pk
    for got in (loaded, inside):
        assert sorted(got.year_ago.itertuples(index=False, name=None)) == sorted(
            [(a1, s1, 8), (a2, s3, 5)]
        )
        assert got.has_year_ago

    before = snapshot()
    with transaction.atomic():
        indicators_compute(month=M)
    assert snapshot() == before
