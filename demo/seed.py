"""Runs the generators and writers in order, reporting rows and seconds per table."""

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from accounts.models import Role, Team, User
from brands.models import Brand, Category, Sku
from core.months import add_months, previous_month
from customers.models import Customer
from cycle.models import MarketingAction, PlannedVisit, Visit
from markets.models import (
    Forecast,
    InventoryCheck,
    MarketInfo,
    OrderLine,
    PriceCheck,
    ShelfCheck,
)
from markets.partitions import default_split, is_partitioned

from . import load
from .customers import build_customers
from .effects import forecast_flags, growth_flags, lift_lines, pick, write_effect_actions
from .execution import Staff, execution_months, seed_execution
from .forecasts import build_forecasts
from .observations import build_observations
from .orders import OrderModel
from .people import build_people
from .satisfaction import seed_satisfaction
from .scale import Scale
from .skus import build_skus

# the tables the first reports read
ANALYZED = (
    Customer,
    Sku,
    OrderLine,
    Forecast,
    ShelfCheck,
    InventoryCheck,
    PriceCheck,
    MarketInfo,
    Visit,
    PlannedVisit,
    MarketingAction,
)


class Timer:
    """Counts rows per model and prints each step's time."""

    def __init__(self, write: Callable[[str], None]):
        self.write, self.counts = write, {}

    def run(self, model, action: Callable[[], int]) -> None:
        started = time.perf_counter()
        rows = action()
        self.counts[model] = rows
        label = model._meta.verbose_name_plural
        self.write(f"  {label}: {rows:,} ({time.perf_counter() - started:.1f} s)")


