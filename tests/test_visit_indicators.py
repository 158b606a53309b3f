"""The month's execution in the indicators (DESIGN.md §4 step 4, §5): actions and visits
planned and done per customer manager (and per customer) from the cycle's records, checks
recorded on visits in the brand indicators, and the no-visit warning rule fed by the valid
visits."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cycle.execution_counts import (
    customer_execution_counts,
    execution_counts,
    valid_visits_by_customer,
)
from cycle.services import visit_check_in, visit_open, visit_record_check
from cycle.strategy.engine import warnings_evaluate
from cycle.strategy.visit_source import visit_source
from reports.models import CustomerIndicator, ManagerIndicator, ScopeIndicator
from reports.services import indicators_compute
from tests.factories import SHANGHAI as SH
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    MarketingActionFactory,
    OrderLineFactory,
    PlannedVisitFactory,
    SkuFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
M = dt.date(2026, 10, 1)
P = dt.date(2026, 9, 1)
approx = pytest.approx


def at(month: dt.date, day: int, hour: int = 9, second: int = 0) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, hour, 0, second, tzinfo=SH)


def visit(cycle, customer, day: int, seconds: int | None):
    checked_in = at(cycle.month, day)
    return VisitFactory(
        cycle=cycle,
        customer=customer,
        date=cycle.month.replace(day=day),
        checked_in_at=checked_in,
        checked_out_at=None if seconds is None else checked_in + dt.timedelta(seconds=seconds),
    )


@pytest.fixture
def month(two_teams):
    """a1's October: customers x, y, z (and C-a1 untouched).

    actions: x done, y open, z open (3 planned, 1 done); a removed one that was done and
    two temporary tasks (one done) count in neither. Planned days: x on the 5th and 12th,
    y on the 6th (3). Visits: x 600 s on the 5th and exactly 60 s on the 12th (valid), y 59 s
    (short), z never checked out → 2 valid. September's records stay in September."""
    a1 = two_teams["cm"]["a1"]
    x, y, z = (CustomerFactory(manager=a1, code=f"C-{k}") for k in "xyz")
    cycle = CycleFactory(manager=a1, month=M)
    done = timezone.now()
    MarketingActionFactory(cycle=cycle, customer=x, done_at=done)
    MarketingActionFactory(cycle=cycle, customer=y)
    MarketingActionFactory(cycle=cycle, customer=z)
    MarketingActionFactory(cycle=cycle, customer=x, done_at=done, removed_at=done)
    MarketingActionFactory(cycle=cycle, customer=y, temporary=True, done_at=done)
    MarketingActionFactory(cycle=cycle, customer=z, temporary=True)
    for customer, day in ((x, 5), (x, 12), (y, 6)):
        PlannedVisitFactory(cycle=cycle, customer=customer, date=M.replace(day=day))
    visit(cycle, x, 5, 600)
    visit(cycle, x, 12, 60)
    visit(cycle, y, 6, 59)
    visit(cycle, z, 7, None)
    before = CycleFactory(manager=a1, month=P)
    MarketingActionFactory(cycle=before, customer=x, done_at=done)
    PlannedVisitFactory(cycle=before, customer=y, date=P.replace(day=3))
    visit(before, y, 3, 900)
    return two_teams | {"cycle": cycle, "x": x, "y": y, "z": z}


def test_manager_indicators_count_the_plan_carried_out(month):
    indicators_compute(month=M)
    a1 = ManagerIndicator.objects.get(manager=month["cm"]["a1"], month=M)
    assert (a1.actions_planned, a1.actions_done) == (3, 1)
    assert a1.completion_rate == approx(1 / 3)
    assert (a1.visits_planned, a1.visits_done) == (3, 2)
    a2 = ManagerIndicator.objects.get(manager=month["cm"]["a2"], month=M)
    assert (a2.actions_planned, a2.actions_done, a2.completion_rate) == (0, 0, None)
    assert (a2.visits_planned, a2.visits_done) == (0, 0)
    indicators_compute(month=P)
    september = ManagerIndicator.objects.get(manager=month["cm"]["a1"], month=P)
    assert (september.actions_planned, september.actions_done) == (1, 1)
    assert september.completion_rate == 1.0
    assert (september.visits_planned, september.visits_done) == (1, 1)


def test_customer_indicators_count_valid_visits_and_planned_actions_done(month):
    indicators_compute(month=M)
    rows = {
        r.customer.code: (r.visits_done, r.actions_done)
        for r in CustomerIndicator.objects.filter(month=M).select_related("customer")
    }
    assert rows["C-x"] == (2, 1)
    assert rows["C-y"] == (0, 0)  # a 59 s visit; its temporary task is no planned action
    assert rows["C-z"] == (0, 0)
    assert rows["C-a1"] == (0, 0)


def test_recomputing_after_more_work_replaces_the_counts(month):
    indicators_compute(month=M)
    month["cycle"].actions.filter(customer=month["y"], temporary=False).update(
        done_at=timezone.now()
    )
    visit(month["cycle"], month["z"], 8, 3600)
    indicators_compute(month=M)
    a1 = ManagerIndicator.objects.get(manager=month["cm"]["a1"], month=M)
    assert (a1.actions_done, a1.completion_rate, a1.visits_done) == (2, approx(2 / 3), 3)
    assert ManagerIndicator.objects.filter(manager=month["cm"]["a1"], month=M).count() == 1


