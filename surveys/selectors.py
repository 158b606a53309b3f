"""Reading satisfaction: the survey periods, the callback sample, and the figures (the
satisfaction rate and the mean score per dimension with response counts) of a manager, a
team or the company per period — each a fixed number of SQL aggregations whatever the
number of answers, scoped by the access policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.crypto import salted_hmac

from accounts.models import Team, User
from accounts.policy import can_see_company, scope_of
from core.charts import LineChart, line_chart
from customers.models import Customer
from customers.selectors import active_customers

from .models import OVERALL, SATISFIED_FROM, Dimension, Response, Score, Survey

# how many periods the trend shows
TREND_PERIODS = 6


# --- periods and dimensions -------------------------------------------------------------


def survey_open_on(day: dt.date) -> Survey | None:
    """The survey period that contains ``day`` (periods never overlap)."""
    return Survey.objects.filter(start__lte=day, end__gte=day).first()


def survey_ids_by_date(days) -> dict[dt.date, int]:
    """For each of ``days``, the id of the period containing it (days outside every period
    are left out): one query for the span."""
    days = sorted({d for d in days if d is not None})
    if not days:
        return {}
    periods = list(
        Survey.objects.filter(start__lte=days[-1], end__gte=days[0]).values_list(
            "pk", "start", "end"
        )
    )
    found = {}
    for day in days:
        for pk, start, end in periods:
            if start <= day <= end:
                found[day] = pk
                break
    return found


def surveys_until(day: dt.date, *, count: int = TREND_PERIODS) -> list[Survey]:
    """The last ``count`` periods that started on or before ``day``, oldest first."""
    recent = Survey.objects.filter(start__lte=day).order_by("-start")[:count]
    return list(reversed(recent))


def survey_choices() -> list[Survey]:
    return list(Survey.objects.order_by("-start"))


def active_dimensions() -> list[Dimension]:
    return list(Dimension.objects.filter(is_active=True).order_by("position", "code"))


def dimension_ids_by_name() -> dict[str, int]:
    """Every dimension by its code and by its name (what an import's ``dimension`` cell may
    hold), lower-cased."""
    known = {}
    for pk, code, name in Dimension.objects.values_list("pk", "code", "name"):
        known[code.lower()] = pk
        known[name.lower()] = pk
    return known


# --- the callback sample ----------------------------------------------------------------


def callback_pool(*, team: Team) -> QuerySet[Customer]:
    """Every active customer of the team's customer managers: nobody is left out by manager."""
    return active_customers().filter(manager__team=team)


def callback_sample_ids(*, team: Team, survey: Survey, size: int | None = None) -> list[int]:
    """The period's random sample of the team's active customers for phone callbacks:
    each customer gets a keyed hash of (team, period, customer code) and the lowest ``size``
    are taken. Random (the key is the deployment's secret, so nobody can tell in advance who
    will be called), the same on every page load of the period, drawn from the whole team
    (every manager's customers alike), and a customer added or dropped moves at most one
    place of the sample."""
    size = settings.SURVEY_CALLBACK_SAMPLE_SIZE if size is None else size
    rows = list(callback_pool(team=team).values_list("pk", "code"))
    salt = "surveys.callback-sample"
    keyed = sorted(
        rows,
        key=lambda row: salted_hmac(salt, f"{team.code}|{survey.start:%Y-%m-%d}|{row[1]}").digest(),
    )
    return [pk for pk, _code in keyed[:size]]


# --- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionMean:
    dimension: Dimension
    mean: float | None
    answers: int
    weakest: bool = False


@dataclass
class Figures:
    """One period's satisfaction of one scope (a manager, a team, the company)."""

    survey: Survey
    responses: int = 0  # answers of the period
    respondents: int = 0  # of them, with an overall score
    satisfied: int = 0  # overall ≥ SATISFIED_FROM
    means: list[DimensionMean] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.respondents if self.respondents else None

    @property
    def weakest(self) -> DimensionMean | None:
        return next((m for m in self.means if m.weakest), None)

    def mean_of(self, code: str) -> float | None:
        return next((m.mean for m in self.means if m.dimension.code == code), None)


def _figures(
    responses: QuerySet[Response], surveys: list[Survey], *, by: str | None = None
) -> dict[tuple, Figures]:
    """The figures of ``responses`` per (survey id, group) — group is None or the value of
    the Response path ``by`` (``manager_id``, ``manager__team``): three aggregations."""
    survey_of = {s.pk: s for s in surveys}
    responses = responses.filter(survey__in=list(survey_of))
    keys = ["survey_id"] + ([by] if by else [])
    score_keys = [f"response__{k}" for k in keys]
    dimensions = list(Dimension.objects.order_by("position", "code"))
    counted = responses.values(*keys).annotate(n=Count("id")).order_by()
    scores = Score.objects.filter(response__in=responses)
    overall = (
        scores.filter(dimension__code=OVERALL)
        .values(*score_keys)
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(score__gte=SATISFIED_FROM)))
        .order_by()
    )
    means = (
        scores.values(*score_keys, "dimension_id")
        .annotate(mean=Avg("score"), n=Count("id"))
        .order_by()
    )

    def key_of(row, names) -> tuple:
        return (row[names[0]], row[names[1]] if by else None)

    out: dict[tuple, Figures] = {}
    for row in counted:
        key = key_of(row, keys)
        out[key] = Figures(survey_of[key[0]], responses=row["n"])
    for row in overall:
        figures = out[key_of(row, score_keys)]
        figures.respondents, figures.satisfied = row["n"], row["satisfied"]
    dimension_means: dict[tuple, dict[int, tuple[float, int]]] = {}
    for row in means:
        dimension_means.setdefault(key_of(row, score_keys), {})[row["dimension_id"]] = (
            float(row["mean"]),
            row["n"],
        )
    for key, figures in out.items():
        found = dimension_means.get(key, {})
        rated = [d for d in dimensions if d.pk in found and not d.is_overall]
        weakest = min(rated, key=lambda d: found[d.pk][0], default=None)
        # the active dimensions, and an inactive one only where it was scored
        figures.means = [
            DimensionMean(d, *(found.get(d.pk) or (None, 0)), weakest=d == weakest)
            for d in dimensions
            if d.pk in found or d.is_active
        ]
    return out


