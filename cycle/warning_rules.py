"""Evaluating the warning rules of the strategy library (DESIGN.md §4 step 1, Analysis).

``warnings_evaluate(manager=…, month=M)`` flags the problems of one customer manager's
**active** customers (current owner, current status) in month M — the month whose data is
analysed, normally the month before the cycle's — by every active ``WarningRule``. Everything
is vectorised with pandas; each data set below is read with one query, and only when an
active rule needs it:

- the stored ``CustomerIndicator`` rows of M (``reports``), company-wide when a
  ``growth_vs_class`` rule is active (the class index needs every class member), else only
  the managers' customers. vol(M−1) is recovered from the same row: 0 when the stored
  month-on-month change is empty (the job leaves it empty exactly when vol(M−1) = 0), else
  vol(M) ÷ (1 + change), rounded to whole cartons. That fails only when vol(M) = 0 (change
  −100 %), and for those customers vol(M−1) is read with one SQL aggregation of their M−1
  order lines. So the stored M−1 rows are never needed and M−1 need not have been computed.
- the latest shelf check per customer × key SKU up to the end of M (local time), the latest
  inventory and price checks per customer × SKU in M (Asia/Shanghai month), the month's
  order volume per customer × SKU for the inventory ratio (one SQL aggregation), the SKUs.
- the visits, from the pluggable source of ``cycle.visit_sources`` (the valid visits; with
  no source the ``no_visit`` rules are skipped with a reason, never evaluated as "no visits").

Customers without a stored row for M (activated or created after the month was computed) are
only tested by the check-based rules. Comparisons allow 1e-9 for floating point, so a value
equal to the threshold in decimal arithmetic (88/100 ÷ 110/100 against 0.8) is never flagged.
Who may look at a manager's warnings is the caller's business (``cycle.selectors``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from brands.models import Sku, SkuStatus
from core.months import add_months, month_end
from customers.models import TIER_BANDS, BusinessFormat, Customer, CustomerStatus
from markets.models import InventoryCheck, OrderLine, PriceCheck, ShelfCheck
from reports.frames import local_month_bounds
from reports.models import CustomerIndicator, IndicatorRun, RunStatus
from reports.rates import ratio

from .models import Severity, WarningRule
from .rule_kinds import SPECS, RuleKind, render, threshold_text
from .visit_sources import visit_source, visits_in

EPSILON = 1e-9
ACTIVE = CustomerStatus.ACTIVE

_BAND_OF_TIER = {
    tier: code for code, low, high, _label in TIER_BANDS for tier in range(low, high + 1)
}
_BAND_LABEL = {code: label for code, _low, _high, label in TIER_BANDS}


class IndicatorsMissing(Exception):
    """The month's indicators have not been computed, so there is nothing to analyse."""

    def __init__(self, month: dt.date):
        self.month = month
        super().__init__(f"the indicators of {month:%Y-%m} have not been computed")

    @property
    def message(self) -> str:
        return gettext("%(month)s的月度指标尚未计算，暂时无法分析预警。请先计算该月指标。") % {
            "month": _month_text(self.month)
        }


@dataclass(frozen=True)
class CustomerWarning:
    """One flag on one customer (and SKU, for the SKU rules) by one rule."""

    customer_id: int
    customer_code: str
    customer_name: str
    manager_id: int
    rule_code: str
    rule_name: str
    severity: str
    message: str
    # the numbers behind the flag, e.g. {"customer_growth": 0.72, "class_growth": 1.05,
    # "ratio": 0.69, ...}; floats unrounded, None where a rate is empty
    numbers: dict[str, Any]
    suggestion: str  # 建议标准动作: the rule's suggestion, else its standard action's name
    action_id: int | None
    action_code: str
    sku_id: int | None = None
    sku_code: str = ""
    sku_name: str = ""

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)


@dataclass(frozen=True)
class SkippedRule:
    """An active rule that could not be evaluated, and why."""

    code: str
    name: str
    reason: str


class Evaluated(list):
    """A result list with the active rules that were skipped (``skipped``)."""

    def __init__(self, items: Iterable = (), *, skipped: Iterable[SkippedRule] = ()):
        super().__init__(items)
        self.skipped: list[SkippedRule] = list(skipped)


@dataclass(frozen=True)
class ManagerWarningCounts:
    manager_id: int
    customers: int  # active customers evaluated
    flagged_customers: int  # customers with at least one warning
    warnings: int
    by_severity: dict[str, int]  # every severity, 0 included
    by_rule: dict[str, int]  # rule code → warnings, rules without any left out


