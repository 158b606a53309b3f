"""Demo customer satisfaction: quarterly survey periods from the first demo month to the
current quarter, answers of a share of the active customers each period through the three
channels, and scores drawn from a customer's latent satisfaction (a manager effect, the
customer's own, and a slow improvement over the periods: about 85 % satisfied at first,
about 90 % lately), with supply (货源供应) the usual weakest dimension. Everything is
vectorised: two bulk writes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.months import add_months
from surveys.models import Channel, Dimension, PeriodKind, Response, Score, Survey
from surveys.services import dimensions_ensure_defaults

from . import load
from .execution import Staff

BASE = 4.45  # the latest period's mean latent score
STEP = 0.05  # improvement per period
SHARE, SHARE_NOW = 0.25, 0.12  # share of the active customers answering a period (so far)
CAP, CAP_NOW = 4000, 1500
# how each dimension sits against the customer's latent satisfaction
OFFSETS = {"supply": -0.35, "brands_prices": -0.1, "service": 0.2, "delivery": 0.0, "ordering": 0.1}
CHANNELS = [Channel.IMPORT.value, Channel.QR.value, Channel.CALLBACK.value]
CHANNEL_P = [0.6, 0.3, 0.1]


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def seed_satisfaction(
    *,
    customers: pd.DataFrame,
    cust_ids: np.ndarray,
    staff: Staff,
    first_month: dt.date,
    today: dt.date,
    rng: np.random.Generator,
) -> dict:
    starts, start = [], quarter_start(first_month)
    while start <= today:
        starts.append(start)
        start = add_months(start, 3)
    surveys = [
        Survey.objects.get_or_create(start=s, defaults={"kind": PeriodKind.QUARTER})[0]
        for s in starts
    ]
    dimensions_ensure_defaults()  # a flushed database has lost the migration's
    dimensions = list(Dimension.objects.filter(is_active=True).order_by("position", "code"))
    active = np.flatnonzero((customers["status"] == "active").to_numpy())
    manager = customers["manager"].to_numpy()
    manager_effect = rng.normal(0, 0.25, size=len(staff.manager_ids))
    latent = BASE + manager_effect[manager] + rng.normal(0, 0.55, size=len(customers))
    answers = []
    for k, survey in enumerate(surveys):
        current = survey.end >= today
        size = min(
            int(len(active) * (SHARE_NOW if current else SHARE)), CAP_NOW if current else CAP
        )
        last_day = min(survey.end, today - dt.timedelta(days=1))
        if size == 0 or last_day < survey.start:
            continue
        chosen = rng.choice(active, size=size, replace=False)
        days = (last_day - survey.start).days + 1
        # local 09:00–20:00 on a day of the period, stored in UTC (8 hours earlier)
        seconds = rng.integers(0, days, size) * 86400 + rng.integers(9 * 3600, 20 * 3600, size)
        answered = np.datetime64(survey.start, "s") + (seconds - 8 * 3600).astype("timedelta64[s]")
        channel = rng.choice(CHANNELS, size=size, p=CHANNEL_P)
        callback = channel == Channel.CALLBACK.value
        entered = pd.array(staff.market_manager_ids[manager[chosen]], dtype="Int64")
        entered[~callback] = pd.NA
        answers.append(
            pd.DataFrame(
                {
                    "survey_id": survey.pk,
                    "customer_id": cust_ids[chosen],
                    "manager_id": staff.manager_ids[manager[chosen]],
                    "channel": channel,
                    "answered_at": answered,
                    "entered_by_id": entered,
                    "_latent": latent[chosen] - STEP * (len(surveys) - 1 - k),
                }
            )
        )
    if not answers:
        return {Response: 0, Score: 0}
    frame = pd.concat(answers, ignore_index=True)
    written = load.write_rows(Response, [frame.drop(columns="_latent")], times=("answered_at",))
    ids = pd.DataFrame.from_records(
        list(
            Response.objects.filter(survey__in=surveys).values_list(
                "pk", "survey_id", "customer_id"
            )
        ),
        columns=["response_id", "survey_id", "customer_id"],
    )
    frame = frame.merge(ids, on=["survey_id", "customer_id"])
    n = len(frame)
    scores = []
    for dimension in dimensions:
        noise = 0.35 if dimension.is_overall else 0.45
        offset = OFFSETS.get(dimension.code, 0.0)
        value = np.rint(frame["_latent"].to_numpy() + offset + rng.normal(0, noise, n))
        scores.append(
            pd.DataFrame(
                {
                    "response_id": frame["response_id"].to_numpy(),
                    "dimension_id": dimension.pk,
                    "score": np.clip(value, 1, 5).astype("int64"),
                }
            )
        )
    return {Response: written, Score: load.write_rows(Score, scores)}