def _empty(survey: Survey) -> Figures:
    dimensions = active_dimensions()
    return Figures(survey, means=[DimensionMean(d, None, 0) for d in dimensions])


@dataclass
class Summary:
    """What a page shows of one scope: the chosen period's figures and the trend."""

    title: str
    latest: Figures | None
    trend: list[Figures]

    @cached_property
    def chart(self) -> LineChart:
        from django.utils.translation import gettext as _

        return line_chart([(f.survey.start, f.rate) for f in self.trend], title=_("客户满意率"))

    @property
    def empty(self) -> bool:
        return not any(f.responses for f in self.trend)


def _scoped(user: User) -> QuerySet[Response]:
    return scope_of(user).work(Response.objects.all())


def summary(
    *,
    user: User,
    until: dt.date,
    manager: User | None = None,
    team: Team | None = None,
    survey: Survey | None = None,
    title: str = "",
) -> Summary:
    """The satisfaction of ``manager``, else ``team``, else the company (only for those who
    may see it), up to the period containing ``until`` (or ``survey``) and the periods
    before it. The caller has checked that ``user`` may see the manager or the team; the
    rows are narrowed by the policy all the same."""
    if survey is not None:
        until = survey.start
    responses = _scoped(user)
    if manager is not None:
        responses = responses.filter(manager=manager)
    elif team is not None:
        responses = responses.filter(manager__team=team)
    elif not can_see_company(user):
        responses = responses.none()
    periods = surveys_until(until)
    found = _figures(responses, periods)
    trend = [found.get((s.pk, None)) or _empty(s) for s in periods]
    return Summary(title, trend[-1] if trend else None, trend)


def figures_by(
    *, user: User, survey: Survey, by: str, team: Team | None = None
) -> dict[int, Figures]:
    """One period's figures per manager (``by="manager"``, of ``team`` when given) or per
    team (``by="team"``), keyed by the manager's or the team's id."""
    path = {"manager": "manager_id", "team": "manager__team"}[by]
    responses = _scoped(user)
    if team is not None:
        responses = responses.filter(manager__team=team)
    found = _figures(responses, [survey], by=path)
    return {group: figures for (_survey, group), figures in found.items() if group is not None}


def survey_answered_ids(*, survey: Survey, customer_ids: list[int]) -> set[int]:
    return set(
        Response.objects.filter(survey=survey, customer_id__in=customer_ids).values_list(
            "customer_id", flat=True
        )
    )


def has_answered(*, survey: Survey, customer: Customer) -> bool:
    return Response.objects.filter(survey=survey, customer=customer).exists()


# --- the "dissatisfied customer" rule -----------------------------------------------------


def low_scores(
    *, customer_ids: list[int], since: dt.datetime, before: dt.datetime, threshold: float
) -> pd.DataFrame:
    """For each customer of ``customer_ids`` whose last answer in [``since``, ``before``)
    scores some dimension at or below ``threshold``: customer_id, lowest (the lowest score),
    dimensions (the low ones' names, "、"-joined), answered_at. Two queries."""
    columns = ["customer_id", "lowest", "dimensions", "answered_at"]
    answers = pd.DataFrame.from_records(
        list(
            Response.objects.filter(
                customer_id__in=customer_ids, answered_at__gte=since, answered_at__lt=before
            ).values_list("pk", "customer_id", "answered_at")
        ),
        columns=["response_id", "customer_id", "answered_at"],
    )
    if answers.empty:
        return pd.DataFrame(columns=columns)
    answers = answers.sort_values(["customer_id", "answered_at", "response_id"])
    last = answers.drop_duplicates("customer_id", keep="last")
    scores = pd.DataFrame.from_records(
        list(
            Score.objects.filter(
                response_id__in=last["response_id"].tolist(), score__lte=threshold
            ).values_list("response_id", "score", "dimension__name", "dimension__position")
        ),
        columns=["response_id", "score", "name", "position"],
    )
    if scores.empty:
        return pd.DataFrame(columns=columns)
    scores = scores.sort_values(["response_id", "position"])
    grouped = scores.groupby("response_id").agg(
        lowest=("score", "min"), dimensions=("name", "、".join)
    )
    rows = last.merge(grouped, left_on="response_id", right_index=True)
    return rows[columns].reset_index(drop=True)
