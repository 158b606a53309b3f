"""The market manager's team board (团队看板): where each customer manager of the team is in
the month's five steps, what waits for the market manager's decision, and the team side by
side on five indicators (横向对比, 评先创优) from the stored monthly indicators.

Two months: the statuses are of the running month, the ranking of the last full month (the
indicators of a month are computed when it is over); a month picked on the page is used for
both. Everything is a fixed number of queries whatever the team's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from statistics import fmean

from django.http import Http404
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.policy import can_see_team_board
from accounts.selectors import managers_visible_to, teams_visible_to
from core.charts import HBarChart, Series, hbar_chart
from core.months import current_month, month_end, previous_month
from reports.models import ManagerIndicator
from reports.selectors import is_computed, key_brand_coverage_by_manager, manager_indicators
from surveys.selectors import Figures, figures_by, surveys_until

from ..models import Cycle
from .evaluation_figures import NO_PLANNED_VISITS, planned_visit_counts_by_cycle, rate
from .improvements import NO_ITEMS, improvement_summary_by_cycle
from .queues import pending_improvements, submitted_evaluations, submitted_plans
from .steps import DONE, Step, cycle_steps

# The ranked indicators, in the table's order: key, column label. Higher is better for all.
INDICATORS = [
    ("completion", _("动作完成率")),
    ("visits", _("拜访达成")),
    ("accuracy", _("预测准确率")),
    ("growth", _("销量环比")),
    ("coverage", _("重点品牌覆盖率")),
]
# the page's column heads, short enough for a phone (the help text says what each is)
SHORT_LABELS = {
    "name": _("客户经理"),
    "completion": _("完成率"),
    "visits": _("拜访"),
    "accuracy": _("准确率"),
    "growth": _("环比"),
    "coverage": _("覆盖率"),
}
SORTS = [key for key, _label in INDICATORS] + ["name"]
DEFAULT_SORT = "completion"
# the indicators drawn as ranking bars (the ones a team compares first: did they do what they
# planned, did they visit, did their territory sell more)
CHARTED = ["completion", "visits", "growth"]


def board_team(*, user: User, code: str = "") -> tuple[Team | None, list[Team]]:
    """The team the board shows and the teams ``user`` may pick from: a market manager's
    own team(s), any team for an admin (the first by code unless ``code`` says which).
    Customer and brand managers never get here (the view refuses them)."""
    if not can_see_team_board(user):
        raise Http404("no team board")
    teams = list(teams_visible_to(user=user).order_by("code"))
    if not code:
        return (teams[0] if teams else None), teams
    chosen = next((t for t in teams if t.code == code), None)
    if chosen is None:
        raise Http404("no such team")
    return chosen, teams


# --- statuses -----------------------------------------------------------------------------


@dataclass
class MemberStatus:
    manager: User
    cycle: Cycle  # unsaved (draft) when the manager has not opened the month yet
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(step.state == DONE for step in self.steps)

    @property
    def current(self) -> Step | None:
        """The first step not done; None when all five are."""
        return next((step for step in self.steps if step.state != DONE), None)


def member_statuses(*, members: list[User], month: dt.date) -> list[MemberStatus]:
    """Each member's cycle of ``month`` with its five steps: three queries for the team."""
    cycles = {c.manager_id: c for c in Cycle.objects.filter(month=month, manager__in=members)}
    ids = [c.pk for c in cycles.values()]
    visits = planned_visit_counts_by_cycle(cycle_ids=ids)
    items = improvement_summary_by_cycle(cycle_ids=ids)
    statuses = []
    for member in members:
        cycle = cycles.get(member.pk) or Cycle(manager=member, month=month)
        cycle.manager = member
        steps = cycle_steps(
            cycle=cycle,
            visit_counts=visits.get(cycle.pk, NO_PLANNED_VISITS),
            item_counts=items.get(cycle.pk, NO_ITEMS),
        )
        statuses.append(MemberStatus(member, cycle, steps))
    return statuses


# --- what waits for the market manager ------------------------------------------------------


@dataclass
class Queue:
    plans: list[Cycle]
    evaluations: list[Cycle]
    improvements: list[Cycle]  # cycles with items pending review, ``pending`` on each

    @property
    def improvement_count(self) -> int:
        return sum(c.pending for c in self.improvements)

    @property
    def total(self) -> int:
        return len(self.plans) + len(self.evaluations) + self.improvement_count


