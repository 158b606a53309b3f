"""The ``satisfaction`` import (DESIGN.md §6): the third-party survey's answers, one row per
customer and dimension: survey_date, customer_code, dimension (code or Chinese name),
score 1–5. The period is the survey period containing survey_date; the natural key is
period + customer + dimension. Answers are recorded with the channel 第三方调查; a customer
who answered the period through the QR link or a callback is refused (one answer per
customer per period). All-or-nothing, as every import (imports/services.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tabular.columns import DUPLICATE_IN_FILE, Column, Table
from core.tabular.upsert import WriteCounts, upsert_frame
from customers.models import Customer
from customers.selectors import customer_ids_by_code

from .models import SCORE_MAX, SCORE_MIN, Channel, Dimension, Response, Score, Survey
from .selectors import dimension_ids_by_name, survey_ids_by_date

COLUMNS = [
    Column("survey_date", ("调查日期", "日期"), required=True),
    Column("customer_code", ("客户编码",), required=True),
    Column("dimension", ("维度", "评价维度", "指标"), required=True),
    Column("score", ("评分", "得分", "分数"), required=True),
]

UNKNOWN_CUSTOMER = gettext_lazy("未知的客户编码")
UNKNOWN_DIMENSION = gettext_lazy("未知的维度（可填维度编码或名称）")
NO_PERIOD = gettext_lazy("没有包含该日期的满意度调查期（请先在后台添加调查期）")
OTHER_CHANNEL = gettext_lazy("该客户本期已通过扫码自评或电话回访评价过，每期只能评价一次")


def validate(table: Table) -> pd.DataFrame:
    for column in ("customer_code", "dimension"):
        table.flag(table.raw(column) == "", column, _("必填，不能为空"))
    dates = table.date("survey_date", required=True)
    customers = table.lookup("customer_code", customer_ids_by_code(), str(UNKNOWN_CUSTOMER))
    raw_dimension = table.raw("dimension")
    dimensions = raw_dimension.str.strip().str.lower().map(dimension_ids_by_name())
    table.flag(dimensions.isna() & (raw_dimension != ""), "dimension", str(UNKNOWN_DIMENSION))
    scores = table.integer("score", required=True, minimum=SCORE_MIN, maximum=SCORE_MAX)
    periods = dates.map(survey_ids_by_date(dates.tolist()))
    table.flag(dates.notna() & periods.isna(), "survey_date", str(NO_PERIOD))

    # the natural key, as the user wrote it: the period's name and the dimension's name
    names = dict(Dimension.objects.values_list("pk", "name"))
    period_names = {pk: str(s) for pk, s in ((s.pk, s) for s in Survey.objects.all())}
    table.frame["survey_period"] = periods.map(period_names).fillna(table.raw("survey_date"))
    table.frame["dimension"] = dimensions.map(names).fillna(raw_dimension)
    table.unique(["survey_period", "customer_code", "dimension"], DUPLICATE_IN_FILE)

    known = periods.notna() & customers.notna()
    taken = set(
        Response.objects.filter(
            survey_id__in=sorted(set(periods[known].astype(int))),
            customer_id__in=sorted(set(customers[known].astype(int))),
        )
        .exclude(channel=Channel.IMPORT)
        .values_list("survey_id", "customer_id")
    )
    if taken:
        pairs = pd.Series(list(zip(periods, customers, strict=True)), index=periods.index)
        table.flag(known & pairs.isin(taken), "customer_code", str(OTHER_CHANNEL))
    return pd.DataFrame(
        {
            "survey_date": dates,
            "survey_id": periods,
            "customer_id": customers,
            "dimension_id": dimensions,
            "score": scores,
        }
    )


def write(clean: pd.DataFrame) -> WriteCounts:
    """Upsert the answers (one per period and customer, answered on the latest survey date
    of its rows) and their scores; the counts are the scores'."""
    clean = clean.astype({"survey_id": "int64", "customer_id": "int64", "dimension_id": "int64"})
    survey_ids = sorted(set(clean["survey_id"].tolist()))
    customer_ids = sorted(set(clean["customer_id"].tolist()))
    answers = clean.groupby(["survey_id", "customer_id"], as_index=False)["survey_date"].max()
    managers = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "manager_id"))
    zone = timezone.get_default_timezone()
    answers["manager_id"] = answers["customer_id"].map(managers)
    answers["channel"] = Channel.IMPORT.value
    answers["answered_at"] = answers["survey_date"].map(
        lambda day: dt.datetime.combine(day, dt.time(), tzinfo=zone)
    )
    existing = Response.objects.filter(survey_id__in=survey_ids, customer_id__in=customer_ids)
    upsert_frame(
        model=Response,
        frame=answers,
        key=["survey_id", "customer_id"],
        fields=["manager_id", "channel", "answered_at"],
        existing=existing,
    )
    ids = pd.DataFrame.from_records(
        list(existing.values_list("pk", "survey_id", "customer_id")),
        columns=["response_id", "survey_id", "customer_id"],
    )
    scores = clean.merge(ids, on=["survey_id", "customer_id"])
    scores["score"] = scores["score"].astype("int64")
    return upsert_frame(
        model=Score,
        frame=scores,
        key=["response_id", "dimension_id"],
        fields=["score"],
        existing=Score.objects.filter(response_id__in=ids["response_id"].tolist()),
    )