class _Skip(Exception):
    pass


# --- public API ---------------------------------------------------------------------------


def warnings_evaluate(*, manager: User | int, month: dt.date) -> Evaluated:
    """Every active rule on ``manager``'s active customers in the month of ``month``: a list
    of CustomerWarning ordered by customer code, rule position and SKU code, with the rules
    that had to be skipped in ``.skipped``. Raises IndicatorsMissing when the month's
    indicators have not been computed."""
    month = _first_day(month)
    _require_indicators(month)
    rules = _active_rules()
    data = _Data(month, [_id_of(manager)], rules)
    hits, skipped = _evaluate(data, rules)
    warnings = [w for rule, frame in hits for w in _warnings(data, rule, frame)]
    positions = {rule.code: (rule.position, rule.code) for rule in rules}
    warnings.sort(key=lambda w: (w.customer_code, positions[w.rule_code], w.sku_code))
    return Evaluated(warnings, skipped=skipped)


def warnings_summary(*, managers: Iterable[User | int], month: dt.date) -> Evaluated:
    """Warning counts per customer manager (in the order given) for a team view, with the
    skipped rules in ``.skipped``. Raises IndicatorsMissing like warnings_evaluate."""
    month = _first_day(month)
    ids = [_id_of(m) for m in managers]
    _require_indicators(month)
    rules = _active_rules()
    data = _Data(month, ids, rules)
    hits, skipped = _evaluate(data, rules)
    flags = pd.concat(
        [
            pd.DataFrame({"customer_id": pd.Series(dtype="int64"), "rule": "", "severity": ""}),
            *(
                frame[["customer_id"]].assign(rule=rule.code, severity=rule.severity)
                for rule, frame in hits
            ),
        ],
        ignore_index=True,
    ).merge(data.customers[["customer_id", "manager_id"]], on="customer_id")
    customers = data.customers.groupby("manager_id").size().to_dict()
    warnings = flags.groupby("manager_id").size().to_dict()
    flagged = flags.groupby("manager_id")["customer_id"].nunique().to_dict()
    severities = flags.groupby(["manager_id", "severity"]).size().to_dict()
    per_rule = flags.groupby(["manager_id", "rule"]).size().to_dict()
    rows = [
        ManagerWarningCounts(
            manager_id=manager_id,
            customers=int(customers.get(manager_id, 0)),
            flagged_customers=int(flagged.get(manager_id, 0)),
            warnings=int(warnings.get(manager_id, 0)),
            by_severity={s: int(severities.get((manager_id, s), 0)) for s in Severity.values},
            by_rule={
                rule.code: int(per_rule[(manager_id, rule.code)])
                for rule in rules
                if (manager_id, rule.code) in per_rule
            },
        )
        for manager_id in ids
    ]
    return Evaluated(rows, skipped=skipped)


# --- loading ------------------------------------------------------------------------------


def _first_day(month: dt.date) -> dt.date:
    return dt.date(month.year, month.month, 1)


def _id_of(manager: User | int) -> int:
    return manager.pk if isinstance(manager, User) else int(manager)


def _month_text(month: dt.date) -> str:
    return gettext("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}


def _require_indicators(month: dt.date) -> None:
    computed = (
        IndicatorRun.objects.filter(month=month, status=RunStatus.SUCCEEDED).exists()
        or CustomerIndicator.objects.filter(month=month).exists()
    )
    if not computed:
        raise IndicatorsMissing(month)


def _active_rules() -> list[WarningRule]:
    return list(
        WarningRule.objects.filter(is_active=True)
        .select_related("action")
        .order_by("position", "code")
    )


def _frame(rows, dtypes: dict) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(dtypes))
    return frame.astype(dtypes)