def team_queue(*, members: list[User]) -> Queue:
    """The plans and month-end evaluations submitted by the team's customer managers and
    their improvement items not yet reviewed, oldest first (what ``cycle.selectors``'
    approval and evaluation queues show the team's market manager): three queries."""
    cycles = Cycle.objects.filter(manager__in=members)
    return Queue(
        list(submitted_plans(cycles)),
        list(submitted_evaluations(cycles)),
        list(pending_improvements(cycles)),
    )


# --- the ranking --------------------------------------------------------------------------


@dataclass
class RankRow:
    manager: User
    indicator: ManagerIndicator | None
    values: dict[str, float | None]
    rank: int | None = None

    @property
    def visits_done(self) -> int | None:
        return self.indicator.visits_done if self.indicator else None

    @property
    def visits_planned(self) -> int | None:
        return self.indicator.visits_planned if self.indicator else None

    @property
    def cells(self) -> list[float | None]:
        return [self.values[key] for key, _label in INDICATORS]


def ranking_rows(*, members: list[User], month: dt.date) -> list[RankRow]:
    """One row per member (code order) with the five indicators of ``month``; a member
    without stored indicators gets empty values. Two queries."""
    indicators = {row.manager_id: row for row in manager_indicators(managers=members, month=month)}
    coverage = key_brand_coverage_by_manager(usernames=[m.username for m in members], month=month)
    rows = []
    for member in members:
        row = indicators.get(member.pk)
        values = {
            "completion": row.completion_rate if row else None,
            "visits": rate(row.visits_done, row.visits_planned) if row else None,
            "accuracy": row.forecast_accuracy if row else None,
            "growth": row.volume_growth_mom if row else None,
            "coverage": coverage.get(member.username) if row else None,
        }
        rows.append(RankRow(member, row, values))
    return rows


def rank_and_sort(rows: list[RankRow], *, sort: str, descending: bool = True) -> list[RankRow]:
    """Number the rows by ``sort`` (by the completion rate when sorting by name), best
    first, equal values sharing a rank (1, 1, 3); rows without a value have no rank. Then
    order them by ``sort``: best first (``descending``) or worst first, empty values last
    either way; by name A→Z (or Z→A)."""
    key = sort if sort in SORTS and sort != "name" else DEFAULT_SORT
    ranked = sorted((r for r in rows if r.values[key] is not None), key=lambda r: -r.values[key])
    previous, previous_rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.values[key] != previous:
            previous, previous_rank = row.values[key], position
        row.rank = previous_rank
    for row in rows:
        if row.values[key] is None:
            row.rank = None
    if sort == "name":
        return sorted(rows, key=lambda r: r.manager.username, reverse=descending)
    by_name = sorted(rows, key=lambda r: r.manager.username)
    with_value = [r for r in by_name if r.values[key] is not None]
    without = [r for r in by_name if r.values[key] is None]
    with_value.sort(key=lambda r: r.values[key], reverse=descending)
    return with_value + without


def team_average(rows: list[RankRow]) -> dict[str, float | None]:
    """Each indicator's arithmetic mean over the members that have it (empty ones left
    out), so that every member weighs the same."""
    average = {}
    for key, _label in INDICATORS:
        values = [r.values[key] for r in rows if r.values[key] is not None]
        average[key] = fmean(values) if values else None
    return average


def _rate(figures: Figures | None) -> float | None:
    return figures.rate if figures is not None else None


# --- the board ----------------------------------------------------------------------------


