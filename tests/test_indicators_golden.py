"""The indicator job's stored rows, every column of every row, against a golden file written
by the job as it was before its restructuring for city scale (issue #15): the hand-worked
fixture of test_indicators_formulas (whose numbers those tests pin one by one) and a random
month — many customers, SKUs on three category levels, a manager without a team, a team
without managers, inactive customers, requested-only lines, checks and prices — where a change in any grouping, object map or scope would show.

Rows are keyed by natural keys (customer code, username, team code, category path), not ids,
and an SKU's name (numbered by the factory) is checked against the SKU's own, so the file holds on SQLite and PostgreSQL alike. Integers and money compare exactly; rates
to 1e-12 relative (the same sums may be added in another order).

Regenerate only on purpose: ``GOLDEN_WRITE=1 pytest tests/test_indicators_golden.py``."""

import datetime as dt
import json
import math
import os
import random
from decimal import Decimal
from pathlib import Path

import pytest

from brands.models import Category, Sku
from customers.models import Customer
from markets.models import Forecast, InventoryCheck, OrderLine, PriceCheck, ShelfCheck
from reports.models import CustomerIndicator, ManagerIndicator, ScopeIndicator
from reports.services import indicators_compute
from tests.factories import SHANGHAI as SH
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    CustomerManagerFactory,
    SkuFactory,
    TeamFactory,
)
from tests.test_indicators_formulas import M, world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).with_name("indicators_golden.json")


def stored(month: dt.date) -> dict:
    """Every stored indicator row of ``month`` as plain values keyed by natural keys."""

    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    scope = [
        {k: plain(v) for k, v in r.items() if k != "id"}
        for r in ScopeIndicator.objects.filter(month=month).values()
    ]
    sku_names = dict(Sku.objects.values_list("code", "name"))  # the factory numbers names
    for r in scope:
        if r["object_type"] == "category":  # its key is its database id: its path stands in
            r["object_key"] = r["object_name"]
        elif r["object_type"] == "sku" and r["object_name"] == sku_names[r["object_key"]]:
            r["object_name"] = "(the SKU's name)"
    customer = [
        {
            **{k: plain(v) for k, v in r.items() if not k.endswith("id")},
            "customer": r["customer__code"],
            "manager": r["manager__username"],
            "team": r["team__code"],
        }
        for r in CustomerIndicator.objects.filter(month=month).values(
            *[
                f.attname
                for f in CustomerIndicator._meta.concrete_fields
                if not f.attname.endswith("id")
            ],
            "customer__code",
            "manager__username",
            "team__code",
        )
    ]
    manager = [
        {
            **{k: plain(v) for k, v in r.items() if not k.endswith("id")},
            "manager": r["manager__username"],
            "team": r["team__code"],
        }
        for r in ManagerIndicator.objects.filter(month=month).values(
            *[
                f.attname
                for f in ManagerIndicator._meta.concrete_fields
                if not f.attname.endswith("id")
            ],
            "manager__username",
            "team__code",
        )
    ]
    for rows in (scope, customer, manager):
        for r in rows:
            r.pop("customer__code", None)
            r.pop("manager__username", None)
            r.pop("team__code", None)
    return {
        "scope": sorted(
            scope,
            key=lambda r: (r["scope_type"], r["scope_key"], r["object_type"], r["object_key"]),
        ),
        "customer": sorted(customer, key=lambda r: r["customer"]),
        "manager": sorted(manager, key=lambda r: r["manager"]),
    }


def assert_same(got: dict, expected: dict) -> None:
    for table in ("scope", "customer", "manager"):
        assert len(got[table]) == len(expected[table]), table
        for g, e in zip(got[table], expected[table], strict=True):
            assert set(g) == set(e), (table, e)
            for column, want in e.items():
                have = g[column]
                if isinstance(want, float) and isinstance(have, float):
                    assert math.isclose(have, want, rel_tol=1e-12), (table, column, e, g)
                else:
                    assert have == want, (table, column, e, g)


def _dumps(everything: dict) -> str:
    """One row per line, so that a change reads as a diff of rows."""

    def row(r):
        return json.dumps(r, ensure_ascii=False, sort_keys=True)

    parts = []
    for name in sorted(everything):
        tables = [
            f'  "{table}": [\n' + ",\n".join(f"   {row(r)}" for r in rows) + "\n  ]"
            for table, rows in sorted(everything[name].items())
        ]
        parts.append(f'"{name}": {{\n' + ",\n".join(tables) + "\n }")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def check(name: str, month: dt.date) -> None:
    got = stored(month)
    everything = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if os.environ.get("GOLDEN_WRITE"):
        everything[name] = got
        GOLDEN.write_text(_dumps(everything))
    assert_same(got, everything[name])