class _Data:
    """What the rules read, for one month and some customer managers; each set is loaded
    with one query on first use."""

    def __init__(self, month: dt.date, manager_ids: list[int], rules: list[WarningRule]):
        self.month = month
        self.previous = add_months(month, -1)
        self.next = add_months(month, 1)
        self.start, self.end = local_month_bounds(month)
        self.manager_ids = manager_ids
        self.company_wide = any(r.kind == RuleKind.GROWTH_VS_CLASS for r in rules)

    def _checks(self, model):
        return model.objects.filter(
            customer__manager_id__in=self.manager_ids,
            customer__status=ACTIVE,
            observed_at__lt=self.end,
        )

    @cached_property
    def customers(self) -> pd.DataFrame:
        """The managers' active customers: customer_id, manager_id, code, name."""
        rows = (
            Customer.objects.filter(manager_id__in=self.manager_ids, status=ACTIVE)
            .order_by("id")
            .values_list("id", "manager_id", "code", "name")
        )
        return _frame(
            rows, {"customer_id": "int64", "manager_id": "int64", "code": object, "name": object}
        )

    @cached_property
    def ids(self) -> pd.Index:
        return pd.Index(self.customers["customer_id"])

    @cached_property
    def company(self) -> pd.DataFrame:
        """Stored rows of M of every active customer (see _indicator_rows)."""
        return self._indicator_rows(Q())

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Stored rows of M of the managers' active customers."""
        if self.company_wide:
            rows = self.company
            return rows[rows["customer_id"].isin(self.ids)].reset_index(drop=True)
        return self._indicator_rows(Q(customer__manager_id__in=self.manager_ids))

    def _indicator_rows(self, scope: Q) -> pd.DataFrame:
        """customer_id, band, business_format, volume, volume_before, forecast (Int64, NA
        without one), requested."""
        stored = CustomerIndicator.objects.filter(
            Q(month=self.month, customer__status=ACTIVE) & scope
        )
        rows = stored.order_by("customer_id").values_list(
            "customer_id",
            "customer__tier",
            "customer__business_format",
            "volume",
            "volume_change_mom",
            "forecast",
            "requested",
        )
        frame = _frame(
            rows,
            {
                "customer_id": "int64",
                "tier": "Int64",
                "business_format": object,
                "volume": "int64",
                "change": "float64",
                "forecast": "Int64",
                "requested": "int64",
            },
        )
        frame["band"] = frame["tier"].map(_BAND_OF_TIER).fillna("").astype(object)
        volume = frame["volume"].to_numpy(dtype="float64")
        change = frame["change"].to_numpy()
        before = np.where(np.isnan(change), 0.0, np.rint(ratio(volume, 1 + change)))
        unknown = ~np.isnan(change) & (volume == 0)  # change −100 %: vol(M−1) lost
        if unknown.any():
            lost = stored.filter(volume=0, volume_change_mom__isnull=False).values("customer_id")
            sums = dict(
                OrderLine.objects.filter(
                    order_date__gte=self.previous, order_date__lt=self.month, customer_id__in=lost
                )
                .values("customer_id")
                .annotate(quantity=Sum("quantity"))
                .values_list("customer_id", "quantity")
            )
            before[unknown] = frame.loc[unknown, "customer_id"].map(sums).fillna(0).to_numpy()
        frame["volume_before"] = before.astype("int64")
        frame["business_format"] = frame["business_format"].fillna("")
        return frame.drop(columns=["tier", "change"])

    @cached_property
    def skus(self) -> pd.DataFrame:
        """sku_id, sku_code, sku_name, retail_price (NaN if none), key_on_sale."""
        last_day = month_end(self.month)
        rows = Sku.objects.order_by("id").values_list(
            "id", "code", "name", "retail_price", "is_key_brand", "status", "launch_date"
        )
        frame = pd.DataFrame.from_records(
            list(rows),
            columns=["sku_id", "sku_code", "sku_name", "retail", "key", "status", "launch"],
        )
        launched = frame["launch"].map(lambda d: pd.isna(d) or d <= last_day).astype(bool)
        return pd.DataFrame(
            {
                "sku_id": frame["sku_id"].astype("int64"),
                "sku_code": frame["sku_code"].astype(object),
                "sku_name": frame["sku_name"].astype(object),
                "retail_price": pd.to_numeric(frame["retail"], errors="coerce").astype("float64"),
                "key_on_sale": frame["key"].astype(bool)
                & (frame["status"] == SkuStatus.ACTIVE)
                & launched,
            }
        )

    def _latest(self, checks, value: str, name: str, dtype) -> pd.DataFrame:
        """The latest of ``checks`` per customer × SKU (ties: the later record):
        customer_id, sku_id, ``name``, observed_at."""
        rows = (
            checks.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("customer_id"), F("sku_id")],
                    order_by=[F("observed_at").desc(), F("id").desc()],
                )
            )
            .filter(rank=1)
            .order_by("customer_id", "sku_id")
            .values_list("customer_id", "sku_id", value, "observed_at")
        )
        return _frame(
            rows,
            {"customer_id": "int64", "sku_id": "int64", name: dtype, "observed_at": object},
        )

    @cached_property
    def shelf(self) -> pd.DataFrame:
        """Latest shelf check of each key SKU on sale, up to the end of M."""
        key_ids = self.skus.loc[self.skus["key_on_sale"], "sku_id"].tolist()
        checks = self._checks(ShelfCheck).filter(sku_id__in=key_ids)
        return self._latest(checks, "on_shelf", "on_shelf", bool)

    @cached_property
    def inventory(self) -> pd.DataFrame:
        """Latest inventory check of each SKU in M."""
        checks = self._checks(InventoryCheck).filter(observed_at__gte=self.start)
        return self._latest(checks, "quantity", "stock", "int64")

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Latest price check of each SKU in M."""
        checks = self._checks(PriceCheck).filter(observed_at__gte=self.start)
        return self._latest(checks, "price", "price", "float64")

    def sku_volumes(self, sku_ids: list[int]) -> pd.DataFrame:
        """Volume of M per customer × SKU, for the managers' active customers."""
        rows = (
            OrderLine.objects.filter(
                order_date__gte=self.month,
                order_date__lt=self.next,
                customer_id__in=Customer.objects.filter(
                    manager_id__in=self.manager_ids, status=ACTIVE
                ).values("id"),
                sku_id__in=sku_ids,
            )
            .values("customer_id", "sku_id")
            .annotate(volume=Sum("quantity"))
            .order_by("customer_id", "sku_id")
            .values_list("customer_id", "sku_id", "volume")
        )
        return _frame(rows, {"customer_id": "int64", "sku_id": "int64", "volume": "int64"})