@dataclass
class TeamBoard:
    team: Team | None
    teams: list[Team]
    status_month: dt.date
    ranking_month: dt.date
    month_chosen: bool
    sort: str
    descending: bool
    computed: bool = False
    members: list[User] = field(default_factory=list)
    rows: list[RankRow] = field(default_factory=list)
    user: User | None = None
    average: dict[str, float | None] = field(default_factory=dict)

    # read only where shown: re-sorting the ranking (htmx) needs neither
    @cached_property
    def statuses(self) -> list[MemberStatus]:
        return member_statuses(members=self.members, month=self.status_month)

    @cached_property
    def queue(self) -> Queue:
        return team_queue(members=self.members)

    @cached_property
    def charts(self) -> list[HBarChart]:
        """A ranking bar chart for each of ``CHARTED``: a bar per member, best first (members
        without the value last, by account), the team average as a dashed line."""
        labels = dict(INDICATORS)
        charts = []
        for key in CHARTED:
            rows = sorted(
                self.rows,
                key=lambda r, key=key: (
                    r.values[key] is None,
                    -(r.values[key] or 0),
                    r.manager.username,
                ),
            )
            charts.append(
                hbar_chart(
                    [r.manager.display_name for r in rows],
                    [Series(labels[key], [r.values[key] for r in rows], self.average.get(key))],
                )
            )
        return charts

    @cached_property
    def satisfaction(self) -> dict | None:
        """The members' customer satisfaction in the survey period of the ranking month
        (the latest that started by its end), best rate first, members without answers
        last: {"survey", "rows": [(member, Figures | None, rank)]}; None without a period."""
        periods = surveys_until(month_end(self.ranking_month), count=1)
        if not periods or self.team is None:
            return None
        survey = periods[0]
        found = figures_by(user=self.user, survey=survey, by="manager", team=self.team)
        rows = [(m, found.get(m.pk)) for m in self.members]
        rows.sort(key=lambda r: (_rate(r[1]) is None, -(_rate(r[1]) or 0), r[0].username))
        ranked, previous, rank = [], None, 0
        for position, (member, figures) in enumerate(rows, start=1):
            rate = _rate(figures)
            if rate != previous:
                previous, rank = rate, position
            ranked.append((member, figures, rank if rate is not None else None))
        return {"survey": survey, "rows": ranked}

    @property
    def charts_empty(self) -> bool:
        return all(chart.empty for chart in self.charts)

    @property
    def average_cells(self) -> list[float | None]:
        return [self.average.get(key) for key, _label in INDICATORS]

    @property
    def indicators(self):
        return INDICATORS

    @property
    def rank_label(self) -> str:
        """The indicator the rank numbers follow."""
        key = self.sort if self.sort != "name" else DEFAULT_SORT
        return dict(INDICATORS)[key]

    def query(self, **changes) -> str:
        """The page's query string with ``changes`` (for the sort links and downloads)."""
        natural = self.sort != "name"
        params = {
            "team": self.team.code if self.team and len(self.teams) > 1 else "",
            "month": f"{self.ranking_month:%Y-%m}" if self.month_chosen else "",
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "dir": "" if self.descending == natural else ("desc" if self.descending else "asc"),
        } | changes
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def columns(self) -> list[dict]:
        """The sortable column heads: key, label, link query, and the arrow of the sorted
        one (▼ high to low, ▲ low to high; names A→Z is ▲)."""
        heads = [("name", _("客户经理")), *INDICATORS]
        out = []
        for key, label in heads:
            arrow = ("▼" if self.descending else "▲") if key == self.sort else ""
            out.append(
                {
                    "key": key,
                    "label": label,
                    "short": SHORT_LABELS[key],
                    "query": self.sort_query(key),
                    "arrow": arrow,
                }
            )
        return out

    def sort_query(self, key: str) -> str:
        """The link of a column head: that column in its natural order (best first, names
        A→Z), or reversed when it is already the sorted one."""
        natural = key != "name"
        descending = (not self.descending) if key == self.sort else natural
        direction = "" if descending == natural else ("desc" if descending else "asc")
        return self.query(sort="" if key == DEFAULT_SORT else key, dir=direction)


def team_board(
    *, user: User, team: str = "", month: dt.date | None = None, sort: str = "", direction: str = ""
) -> TeamBoard:
    """The board of ``user``'s team (an admin: the team ``team``); ``month`` None or the
    running month (what the month picker shows by default): statuses of the running month and
    ranking of the last full month, whose indicators are computed."""
    chosen, teams = board_team(user=user, code=team)
    if month == current_month():
        month = None
    sort = sort if sort in SORTS else DEFAULT_SORT
    natural = sort != "name"
    descending = {"asc": False, "desc": True}.get(direction, natural)
    board = TeamBoard(
        user=user,
        team=chosen,
        teams=teams,
        status_month=month or current_month(),
        ranking_month=month or previous_month(),
        month_chosen=month is not None,
        sort=sort,
        descending=descending,
    )
    if chosen is None:
        return board
    members = managers_visible_to(user=user).filter(team=chosen)
    board.members = members = list(members.select_related("team").order_by("username"))
    board.computed = is_computed(month=board.ranking_month)
    rows = ranking_rows(members=members, month=board.ranking_month)
    board.average = team_average(rows)
    board.rows = rank_and_sort(rows, sort=sort, descending=descending)
    return board
