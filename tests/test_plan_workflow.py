"""The plan's approval workflow (DESIGN.md §4 step 2): the transition matrix, the read-only
approved plan, concurrent decisions and the visit frequencies set on approval."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from customers.models import Customer, CustomerChange
from cycle.models import ApprovalRecord, Cycle, FeedEntry, PlanStatus, Transition
from cycle.services import (
    NotAllowedNow,
    action_add,
    action_remove,
    action_update,
    plan_approve,
    plan_forecasts_import,
    plan_forecasts_save,
    plan_generate,
    plan_reject,
    plan_submit,
    plan_update,
    schedule_set_day,
)
from markets.models import Forecast
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
    TeamFactory,
    UserFactory,
)

MONTH = dt.date(2026, 11, 1)
SERVICES = {
    Transition.SUBMIT: plan_submit,
    Transition.APPROVE: plan_approve,
    Transition.REJECT: plan_reject,
}
ALLOWED = {
    (PlanStatus.DRAFT, Transition.SUBMIT, "owner"): PlanStatus.SUBMITTED,
    (PlanStatus.REJECTED, Transition.SUBMIT, "owner"): PlanStatus.SUBMITTED,
    (PlanStatus.SUBMITTED, Transition.APPROVE, "own_mm"): PlanStatus.APPROVED,
    (PlanStatus.SUBMITTED, Transition.REJECT, "own_mm"): PlanStatus.REJECTED,
}
ROLES = ["owner", "same_team_cm", "other_team_cm", "own_mm", "other_mm", "brand", "admin"]


def _actor(two_teams, role):
    return {
        "owner": two_teams["cm"]["a1"],
        "same_team_cm": two_teams["cm"]["a2"],
        "other_team_cm": two_teams["cm"]["b1"],
        "own_mm": two_teams["mm_a"],
        "other_mm": two_teams["mm_b"],
        "brand": two_teams["brand"],
        "admin": two_teams["admin"],
    }[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", list(Transition))
@pytest.mark.parametrize("state", list(PlanStatus))
def test_transition_matrix(two_teams, state, transition, role):
    # a goal, so that the owner's submit is not refused as an empty plan
    cycle = CycleFactory(
        manager=two_teams["cm"]["a1"], month=MONTH, plan_status=state, goal_volume=1200
    )
    actor = _actor(two_teams, role)
    expected = ALLOWED.get((state, transition, role))
    service = SERVICES[transition]
    if expected:
        result = service(cycle=cycle, by=actor, comment="理由写清楚")
        cycle.refresh_from_db()
        assert result.plan_status == cycle.plan_status == expected
        record = ApprovalRecord.objects.get(cycle=cycle)
        assert (record.from_status, record.to_status, record.by) == (state, expected, actor)
        assert record.comment == "理由写清楚" and record.transition == transition
        notice = FeedEntry.objects.get(cycle=cycle, kind="notice")
        assert notice.manager == cycle.manager and "理由写清楚" in notice.text
    else:
        with pytest.raises((PermissionDenied, NotAllowedNow)):
            service(cycle=cycle, by=actor, comment="理由写清楚")
        cycle.refresh_from_db()
        assert cycle.plan_status == state
        assert not ApprovalRecord.objects.exists() and not FeedEntry.objects.exists()


def test_reject_needs_a_comment(two_teams):
    cycle = CycleFactory(
        manager=two_teams["cm"]["a1"], month=MONTH, plan_status=PlanStatus.SUBMITTED
    )
    with pytest.raises(ValidationError) as info:
        plan_reject(cycle=cycle, by=two_teams["mm_a"], comment="  ")
    assert "原因" in str(info.value)
    cycle.refresh_from_db()
    assert cycle.plan_status == PlanStatus.SUBMITTED


def test_nobody_decides_on_their_own_plan(two_teams):
    """A market manager who is (wrongly) also set up as a team's customer manager still
    cannot approve a plan whose owner is themself."""
    cm = two_teams["cm"]["a1"]
    cm.team.market_manager = cm
    cm.team.save()
    cycle = CycleFactory(manager=cm, month=MONTH, plan_status=PlanStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        plan_approve(cycle=cycle, by=cm)


def test_full_round_keeps_the_history_in_order(two_teams):
    cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
    cycle = CycleFactory(manager=cm, month=MONTH, goal_volume=1200)
    plan_submit(cycle=cycle, by=cm)
    plan_reject(cycle=cycle, by=mm, comment="拜访太集中")
    cycle.refresh_from_db()
    assert cycle.plan_comment == "拜访太集中" and cycle.plan_decided_by == mm
    plan_submit(cycle=cycle, by=cm, comment="已调整")
    plan_approve(cycle=cycle, by=mm, comment="同意")
    steps = list(cycle.history.values_list("transition", "to_status", "comment"))
    assert steps == [
        ("submit", "submitted", ""),
        ("reject", "rejected", "拜访太集中"),
        ("submit", "submitted", "已调整"),
        ("approve", "approved", "同意"),
    ]


# --- an approved (or submitted) plan refuses every write ----------------------------------


def _writes(cycle, cm, customer, action):
    return {
        "goals": lambda: plan_update(
            cycle=cycle, by=cm, goal_volume=1, goal_coverage=None, goal_visits=1, focus="x"
        ),
        "generate": lambda: plan_generate(cycle=cycle, by=cm),
        "add": lambda: action_add(cycle=cycle, by=cm, customer_id=customer.pk, text="新动作"),
        "edit": lambda: action_update(action=action, by=cm, text="改写", visit_date=None),
        "remove": lambda: action_remove(action=action, by=cm, reason="不需要"),
        "schedule": lambda: schedule_set_day(
            cycle=cycle, by=cm, date=MONTH, customer_ids=[customer.pk]
        ),
        "forecast": lambda: plan_forecasts_save(cycle=cycle, by=cm, quantities={customer.pk: 9}),
        "forecast_import": lambda: plan_forecasts_import(
            cycle=cycle,
            by=cm,
            content=f"客户编码,预测量\n{customer.code},9\n".encode(),
            filename="f.csv",
        ),
    }


@pytest.mark.parametrize("state", [PlanStatus.SUBMITTED, PlanStatus.APPROVED])
@pytest.mark.parametrize(
    "write",
    ["goals", "generate", "add", "edit", "remove", "schedule", "forecast", "forecast_import"],
)
def test_a_plan_out_of_the_managers_hands_refuses_every_write(two_teams, state, write):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    cycle = CycleFactory(manager=cm, month=MONTH, plan_status=state, focus="原文")
    action = MarketingActionFactory(cycle=cycle, customer=customer, text="原动作")
    with pytest.raises(NotAllowedNow):
        _writes(cycle, cm, customer, action)[write]()
    cycle.refresh_from_db()
    action.refresh_from_db()
    assert cycle.focus == "原文" and cycle.goal_volume is None
    assert action.text == "原动作" and action.removed_at is None
    assert cycle.actions.count() == 1 and not cycle.planned_visits.exists()
    assert not Forecast.objects.exists()


@pytest.mark.parametrize(
    "write",
    ["goals", "generate", "add", "edit", "remove", "schedule", "forecast", "forecast_import"],
)
def test_only_the_owner_writes_a_plan(two_teams, write):
    owner, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    cycle = CycleFactory(manager=owner, month=MONTH)
    action = MarketingActionFactory(cycle=cycle, customer=customer)
    with pytest.raises(PermissionDenied):
        _writes(cycle, two_teams["mm_a"], customer, action)[write]()
    assert not cycle.planned_visits.exists() and not Forecast.objects.exists()


# --- two decisions at once -----------------------------------------------------------------


def test_concurrent_approve_and_reject_make_exactly_one_transition(transactional_db, postgres_only):
    """Both requests read the plan as submitted; the row lock makes the second one wait
    and then find the plan already decided."""
    mm = UserFactory(username="mm-x", role="market_manager")
    team = TeamFactory(market_manager=mm)
    cm = UserFactory(username="cm-x", role="customer_manager", team=team)
    cycle = CycleFactory(manager=cm, month=MONTH, plan_status=PlanStatus.SUBMITTED)
    start = threading.Barrier(2)
    results = {}

    def decide(name, service, comment):
        try:
            start.wait(5)
            service(cycle=Cycle.objects.get(pk=cycle.pk), by=mm, comment=comment)
            results[name] = "ok"
        except NotAllowedNow as exc:
            results[name] = exc.messages[0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approve", plan_approve, "同意")),
        threading.Thread(target=decide, args=("reject", plan_reject, "退回")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results.values()).count("ok") == 1, results
    refused = next(v for v in results.values() if v != "ok")
    assert "不能" in refused
    cycle.refresh_from_db()
    assert cycle.plan_status in (PlanStatus.APPROVED, PlanStatus.REJECTED)
    assert ApprovalRecord.objects.filter(cycle=cycle).count() == 1
    assert FeedEntry.objects.filter(cycle=cycle).count() == 1


# --- visit frequency on approval -------------------------------------------------------------


def test_approval_sets_visit_frequency_from_planned_days(two_teams):
    cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
    cycle = CycleFactory(manager=cm, month=MONTH, plan_status=PlanStatus.SUBMITTED)
    customers = {
        days: CustomerFactory(manager=cm, visit_frequency="monthly" if days else "weekly")
        for days in (0, 1, 2, 3, 4, 5)
    }
    for days, customer in customers.items():
        for day in range(days):
            PlannedVisitFactory(cycle=cycle, customer=customer, date=MONTH + dt.timedelta(day * 6))
    plan_approve(cycle=cycle, by=mm)
    got = dict(
        Customer.objects.filter(pk__in=[c.pk for c in customers.values()]).values_list(
            "pk", "visit_frequency"
        )
    )
    assert {days: got[c.pk] for days, c in customers.items()} == {
        0: "weekly",  # no planned day: unchanged
        1: "monthly",
        2: "biweekly",
        3: "biweekly",
        4: "weekly",
        5: "weekly",
    }
    # logged like a change by hand, only where something changed (the 1-day one was monthly)
    logged = CustomerChange.objects.filter(field="visit_frequency")
    assert set(logged.values_list("customer__pk", flat=True)) == {
        customers[n].pk for n in (2, 3, 4, 5)
    }
    assert set(logged.values_list("changed_by", flat=True)) == {mm.pk}


def test_rejection_leaves_visit_frequency_alone(two_teams):
    cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
    customer = CustomerFactory(manager=cm, visit_frequency="monthly")
    cycle = CycleFactory(manager=cm, month=MONTH, plan_status=PlanStatus.SUBMITTED)
    for day in range(5):
        PlannedVisitFactory(cycle=cycle, customer=customer, date=MONTH + dt.timedelta(day))
    plan_reject(cycle=cycle, by=mm, comment="再想想")
    customer.refresh_from_db()
    assert customer.visit_frequency == "monthly"
