"""The month-end evaluation (DESIGN.md §4 steps 4–5): the computed plan-versus-result figures
of a hand-made month, the evaluation's approval workflow, the month closing for execution
once its results are submitted, carry-over of unfinished actions, and improvement items."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cycle.models import (
    ApprovalRecord,
    Cycle,
    FeedEntry,
    ImprovementStatus,
    MarketingAction,
    PlanStatus,
    ReviewStatus,
    Transition,
)
from cycle.selectors.evaluation_figures import evaluation_figures
from cycle.services import (
    NotAllowedNow,
    action_mark,
    evaluation_approve,
    evaluation_reject,
    evaluation_save_summary,
    evaluation_submit,
    improvement_add,
    improvement_review,
    improvement_set_done,
    improvement_update,
    plan_generate,
    temporary_task_add,
    weekly_summary_save,
)
from reports.models import ManagerIndicator, ScopeIndicator
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    CycleFactory,
    ImprovementFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
    SkuFactory,
    VisitFactory,
)

OCT = dt.date(2026, 10, 1)
NOV = dt.date(2026, 11, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _visit(cycle, customer, day: int, seconds: int | None):
    """A visit on ``day`` of October, checked in at ten and out ``seconds`` later (None:
    never checked out)."""
    start = dt.datetime(2026, 10, day, 10, 0, tzinfo=SHANGHAI)
    out = None if seconds is None else start + dt.timedelta(seconds=seconds)
    return VisitFactory(
        cycle=cycle,
        customer=customer,
        date=dt.date(2026, 10, day),
        checked_in_at=start,
        checked_out_at=out,
    )


def _scope(manager, brand, coverage):
    return ScopeIndicator.objects.create(
        month=OCT,
        scope_type="manager",
        scope_key=manager.username,
        object_type="brand",
        object_key=brand,
        object_name=brand,
        coverage_rate=coverage,
        amount=Decimal("0"),
    )


@pytest.fixture
def october(two_teams):
    """a1's October: 4 planned actions (3 done, 1 more done but removed), 2 temporary tasks
    (1 done), 5 planned visit days of which 3 had a valid visit and 1 a short one, plus a
    valid visit on a day that was not planned and one never checked out; goals set."""
    cm = two_teams["cm"]["a1"]
    cycle = CycleFactory(
        manager=cm, month=OCT, goal_volume=1000, goal_coverage=Decimal("45.0"), goal_visits=8
    )
    customers = [two_teams["customers"]["a1"]] + [
        CustomerFactory(manager=cm, code=f"C-a1-{i}") for i in range(4)
    ]
    done = timezone.now()
    for i, customer in enumerate(customers[:4]):
        MarketingActionFactory(cycle=cycle, customer=customer, done_at=done if i else None)
    MarketingActionFactory(cycle=cycle, customer=customers[0], done_at=done, removed_at=done)
    MarketingActionFactory(cycle=cycle, customer=customers[1], temporary=True, done_at=done)
    MarketingActionFactory(cycle=cycle, customer=customers[2], temporary=True)
    for i, customer in enumerate(customers):
        PlannedVisitFactory(cycle=cycle, customer=customer, date=dt.date(2026, 10, 5 + i))
    for i in range(3):
        _visit(cycle, customers[i], 5 + i, 600)  # planned day, valid
    _visit(cycle, customers[3], 8, 30)  # planned day, too short
    _visit(cycle, customers[4], 20, 120)  # valid, on a day that was not planned
    _visit(cycle, customers[0], 21, None)  # never checked out
    return cycle


def test_figures_of_a_hand_made_month_without_indicators(october, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        f = evaluation_figures(cycle=october)
    assert (f.actions_done, f.actions_planned) == (3, 4) and f.actions_rate == 0.75
    assert (f.temporary_done, f.temporary_added) == (1, 2) and f.temporary_rate == 0.5
    assert (f.visits_valid, f.visits_planned, f.visits_short, f.visits_unfinished) == (4, 5, 1, 1)
    assert f.planned_honoured == 3 and f.honoured_rate == pytest.approx(0.6)
    assert f.visits_rate == pytest.approx(0.8)
    assert f.visits_attainment == pytest.approx(0.5)  # 4 valid of a goal of 8
    # the month's indicators are not computed: no volume, not a volume of 0
    assert not f.indicators_computed
    assert f.volume is None and f.volume_attainment is None and f.key_brand_coverage is None
    assert f.forecast_accuracy is None


def test_goals_against_the_stored_indicators(october, two_teams):
    cm = two_teams["cm"]["a1"]
    ManagerIndicator.objects.create(
        manager=cm,
        month=OCT,
        volume=1200,
        forecast_accuracy=0.82,
        forecast_bias=-0.05,
        forecast_coverage=0.9,
    )
    for name in ("云烟", "玉溪"):
        SkuFactory(brand=BrandFactory(name=name), is_key_brand=True)
    SkuFactory(brand=BrandFactory(name="普通"), is_key_brand=False)
    _scope(cm, "云烟", 0.4)
    _scope(cm, "玉溪", 0.6)
    _scope(cm, "普通", 0.95)  # not a key brand: left out
    _scope(two_teams["cm"]["a2"], "云烟", 0.99)  # another manager's territory
    f = evaluation_figures(cycle=october)
    assert f.indicators_computed and f.volume == 1200
    assert f.volume_attainment == pytest.approx(1.2)
    assert sorted((b.name, b.coverage) for b in f.key_brands) == [("云烟", 0.4), ("玉溪", 0.6)]
    assert f.key_brand_coverage == pytest.approx(0.5)
    assert f.coverage_gap == pytest.approx(0.05)  # 50% against a goal of 45%
    assert (f.forecast_accuracy, f.forecast_bias, f.forecast_coverage) == (0.82, -0.05, 0.9)


def test_an_empty_month_has_no_rates_rather_than_zero_ones(two_teams):
    f = evaluation_figures(cycle=CycleFactory(manager=two_teams["cm"]["a1"], month=OCT))
    assert (f.actions_planned, f.visits_planned, f.visits_valid) == (0, 0, 0)
    for rate in (
        f.actions_rate,
        f.temporary_rate,
        f.visits_rate,
        f.honoured_rate,
        f.volume_attainment,
        f.visits_attainment,
        f.coverage_gap,
    ):
        assert rate is None


# --- the evaluation's workflow ------------------------------------------------------------

SERVICES = {
    Transition.SUBMIT: evaluation_submit,
    Transition.APPROVE: evaluation_approve,
    Transition.REJECT: evaluation_reject,
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
def test_evaluation_transition_matrix(two_teams, state, transition, role):
    cycle = CycleFactory(
        manager=two_teams["cm"]["a1"],
        month=OCT,
        evaluation_status=state,
        plan_status=PlanStatus.APPROVED,
        summary="本月完成情况良好。",
    )
    actor = _actor(two_teams, role)
    expected = ALLOWED.get((state, transition, role))
    service = SERVICES[transition]
    if expected:
        result = service(cycle=cycle, by=actor, comment="理由写清楚")
        cycle.refresh_from_db()
        assert result.evaluation_status == cycle.evaluation_status == expected
        assert cycle.plan_status == PlanStatus.APPROVED  # the plan is another document
        record = ApprovalRecord.objects.get(cycle=cycle)
        assert (record.document, record.from_status, record.to_status, record.by) == (
            "evaluation",
            state,
            expected,
            actor,
        )
        assert record.comment == "理由写清楚" and record.transition == transition
        notice = FeedEntry.objects.get(cycle=cycle, kind="notice")
        assert "月度评估" in notice.text and "理由写清楚" in notice.text
    else:
        with pytest.raises((PermissionDenied, NotAllowedNow)):
            service(cycle=cycle, by=actor, comment="理由写清楚")
        cycle.refresh_from_db()
        assert cycle.evaluation_status == state
        assert not ApprovalRecord.objects.exists() and not FeedEntry.objects.exists()


def test_submitting_needs_the_monthly_summary(two_teams):
    cm = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=cm, month=OCT)
    with pytest.raises(ValidationError) as info:
        evaluation_submit(cycle=cycle, by=cm)
    assert "月总结" in str(info.value)
    cycle.refresh_from_db()
    assert cycle.evaluation_status == PlanStatus.DRAFT and not cycle.history.exists()
    evaluation_save_summary(cycle=cycle, by=cm, summary="  完成了九成动作。 \r\n")
    evaluation_submit(cycle=cycle, by=cm)
    cycle.refresh_from_db()
    assert cycle.summary == "完成了九成动作。"
    assert cycle.evaluation_status == PlanStatus.SUBMITTED


def test_rejecting_needs_a_comment(two_teams):
    cycle = CycleFactory(
        manager=two_teams["cm"]["a1"], month=OCT, evaluation_status=PlanStatus.SUBMITTED
    )
    with pytest.raises(ValidationError) as info:
        evaluation_reject(cycle=cycle, by=two_teams["mm_a"], comment=" ")
    assert "原因" in str(info.value)
    cycle.refresh_from_db()
    assert cycle.evaluation_status == PlanStatus.SUBMITTED


def test_only_the_owner_writes_the_summary(two_teams):
    cycle = CycleFactory(manager=two_teams["cm"]["a1"], month=OCT)
    for other in (two_teams["cm"]["a2"], two_teams["mm_a"]):
        with pytest.raises(PermissionDenied):
            evaluation_save_summary(cycle=cycle, by=other, summary="代写")
    cycle.refresh_from_db()
    assert cycle.summary == ""


def test_submitted_results_close_the_month_and_rejection_reopens_it(two_teams):
    cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
    cycle = CycleFactory(manager=cm, month=OCT, plan_status=PlanStatus.APPROVED)
    action = MarketingActionFactory(cycle=cycle, customer=two_teams["customers"]["a1"])
    visit = VisitFactory(cycle=cycle, customer=two_teams["customers"]["a1"], date=OCT)
    evaluation_save_summary(cycle=cycle, by=cm, summary="完成")
    evaluation_submit(cycle=cycle, by=cm)
    writes = {
        "mark": lambda: action_mark(action=action, by=cm, done=True),
        "temporary": lambda: temporary_task_add(visit=visit, by=cm, text="补货"),
        "summary": lambda: evaluation_save_summary(cycle=cycle, by=cm, summary="改写"),
        "weekly": lambda: weekly_summary_save(
            cycle=cycle, by=cm, week_start=dt.date(2026, 10, 5), text="第二周"
        ),
    }
    let_through = []
    for name, write in writes.items():
        try:
            write()
        except NotAllowedNow:
            continue
        let_through.append(name)
    assert let_through == []
    action.refresh_from_db()
    cycle.refresh_from_db()
    assert action.done_at is None and cycle.summary == "完成"
    assert not MarketingAction.objects.filter(temporary=True).exists()

    evaluation_reject(cycle=cycle, by=mm, comment="拜访记录不全")
    assert action_mark(action=action, by=cm, done=True).mark == "★"
    evaluation_save_summary(cycle=cycle, by=cm, summary="补全了拜访记录")
    evaluation_submit(cycle=cycle, by=cm)
    evaluation_approve(cycle=cycle, by=mm)
    with pytest.raises(NotAllowedNow):
        action_mark(action=action, by=cm, done=False)


# --- carry-over into the next month's plan ------------------------------------------------


def test_unfinished_planned_and_temporary_actions_are_carried_into_november(two_teams):
    cm = two_teams["cm"]["a1"]
    customer = two_teams["customers"]["a1"]
    october = CycleFactory(manager=cm, month=OCT)
    planned = MarketingActionFactory(cycle=october, customer=customer, text="陈列整改")
    temporary = MarketingActionFactory(
        cycle=october, customer=customer, text="协调价签", temporary=True
    )
    MarketingActionFactory(cycle=october, customer=customer, text="已办完", done_at=timezone.now())
    assert [a.mark for a in (planned, temporary)] == ["☆", "●"]
    november = CycleFactory(manager=cm, month=NOV)
    result = plan_generate(cycle=november, by=cm)
    assert result.carried == 2
    carried = {
        a.text: a for a in MarketingAction.objects.filter(cycle=november).select_related("origin")
    }
    assert set(carried) == {"陈列整改", "协调价签"}
    assert carried["陈列整改"].origin == planned and not carried["陈列整改"].temporary
    assert carried["协调价签"].origin == temporary and carried["协调价签"].temporary
    assert {a.source for a in carried.values()} == {"carried"}


# --- improvement items --------------------------------------------------------------------


def test_an_improvement_item_names_its_issue_and_a_deadline(two_teams):
    cm = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=cm, month=OCT)
    key = SkuFactory(is_key_brand=True)
    other = SkuFactory(is_key_brand=False)
    item = improvement_add(
        cycle=cycle,
        by=cm,
        kind="brand",
        text="  提高  重点规格上柜率 ",
        due=dt.date(2026, 11, 30),
        sku_id=key.pk,
    )
    assert (item.text, item.sku, item.review_status) == ("提高 重点规格上柜率", key, "pending")
    refused = [
        ({"kind": "customer"}, "customer"),  # a customer issue names the customer
        ({"kind": "customer", "customer_id": two_teams["customers"]["b1"].pk}, "customer"),
        ({"kind": "brand", "sku_id": other.pk}, "sku"),  # only key SKUs
        ({"kind": "market", "due": dt.date(2026, 9, 30)}, "due"),
        ({"kind": "market", "due": dt.date(2027, 2, 1)}, "due"),
        ({"kind": "market", "text": " "}, "text"),
        ({"kind": "nonsense"}, "kind"),
    ]
    for changes, field in refused:
        kwargs = {"text": "改进", "due": dt.date(2026, 11, 30)} | changes
        with pytest.raises(ValidationError) as info:
            improvement_add(cycle=cycle, by=cm, **kwargs)
        assert field in info.value.message_dict, changes
    with pytest.raises(PermissionDenied):
        improvement_add(
            cycle=cycle, by=two_teams["mm_a"], kind="market", text="x", due=dt.date(2026, 11, 1)
        )
    assert cycle.improvements.count() == 1


def test_review_of_an_item_returned_rewritten_and_accepted(two_teams):
    cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
    item = ImprovementFactory(cycle=CycleFactory(manager=cm, month=OCT))
    for stranger in (two_teams["mm_b"], cm, two_teams["cm"]["a2"], two_teams["admin"]):
        with pytest.raises(PermissionDenied):
            improvement_review(improvement=item, by=stranger, accept=True)
    with pytest.raises(ValidationError):
        improvement_review(improvement=item, by=mm, accept=False, comment="")
    item = improvement_review(improvement=item, by=mm, accept=False, comment="写具体些")
    assert (item.review_status, item.review_comment, item.reviewed_by) == (
        ReviewStatus.RETURNED,
        "写具体些",
        mm,
    )
    item = improvement_update(
        improvement=item, by=cm, text="每周二回访三家下滑客户", due=dt.date(2026, 11, 15)
    )
    assert item.review_status == ReviewStatus.PENDING
    with pytest.raises(PermissionDenied):
        improvement_update(improvement=item, by=mm, text="改", due=dt.date(2026, 11, 15))
    item = improvement_review(improvement=item, by=mm, accept=True)
    assert item.review_status == ReviewStatus.ACCEPTED


def test_an_item_is_closed_by_its_manager_even_after_the_month(two_teams):
    cm = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=cm, month=OCT, evaluation_status=PlanStatus.APPROVED)
    item = ImprovementFactory(cycle=cycle)
    with pytest.raises(PermissionDenied):
        improvement_set_done(improvement=item, by=two_teams["mm_a"], done=True)
    item = improvement_set_done(improvement=item, by=cm, done=True)
    assert item.status == ImprovementStatus.DONE and item.done_at is not None
    item = improvement_set_done(improvement=item, by=cm, done=False)
    assert item.status == ImprovementStatus.OPEN and item.done_at is None
    assert Cycle.objects.get(pk=cycle.pk).evaluation_status == PlanStatus.APPROVED