def test_the_hand_worked_month_is_unchanged(world):  # noqa: F811
    check("formulas", M)
    # a sample of what test_indicators_formulas pins by hand, to show the file agrees
    rows = {
        (r["scope_type"], r["scope_key"], r["object_type"], r["object_key"]): r
        for r in stored(M)["scope"]
    }
    s1 = rows[("company", "", "sku", "S1")]
    assert (s1["volume"], s1["customers"], s1["ordering_customers"]) == (36, 5, 3)


R = dt.date(2026, 6, 1)


@pytest.fixture
def random_month():
    rng = random.Random(15)
    teams = [TeamFactory(code=f"T{i}") for i in range(3)]  # T2 keeps no managers
    managers = [
        CustomerManagerFactory(username=f"m{i}", team=teams[i % 2] if i < 5 else None)
        for i in range(6)
    ]  # m5 has no team
    CustomerManagerFactory(username="m9", team=teams[0])  # no customers
    customers = [
        CustomerFactory(
            code=f"K{i:03d}",
            manager=managers[i % 6],
            status="inactive" if i % 11 == 0 else "active",
        )
        for i in range(60)
    ]
    root = Category.objects.create(name="卷烟")
    mids = [Category.objects.create(name=f"类{i}", parent=root, position=i) for i in range(2)]
    leaves = [Category.objects.create(name=f"叶{i}", parent=mids[i % 2]) for i in range(3)]
    brands = [BrandFactory(name=f"品牌{i}") for i in range(5)]
    skus = [
        SkuFactory(
            code=f"S{i:02d}",
            brand=brands[i % 5],
            is_key_brand=i % 4 == 0,
            retail_price=None if i % 7 == 3 else Decimal(100 + 10 * i),
            category=None
            if i == 19
            else [leaves[i % 3], mids[i % 2], root][i % 3 if i > 15 else 0],
        )
        for i in range(20)
    ]
    months = {R: 400, dt.date(2026, 5, 1): 300, dt.date(2025, 6, 1): 150}
    lines = {}  # one line per customer, day and SKU
    for month, count in months.items():
        for _ in range(count):
            quantity = rng.choice([0, 0, 1, 2, 5, 10, 30])
            day = month + dt.timedelta(days=rng.randrange(28))
            customer, sku = rng.choice(customers), rng.choice(skus[:18])  # not S18, S19
            lines[customer.pk, day, sku.pk] = OrderLine(
                order_date=day,
                customer=customer,
                sku=sku,
                quantity=quantity,
                requested_quantity=quantity + rng.choice([0, 0, 1, 4]),
                amount=Decimal(quantity * rng.randrange(80, 400)) / 4,
            )
    OrderLine.objects.bulk_create(lines.values())
    Forecast.objects.bulk_create(
        Forecast(customer=c, month=R, quantity=rng.randrange(0, 200))
        for c in customers
        if rng.random() < 0.6
    )
    observed = [
        dt.datetime(2026, 6, 1, 7, tzinfo=SH) + dt.timedelta(hours=rng.randrange(0, 30 * 24))
        for _ in range(200)
    ]
    ShelfCheck.objects.bulk_create(
        ShelfCheck(
            customer=rng.choice(customers),
            sku=rng.choice(skus),
            observed_at=observed[i],
            on_shelf=rng.random() < 0.6,
        )
        for i in range(80)
    )
    InventoryCheck.objects.bulk_create(
        InventoryCheck(
            customer=rng.choice(customers),
            sku=rng.choice(skus),
            observed_at=observed[80 + i],
            quantity=rng.randrange(0, 40),
        )
        for i in range(60)
    )
    PriceCheck.objects.bulk_create(
        PriceCheck(
            customer=rng.choice(customers),
            sku=rng.choice(skus),
            observed_at=observed[140 + i],
            price=Decimal(rng.randrange(9000, 60000)) / 100,
        )
        for i in range(60)
    )
    run = indicators_compute(month=R)
    assert run.status == "succeeded"
    return customers


def test_a_random_month_is_unchanged(random_month):
    check("random", R)
    got = stored(R)
    # every scope type is there, with every object, and only active customers count
    active = Customer.objects.filter(status="active").count()
    company = [r for r in got["scope"] if r["scope_type"] == "company"]
    assert {r["customers"] for r in company} == {active}
    assert len(got["customer"]) == active
    assert {r["manager"] for r in got["manager"]} == {f"m{i}" for i in (0, 1, 2, 3, 4, 5, 9)}