# --- the conditions -----------------------------------------------------------------------
# Each takes the data and the threshold (float, None when the kind has none) and returns the
# flagged rows: customer_id, sku_id for the SKU kinds, and the columns of NUMBERS[kind].


def _growth_vs_class(data: _Data, t: float | None) -> pd.DataFrame:
    rows = data.company
    classed = rows[(rows["band"] != "") & (rows["business_format"] != "")]
    classes = classed.groupby(["band", "business_format"], as_index=False).agg(
        class_volume=("volume", "sum"),
        class_volume_before=("volume_before", "sum"),
        class_customers=("customer_id", "size"),
    )
    mine = classed[classed["customer_id"].isin(data.ids)].merge(
        classes, on=["band", "business_format"], how="left"
    )
    mine["customer_growth"] = ratio(mine["volume"], mine["volume_before"])
    mine["class_growth"] = ratio(mine["class_volume"], mine["class_volume_before"])
    mine["ratio"] = ratio(mine["customer_growth"], mine["class_growth"])
    mine = mine.rename(columns={"band": "tier_band"})
    return mine[mine["ratio"] < t - EPSILON]


def _volume_drop(data: _Data, t: float | None) -> pd.DataFrame:
    rows = data.indicators.copy()
    rows["drop"] = ratio(rows["volume_before"] - rows["volume"], rows["volume_before"])
    return rows[rows["drop"] > t + EPSILON]


def _large_customer_falling(data: _Data, t: float | None) -> pd.DataFrame:
    rows = data.indicators.copy()
    rows["change"] = ratio(rows["volume"] - rows["volume_before"], rows["volume_before"])
    return rows[(rows["volume_before"] > t + EPSILON) & (rows["volume"] < rows["volume_before"])]


def _key_sku_not_on_shelf(data: _Data, t: float | None) -> pd.DataFrame:
    rows = data.shelf[~data.shelf["on_shelf"]].copy()
    local = pd.to_datetime(rows["observed_at"], utc=True).dt.tz_convert(settings.TIME_ZONE)
    rows["checked_on"] = local.dt.strftime("%Y-%m-%d").astype(object)
    return rows


def _inventory_high(data: _Data, t: float | None) -> pd.DataFrame:
    stock = data.inventory
    if stock.empty:
        return stock
    volumes = data.sku_volumes(sorted(stock["sku_id"].unique().tolist()))
    rows = stock.merge(volumes, on=["customer_id", "sku_id"], how="left")
    rows["volume"] = rows["volume"].fillna(0).astype("int64")
    rows["ratio"] = ratio(rows["stock"], rows["volume"])
    return rows[rows["ratio"] > t + EPSILON]