def seed(scale: Scale, months: int, seed: int, write: Callable[[str], None]):
    """Writes everything; returns (people, rows per model, first and last month)."""

    # An independent stream per part, so changing one generator leaves the others alone.
    def stream(part: int) -> np.random.Generator:
        return np.random.default_rng([seed, part])

    last = previous_month()
    month_list = [add_months(last, i - months + 1) for i in range(months)]
    timer = Timer(write)
    people = build_people(scale, stream(1))
    users: dict = {}

    def people_step() -> int:
        users.update(load.create_people(people, scale.teams))
        return len(users)

    timer.run(User, people_step)
    timer.counts[Team] = len(scale.teams)

    customers = build_customers(scale, stream(2))
    managers = [p.username for p in people if p.role == Role.CUSTOMER_MANAGER]
    manager_ids = np.array([users[u].pk for u in managers], dtype=np.int64)
    ids: dict[str, np.ndarray] = {}

    def customer_step() -> int:
        ids["customer"] = load.create_customers(customers, manager_ids)
        return len(customers)

    timer.run(Customer, customer_step)

    skus = build_skus(scale, stream(3), month_list[0], add_months(last, 1))

    def sku_step() -> int:
        ids["sku"], nodes, brands = load.create_catalog(skus)
        timer.counts[Category], timer.counts[Brand] = nodes, brands
        return len(skus)

    timer.run(Sku, sku_step)

    model = OrderModel(customers, skus, scale, month_list, stream(4))
    cust_ids, sku_ids = ids["customer"], ids["sku"]
    # each manager's volume in the months the demo's plans set goals from
    goal_months = {add_months(m, -1) for m in execution_months(timezone.localdate())}
    volumes: dict = {}
    # the month whose plan's actions get a measured effect (demo/effects.py), and the
    # customers' volumes of the two months before it (its flags)
    effect_month = execution_months(timezone.localdate())[0]
    flag_months = (add_months(effect_month, -2), add_months(effect_month, -1))
    customer_volumes: dict = {}
    chosen: dict = {}

    def order_frames():
        for index, month in enumerate(month_list):
            started = time.perf_counter()
            lines = model.lines(index).frame
            if month == effect_month and all(m in customer_volumes for m in flag_months):
                flags = growth_flags(customers, *(customer_volumes[m] for m in flag_months))
                chosen["growth"] = pick(flags, stream(8))
                lines = lift_lines(lines, chosen["growth"][0])
                model.requested[:, index] = np.bincount(
                    lines["customer"].to_numpy(),
                    weights=lines["requested"].to_numpy(),
                    minlength=len(customers),
                )
            if month in flag_months:
                customer_volumes[month] = np.bincount(
                    lines["customer"].to_numpy(),
                    weights=lines["quantity"].to_numpy(),
                    minlength=len(customers),
                )
            write(f"    {month:%Y-%m}: {len(lines):,} ({time.perf_counter() - started:.1f} s)")
            if month in goal_months:
                volumes[month] = np.bincount(
                    customers["manager"].to_numpy()[lines["customer"].to_numpy()],
                    weights=lines["quantity"].to_numpy(),
                    minlength=len(managers),
                )
            yield pd.DataFrame(
                {
                    "order_date": lines["order_date"],
                    "customer_id": cust_ids[lines["customer"].to_numpy()],
                    "sku_id": sku_ids[lines["sku"].to_numpy()],
                    "quantity": lines["quantity"],
                    "requested_quantity": lines["requested"],
                    "amount": lines["amount_cents"],
                }
            )

    timer.run(OrderLine, lambda: load.write_rows(OrderLine, order_frames(), money=("amount",)))
    if is_partitioned():
        # on PostgreSQL the bulk load lands in the default partition: give each month its own,
        # as an order import would, so that reads of a month touch one partition
        default_split()

    def forecast_step() -> int:
        frame = build_forecasts(model.requested, month_list, customers, len(managers), stream(5))
        if "growth" in chosen and flag_months[1] in month_list:
            flagged = forecast_flags(
                customers,
                frame,
                model.requested[:, month_list.index(flag_months[1])],
                flag_months[1],
            )
            chosen["forecast"] = pick(flagged, stream(11))
        now = np.datetime64("now", "s")
        out = pd.DataFrame(
            {
                "month": frame["month"],
                "customer_id": cust_ids[frame["customer"].to_numpy()],
                "quantity": frame["quantity"],
                "updated_at": np.full(len(frame), now),
            }
        )
        return load.write_rows(Forecast, [out], times=("updated_at",))

    timer.run(Forecast, forecast_step)

    observed = build_observations(model, customers, skus, stream(6))
    recorder = manager_ids[customers["manager"].to_numpy()]
    tables = {
        "shelf": ShelfCheck,
        "inventory": InventoryCheck,
        "price": PriceCheck,
        "info": MarketInfo,
    }
    for kind, table in tables.items():
        frame = observed[kind].copy()
        customer = frame.pop("customer").to_numpy()
        frame.insert(0, "customer_id", cust_ids[customer])
        frame["recorded_by_id"] = recorder[customer]
        if "sku" in frame:
            frame["sku_id"] = sku_ids[frame.pop("sku").to_numpy()]
        if "price_cents" in frame:
            frame["price"] = frame.pop("price_cents")
        timer.run(
            table,
            lambda t=table, f=frame: load.write_rows(
                t, [f], money=("price",), times=("observed_at",)
            ),
        )

    mm_of_team = [users[f"mm{n + 1}"].pk for n in range(len(scale.teams))]
    staff = Staff(
        manager_ids=manager_ids,
        market_manager_ids=np.array(
            [mm_of_team[i // scale.managers_per_team] for i in range(len(managers))],
            dtype=np.int64,
        ),
    )
    started = time.perf_counter()
    executed = seed_execution(
        customers=customers,
        cust_ids=cust_ids,
        staff=staff,
        observed=observed,
        volumes=volumes,
        today=timezone.localdate(),
        rng=stream(7),
    )
    if chosen:
        executed[MarketingAction] += write_effect_actions(
            month=effect_month,
            chosen=chosen,
            cust_ids=cust_ids,
            owner_ids=recorder,
            rng=stream(10),
        )
    timer.counts.update(executed)
    rows = "，".join(f"{m._meta.verbose_name_plural} {n:,}" for m, n in executed.items())
    write(f"  {rows} ({time.perf_counter() - started:.1f} s)")

    started = time.perf_counter()
    answered = seed_satisfaction(
        customers=customers,
        cust_ids=cust_ids,
        staff=staff,
        first_month=month_list[0],
        today=timezone.localdate(),
        rng=stream(8),
    )
    timer.counts.update(answered)
    rows = "，".join(f"{m._meta.verbose_name_plural} {n:,}" for m, n in answered.items())
    write(f"  {rows} ({time.perf_counter() - started:.1f} s)")

    if connection.vendor == "postgresql":
        # fresh statistics, or the first reports plan their joins on empty-table guesses
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for table in ANALYZED:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table._meta.db_table)}")
            write(f"  ANALYZE ({time.perf_counter() - started:.1f} s)")
    return people, timer.counts, month_list[0], last