def test_counts_take_a_fixed_number_of_queries(month, django_assert_num_queries):
    with django_assert_num_queries(6):
        small = execution_counts(month=M), customer_execution_counts(month=M)
    for n in range(5):
        manager = CustomerManagerFactory(username=f"more{n}")
        cycle = CycleFactory(manager=manager, month=M)
        customer = CustomerFactory(manager=manager, code=f"M{n}")
        MarketingActionFactory(cycle=cycle, customer=customer, done_at=timezone.now())
        PlannedVisitFactory(cycle=cycle, customer=customer, date=M.replace(day=9))
        visit(cycle, customer, 9, 300)
    with django_assert_num_queries(6):
        managers, customers = execution_counts(month=M), customer_execution_counts(month=M)
    assert len(managers) == len(small[0]) + 5
    assert managers.loc[month["cm"]["a1"].pk].to_dict() == {
        "actions_planned": 3,
        "actions_done": 1,
        "visits_planned": 3,
        "visits_done": 2,
    }
    assert customers.loc[month["x"].pk].to_dict() == {"visits_done": 2, "actions_done": 1}


def test_manager_export_carries_the_counts(month, tmp_path):
    indicators_compute(month=M)
    path = tmp_path / "managers.csv"
    call_command(
        "export_indicators", "--month", "2026-10", "--kind", "manager", "--scope", "manager:a1",
        "-o", str(path), stdout=io.StringIO(),
    )  # fmt: skip
    [row] = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert (row["actions_planned"], row["actions_done"], row["completion_rate"]) == (
        "3",
        "1",
        "0.3333",
    )
    assert (row["visits_planned"], row["visits_done"]) == ("3", "2")
    path = tmp_path / "customers.csv"
    call_command(
        "export_indicators", "--month", "2026-10", "--kind", "customer", "--scope", "manager:a1",
        "-o", str(path), stdout=io.StringIO(),
    )  # fmt: skip
    rows = {r["customer_code"]: r for r in csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))}
    assert (rows["C-x"]["visits_done"], rows["C-x"]["actions_done"]) == ("2", "1")


# --- checks recorded on visits ------------------------------------------------------------


def test_checks_recorded_on_visits_make_the_brand_indicators(two_teams):
    """Through the visit services, in October: x on the shelf; y off (recorded on, then
    corrected to off on the same visit); z on the 7th, off at its later visit on the 8th.
    Shelf rate of the SKU in a1's territory = 1 / 3. Prices 140 and 150 against 135: index
    145 / 135. Stock 15 + 5 against the volume of x and y, 10 + 20: 20 / 30."""
    a1 = two_teams["cm"]["a1"]
    sku = SkuFactory(code="KEY1", is_key_brand=True, retail_price="135.00")
    x, y, z = (CustomerFactory(manager=a1, code=f"C-{k}") for k in "xyz")
    OrderLineFactory(customer=x, sku=sku, order_date=M.replace(day=2), quantity=10)
    OrderLineFactory(customer=y, sku=sku, order_date=M.replace(day=2), quantity=20)

    def on_visit(customer, day, **checks):
        found = visit_open(customer_id=customer.pk, by=a1, date=M.replace(day=day))
        visit_check_in(visit=found, by=a1, at=at(M, day, hour=10))
        for kind, values in checks.items():
            for value in values:
                visit_record_check(visit=found, by=a1, kind=kind, sku_id=sku.pk, value=value)

    on_visit(x, 5, shelf=["1"], inventory=["15"], price=["140"])
    on_visit(y, 6, shelf=["1", "0"], inventory=["5"], price=["150"])
    on_visit(z, 7, shelf=["1"])
    on_visit(z, 8, shelf=["0"])
    indicators_compute(month=M)

    row = ScopeIndicator.objects.get(
        month=M, scope_type="manager", scope_key="a1", object_type="sku", object_key="KEY1"
    )
    assert row.shelf_rate == approx(1 / 3)
    assert row.price_index == approx(145 / 135)
    assert row.inventory_to_sales == approx(20 / 30)
    company = ScopeIndicator.objects.get(
        month=M, scope_type="company", scope_key="", object_type="sku", object_key="KEY1"
    )
    assert company.shelf_rate == approx(1 / 3)


# --- the no-visit warning rule ------------------------------------------------------------


def test_the_no_visit_rule_counts_valid_visits_only(month):
    """x had valid visits, y only a 59 s one, z one never checked out; C-a1 none."""
    assert visit_source() is valid_visits_by_customer
    indicators_compute(month=M)
    warnings = warnings_evaluate(manager=month["cm"]["a1"], month=M)
    assert warnings.skipped == []
    flagged = {w.customer_code for w in warnings if w.rule_code == "no_visit"}
    assert flagged == {"C-y", "C-z", "C-a1"}
    [y] = [w for w in warnings if w.rule_code == "no_visit" and w.customer_code == "C-y"]
    assert y.message == "2026年10月有效拜访 0 次，少于 1 次"


def test_the_visit_source_answers_for_the_customers_asked_about(month):
    x, y = month["x"], month["y"]
    assert valid_visits_by_customer(customer_ids=[x.pk, y.pk], month=M) == {x.pk: 2}
    assert valid_visits_by_customer(customer_ids=[y.pk], month=P) == {y.pk: 1}
    assert valid_visits_by_customer(customer_ids=[y.pk], month=M) == {}