def _price_above_retail(data: _Data, t: float | None) -> pd.DataFrame:
    rows = data.prices.merge(data.skus[["sku_id", "retail_price"]], on="sku_id")
    rows["premium"] = ratio(rows["price"] - rows["retail_price"], rows["retail_price"])
    return rows[rows["premium"] > t + EPSILON]


def _forecast_error(data: _Data, t: float | None) -> pd.DataFrame:
    rows = data.indicators.copy()
    forecast = rows["forecast"].to_numpy(dtype="float64", na_value=np.nan)
    requested = rows["requested"].to_numpy()
    rows["error"] = ratio(forecast - requested, requested, where=~np.isnan(forecast))
    beyond = np.abs(rows["error"].to_numpy()) > t + EPSILON
    unasked = (requested == 0) & (forecast > 0)  # NaN > 0 is False
    return rows[beyond | unasked]


def _no_visit(data: _Data, t: float | None) -> pd.DataFrame:
    source = visit_source()
    if source is None:
        raise _Skip(
            _(
                "尚无拜访记录数据：拜访功能上线（提供拜访数据来源）后本规则自动生效；"
                "在此之前跳过，以免把所有客户都判为未拜访。"
            )
        )
    rows = data.customers[["customer_id"]].copy()
    visits = visits_in(source, customer_ids=rows["customer_id"].tolist(), month=data.month)
    rows["visits"] = rows["customer_id"].map(visits).fillna(0).astype("int64")
    return rows[rows["visits"] < t - EPSILON]


CONDITIONS: dict[str, Callable[[_Data, float | None], pd.DataFrame]] = {
    RuleKind.GROWTH_VS_CLASS: _growth_vs_class,
    RuleKind.VOLUME_DROP: _volume_drop,
    RuleKind.LARGE_CUSTOMER_FALLING: _large_customer_falling,
    RuleKind.KEY_SKU_NOT_ON_SHELF: _key_sku_not_on_shelf,
    RuleKind.INVENTORY_HIGH: _inventory_high,
    RuleKind.PRICE_ABOVE_RETAIL: _price_above_retail,
    RuleKind.FORECAST_ERROR: _forecast_error,
    RuleKind.NO_VISIT: _no_visit,
}

# the numbers kept with each warning, in this order
NUMBERS: dict[str, list[str]] = {
    RuleKind.GROWTH_VS_CLASS: [
        "volume",
        "volume_before",
        "customer_growth",
        "class_volume",
        "class_volume_before",
        "class_growth",
        "ratio",
        "class_customers",
        "tier_band",
        "business_format",
    ],
    RuleKind.VOLUME_DROP: ["volume", "volume_before", "drop"],
    RuleKind.LARGE_CUSTOMER_FALLING: ["volume", "volume_before", "change"],
    RuleKind.KEY_SKU_NOT_ON_SHELF: ["checked_on"],
    RuleKind.INVENTORY_HIGH: ["stock", "volume", "ratio"],
    RuleKind.PRICE_ABOVE_RETAIL: ["price", "retail_price", "premium"],
    RuleKind.FORECAST_ERROR: ["forecast", "requested", "error"],
    RuleKind.NO_VISIT: ["visits"],
}


def _evaluate(
    data: _Data, rules: list[WarningRule]
) -> tuple[list[tuple[WarningRule, pd.DataFrame]], list[SkippedRule]]:
    hits, skipped = [], []
    for rule in rules:
        spec = SPECS.get(rule.kind)
        try:
            if spec is None:
                raise _Skip(_("不支持的预警条件“%(kind)s”。") % {"kind": rule.kind})
            if spec.unit is not None and rule.threshold is None:
                raise _Skip(_("未设置阈值。"))
            t = None if rule.threshold is None else float(rule.threshold)
            frame = CONDITIONS[rule.kind](data, t)
        except _Skip as skip:
            skipped.append(SkippedRule(code=rule.code, name=rule.name, reason=str(skip.args[0])))
            continue
        hits.append((rule, frame[frame["customer_id"].isin(data.ids)]))
    return hits, skipped


# --- the result ---------------------------------------------------------------------------


