"""The month-end evaluation's plan-versus-result figures (DESIGN.md §4 step 4), computed.

Everything comes from SQL aggregates over the month's rows (a handful of queries whatever
the month's size): the marketing actions, the planned visit days, the visits, and the
month's stored indicators (``reports``). A rate whose denominator is 0 is None (shown as
"—"), never 0; a figure that comes from indicators not yet computed is None too, and
``indicators_computed`` says why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean

from django.db.models import Count, Exists, OuterRef, Q

from brands.selectors import key_skus
from reports.selectors import manager_brand_coverage, manager_indicator

from ..models import Cycle, MarketingAction, PlannedVisit, Visit
from ..models.visits import short_visit_q, valid_visit_q
from .cycles import cycle_rows


def rate(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


@dataclass(frozen=True)
class BrandCoverage:
    name: str
    coverage: float | None


@dataclass(frozen=True)
class EvaluationFigures:
    # marketing actions: the planned ones (not removed, not temporary), temporary tasks apart
    actions_planned: int
    actions_done: int
    temporary_added: int
    temporary_done: int
    # visits: planned days, finished visits of a minute or more, and short ones
    visits_planned: int
    visits_valid: int
    visits_short: int
    visits_unfinished: int
    planned_honoured: int
    # goals of the plan against the month's results
    goal_volume: int | None
    goal_coverage: Decimal | None  # a percentage, as typed in the plan
    goal_visits: int | None
    indicators_computed: bool
    volume: int | None
    key_brand_coverage: float | None  # a fraction, the mean over the key brands
    key_brands: tuple[BrandCoverage, ...]
    forecast_accuracy: float | None
    forecast_bias: float | None
    forecast_coverage: float | None
    # the optional gross profit goal (issue #16) and the territory's stored gross profit
    goal_gross_profit: Decimal | None = None
    gross_profit: Decimal | None = None

    @property
    def actions_rate(self) -> float | None:
        return rate(self.actions_done, self.actions_planned)

    @property
    def temporary_rate(self) -> float | None:
        return rate(self.temporary_done, self.temporary_added)

    @property
    def visits_rate(self) -> float | None:
        return rate(self.visits_valid, self.visits_planned)

    @property
    def honoured_rate(self) -> float | None:
        return rate(self.planned_honoured, self.visits_planned)

    @property
    def volume_attainment(self) -> float | None:
        return rate(self.volume, self.goal_volume)

    @property
    def goal_coverage_rate(self) -> float | None:
        """The coverage goal as a fraction, comparable with ``key_brand_coverage``."""
        return None if self.goal_coverage is None else float(self.goal_coverage) / 100

    @property
    def coverage_gap(self) -> float | None:
        """Actual minus goal coverage, in fractions (positive: above the goal)."""
        if self.key_brand_coverage is None or self.goal_coverage is None:
            return None
        return self.key_brand_coverage - self.goal_coverage_rate

    @property
    def visits_attainment(self) -> float | None:
        return rate(self.visits_valid, self.goal_visits)

    @property
    def gross_profit_attainment(self) -> float | None:
        return rate(self.gross_profit, self.goal_gross_profit)


def evaluation_figures(*, cycle: Cycle) -> EvaluationFigures:
    """The plan-versus-result figures of ``cycle`` (the caller has checked visibility)."""
    actions = cycle_rows(MarketingAction.objects, cycle).filter(removed_at__isnull=True)
    actions = actions.aggregate(
        n_planned=Count("id", filter=Q(temporary=False)),
        n_done=Count("id", filter=Q(temporary=False, done_at__isnull=False)),
        n_temporary=Count("id", filter=Q(temporary=True)),
        n_temporary_done=Count("id", filter=Q(temporary=True, done_at__isnull=False)),
    )
    visits = cycle_rows(Visit.objects, cycle).aggregate(
        n_valid=Count("id", filter=valid_visit_q()),
        n_short=Count("id", filter=short_visit_q()),
        n_unfinished=Count("id", filter=Q(checked_out_at__isnull=True)),
    )
    planned = planned_visit_counts(cycle=cycle)
    indicator = manager_indicator(manager=cycle.manager, month=cycle.month)
    brands = _key_brand_coverage(cycle) if indicator else ()
    covered = [b.coverage for b in brands if b.coverage is not None]
    return EvaluationFigures(
        actions_planned=actions["n_planned"],
        actions_done=actions["n_done"],
        temporary_added=actions["n_temporary"],
        temporary_done=actions["n_temporary_done"],
        visits_planned=planned["planned"],
        visits_valid=visits["n_valid"],
        visits_short=visits["n_short"],
        visits_unfinished=visits["n_unfinished"],
        planned_honoured=planned["honoured"],
        goal_volume=cycle.goal_volume,
        goal_coverage=cycle.goal_coverage,
        goal_visits=cycle.goal_visits,
        indicators_computed=indicator is not None,
        volume=indicator.volume if indicator else None,
        key_brand_coverage=fmean(covered) if covered else None,
        key_brands=brands,
        forecast_accuracy=indicator.forecast_accuracy if indicator else None,
        forecast_bias=indicator.forecast_bias if indicator else None,
        forecast_coverage=indicator.forecast_coverage if indicator else None,
        goal_gross_profit=cycle.goal_gross_profit,
        gross_profit=indicator.gross_profit if indicator else None,
    )


NO_PLANNED_VISITS = {"planned": 0, "honoured": 0}


def planned_visit_counts(*, cycle: Cycle) -> dict[str, int]:
    """The month's planned visit days (周安排), and how many of them had a valid visit to
    that customer that day."""
    return planned_visit_counts_by_cycle(cycle_ids=[cycle.pk]).get(cycle.pk, NO_PLANNED_VISITS)


def planned_visit_counts_by_cycle(*, cycle_ids: list[int]) -> dict[int, dict[str, int]]:
    """``planned_visit_counts`` of many cycles in one query (cycles without planned days
    are left out)."""
    valid_that_day = Visit.objects.filter(
        valid_visit_q(),
        cycle=OuterRef("cycle"),
        customer=OuterRef("customer"),
        date=OuterRef("date"),
    )
    rows = (
        PlannedVisit.objects.filter(cycle_id__in=cycle_ids)
        .values("cycle_id")
        .annotate(planned=Count("id"), honoured=Count("id", filter=Q(Exists(valid_that_day))))
        .order_by()
    )
    return {r["cycle_id"]: {"planned": r["planned"], "honoured": r["honoured"]} for r in rows}


def _key_brand_coverage(cycle: Cycle) -> tuple[BrandCoverage, ...]:
    """The coverage rate of each key brand (a brand with a key SKU) in the manager's
    territory that month, from the stored brand indicators."""
    rates = manager_brand_coverage(
        manager=cycle.manager, month=cycle.month, brand_names=key_skus().values("brand__name")
    )
    return tuple(BrandCoverage(name, coverage) for name, coverage in sorted(rates.items()))