def _native(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _warnings(data: _Data, rule: WarningRule, frame: pd.DataFrame) -> list[CustomerWarning]:
    if frame.empty:
        return []
    spec = SPECS[rule.kind]
    rows = frame.merge(data.customers, on="customer_id")
    if spec.per_sku:
        rows = rows.merge(data.skus[["sku_id", "sku_code", "sku_name"]], on="sku_id")
    columns = NUMBERS[rule.kind]
    threshold = None if rule.threshold is None else float(rule.threshold)
    common = {
        "month": _month_text(data.month),
        "threshold": threshold_text(rule.kind, rule.threshold),
    }
    out = []
    for record in rows.to_dict("records"):
        numbers = {c: _native(record[c]) for c in columns}
        if threshold is not None:
            numbers["threshold"] = threshold
        values = {
            **common,
            "customer": record["name"],
            "code": record["code"],
            "sku": record.get("sku_name", ""),
            **TEXTS[rule.kind](numbers, threshold),
        }
        out.append(
            CustomerWarning(
                customer_id=int(record["customer_id"]),
                customer_code=record["code"],
                customer_name=record["name"],
                manager_id=int(record["manager_id"]),
                rule_code=rule.code,
                rule_name=rule.name,
                severity=rule.severity,
                message=render(rule.message, values),
                numbers=numbers,
                suggestion=rule.suggested_action,
                action_id=rule.action_id,
                action_code=rule.action.code if rule.action_id else "",
                sku_id=int(record["sku_id"]) if spec.per_sku else None,
                sku_code=record.get("sku_code", ""),
                sku_name=record.get("sku_name", ""),
            )
        )
    return out


# --- message texts ------------------------------------------------------------------------


def _fixed(value: float | None, decimals: int = 2, *, apart_from: float | None = None) -> str:
    """``value`` with ``decimals`` places, more (up to 6) while it would print as the
    threshold it was compared with, so that "0.7996 < 0.8" never reads "0.80 < 0.8"."""
    if value is None:
        return "—"
    if apart_from is not None:
        while decimals < 6 and value != apart_from and round(value, decimals) == apart_from:
            decimals += 1
    return f"{value:.{decimals}f}"


def _percent(
    value: float | None, decimals: int = 1, *, apart_from: float | None = None, sign=False
) -> str:
    if value is None:
        return "—"
    if apart_from is not None:
        while (
            decimals < 4
            and abs(value) != apart_from
            and round(abs(value), decimals + 2) == round(apart_from, decimals + 2)
        ):
            decimals += 1
    return f"{value * 100:{'+' if sign else ''}.{decimals}f}%"


def _int(value) -> str:
    return "—" if value is None else str(int(value))


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _class_label(band: str, business_format: str) -> str:
    return f"{_BAND_LABEL.get(band, band)}·{BusinessFormat(business_format).label}"


TEXTS: dict[str, Callable[[dict, float | None], dict[str, str]]] = {
    RuleKind.GROWTH_VS_CLASS: lambda n, t: {
        "volume": _int(n["volume"]),
        "volume_before": _int(n["volume_before"]),
        "customer_growth": _fixed(n["customer_growth"]),
        "class": _class_label(n["tier_band"], n["business_format"]),
        "class_growth": _fixed(n["class_growth"]),
        "ratio": _fixed(n["ratio"], apart_from=t),
    },
    RuleKind.VOLUME_DROP: lambda n, t: {
        "volume": _int(n["volume"]),
        "volume_before": _int(n["volume_before"]),
        "drop": _percent(n["drop"], apart_from=t),
    },
    RuleKind.LARGE_CUSTOMER_FALLING: lambda n, t: {
        "volume": _int(n["volume"]),
        "volume_before": _int(n["volume_before"]),
        "change": _percent(n["change"], sign=True),
    },
    RuleKind.KEY_SKU_NOT_ON_SHELF: lambda n, t: {"checked_on": n["checked_on"]},
    RuleKind.INVENTORY_HIGH: lambda n, t: {
        "stock": _int(n["stock"]),
        "volume": _int(n["volume"]),
        "ratio": _fixed(n["ratio"], apart_from=t),
    },
    RuleKind.PRICE_ABOVE_RETAIL: lambda n, t: {
        "price": _money(n["price"]),
        "retail_price": _money(n["retail_price"]),
        "premium": _percent(n["premium"], apart_from=t),
    },
    RuleKind.FORECAST_ERROR: lambda n, t: {
        "forecast": _int(n["forecast"]),
        "requested": _int(n["requested"]),
        "error": _percent(n["error"], apart_from=t, sign=True),
    },
    RuleKind.NO_VISIT: lambda n, t: {"visits": _int(n["visits"])},
}
