"""The annual brand evaluation (年度品牌评价, issue #16): for a calendar year, each key brand
(a brand with a key SKU, as on the brand analysis page) and each key SKU with the twelve
months of its stored company-wide indicators side by side, its annual values, the change
against the year before and its rank; and, per key brand, which trade areas (商圈) and
business formats (业态) carry it. Reads only: the stored monthly indicators
(``ScopeIndicator``, company scope) and, for the segments, the year's order lines aggregated
in SQL (``markets.selectors.brand_segment_reach``).

Annual values, from the months of the year that have been computed (a successful run):
- volume, amount, requested: the months' sums; average price = amount / volume;
  supply satisfaction = volume / requested, and its supply state by the monthly thresholds;
- share = the brand's volume / the volume of all SKUs (Σ of the months' company totals);
- coverage = Σ ordering customers / Σ customers over the months (the monthly rates weighted
  by each month's customers); shelf and repurchase = the mean of the months' rates (the
  stored rows keep no numerator or denominator for them), empty months left out;
- sales growth (销量成长率) = the year's volume against the year before's, share growth
  (市场份额成长率) likewise for the share — both over the months computed in both years
  (like for like: a year of which only some months were computed is compared on those).
The change against the year before (较上年) is over the same common months: relative for
volume, amount and average price, in percentage points for the rates.

Rank: by the year's volume among the key brands (the key SKUs among themselves), largest
first; equal volumes share a rank; nothing sold, no rank.

Segments: a brand's reach in a segment = customers of the segment who ordered the brand in
the year / active customers of the segment (now). Against the brand's reach over all
customers: ≥ 1.25 × strong (强), ≤ 0.5 × weak (弱), no customer at all absent (空白) — where
to look for next year's target customers. Strong and weak only for segments of at least
``MARK_FROM_CUSTOMERS`` customers.

Cost: the indicator part reads (key brands + key SKUs) × 24 stored rows; the segment part
scans the year's order lines of the key brands once (``brand_segment_reach``), the heavy
part at city scale (measured on the city data, 2.4M lines a month, 23 key brands, on the
2-CPU machine under a load of ~9: one month 3.4 s, three months 6.8 s, so a year some
25 s; the small demo's 11 months, 246,000 lines, 0.6 s on SQLite), and is kept in the
cache keyed by the year's latest successful runs (recomputing a month, e.g. after an order
import, gives a new key). The monthly job warms that cache in a worker once a month is
written (``annual_segments_warm``), so that nobody waits for it on the page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Sum
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import User
from brands.selectors import key_skus
from customers.models import BusinessFormat
from customers.selectors import active_customers, segment_counts
from markets.selectors import brand_segment_reach

from .brand_rates import supply_state
from .models import (
    CustomerIndicator,
    IndicatorRun,
    ObjectType,
    RunStatus,
    ScopeIndicator,
    ScopeType,
    SupplyState,
)

STRONG_FROM = 1.25
WEAK_UNTIL = 0.5
# a segment with fewer active customers is not called strong or weak (a few customers more
# or less swing its rate)
MARK_FROM_CUSTOMERS = 10
CACHE_SECONDS = 24 * 3600

# the rows of a brand's or SKU's twelve-month table: (key, label, kind); kind tells how a
# value prints: rate (percent), count (cartons), money (yuan), wan (yuan shown in 万元, so
# that twelve months fit a line), state (supply state)
METRICS = [
    ("coverage_rate", _("覆盖率"), "rate"),
    ("shelf_rate", _("上柜率"), "rate"),
    ("repurchase_rate", _("再购率"), "rate"),
    ("volume_growth", _("销量成长率"), "rate"),
    ("share_growth", _("份额成长率"), "rate"),
    ("volume", _("销量（条）"), "count"),
    ("amount", _("金额（万元）"), "wan"),
    ("avg_price", _("条均价（元）"), "money"),
    ("share", _("市场份额"), "rate"),
    ("supply_satisfaction", _("供应满足率"), "rate"),
    ("supply_state", _("供求状态"), "state"),
]
# how each metric's change against the year before is given: relative (rel), in percentage
# points (pp), or not at all (the growth rates are year-on-year changes themselves)
CHANGE = {
    "coverage_rate": "pp",
    "shelf_rate": "pp",
    "repurchase_rate": "pp",
    "volume": "rel",
    "amount": "rel",
    "avg_price": "rel",
    "share": "pp",
    "supply_satisfaction": "pp",
}
STATE_LABELS = dict(SupplyState.choices)
MARK_LABELS = {"strong": _("强"), "weak": _("弱"), "absent": _("空白")}


def year_choice(text: str | None) -> tuple[int | None, bool]:
    """The year asked for (None: the default) and whether the text was usable."""
    text = (text or "").strip()
    if not text:
        return None, True
    if text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2099:
        return int(text), True
    return None, False


def computed_years() -> list[int]:
    """Years with at least one successfully computed month, newest first."""
    months = IndicatorRun.objects.filter(status=RunStatus.SUCCEEDED).dates(
        "month", "year", order="DESC"
    )
    return [m.year for m in months]


@dataclass
class Figures:
    """One object's values over a set of months."""

    months: int = 0
    volume: int = 0
    amount: Decimal = Decimal(0)
    requested: int = 0
    total: int = 0  # all SKUs' volume in those months (the share's denominator)
    customers: int = 0
    ordering: int = 0
    shelf: list[float] = field(default_factory=list)
    repurchase: list[float] = field(default_factory=list)

    def add(self, row: dict, total: int) -> None:
        self.months += 1
        self.volume += row["volume"] or 0
        self.amount += row["amount"] or 0
        self.requested += row["requested"] or 0
        self.total += total
        self.customers += row["customers"] or 0
        self.ordering += row["ordering_customers"] or 0
        if row["shelf_rate"] is not None:
            self.shelf.append(row["shelf_rate"])
        if row["repurchase_rate"] is not None:
            self.repurchase.append(row["repurchase_rate"])

    @property
    def values(self) -> dict:
        satisfaction = self.volume / self.requested if self.requested else None
        return {
            "coverage_rate": self.ordering / self.customers if self.customers else None,
            "shelf_rate": sum(self.shelf) / len(self.shelf) if self.shelf else None,
            "repurchase_rate": (
                sum(self.repurchase) / len(self.repurchase) if self.repurchase else None
            ),
            "volume": self.volume,
            "amount": self.amount,
            "avg_price": (
                (self.amount / self.volume).quantize(Decimal("0.01")) if self.volume else None
            ),
            "share": self.volume / self.total if self.total else None,
            "supply_satisfaction": satisfaction,
            "supply_state": supply_state([self.volume], [self.requested])[0],
        }


@dataclass
class MetricRow:
    key: str
    label: str
    kind: str
    cells: list  # the twelve months (None: no data)
    annual: object
    change: float | None
    change_kind: str  # "rel", "pp" or "" (no change given)


@dataclass
class Line:
    """One key brand or key SKU over the year."""

    key: str
    name: str
    brand: str
    cells: list[dict | None]  # the year's twelve stored rows (None: none)
    year: dict  # annual values over the year's computed months
    rank: int | None = None
    volume_growth: float | None = None
    share_growth: float | None = None
    changes: dict = field(default_factory=dict)
    reach: float | None = None  # brands: customers who ordered in the year / customers
    table: list[MetricRow] = field(default_factory=list)

    @property
    def volume(self) -> int:
        return self.year["volume"]

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.year["supply_state"], "")


@dataclass
class Reach:
    """One brand in one segment."""

    ordering: int
    volume: int
    rate: float | None
    mark: str  # strong, weak, absent or ""

    @property
    def label(self) -> str:
        return MARK_LABELS.get(self.mark, "")


@dataclass
class Segment:
    name: str
    customers: int
    cells: list[Reach]  # one per brand, in the order of ``AnnualEvaluation.brands``


@dataclass
class AnnualEvaluation:
    year: int | None
    years: list[int]
    months: list[dt.date] = field(default_factory=list)
    computed: list[dt.date] = field(default_factory=list)  # the year's computed months
    common: int = 0  # months computed in both this year and the year before
    brands: list[Line] = field(default_factory=list)
    skus: list[Line] = field(default_factory=list)
    trade_areas: list[Segment] = field(default_factory=list)
    formats: list[Segment] = field(default_factory=list)
    customers: int = 0

    @property
    def has_data(self) -> bool:
        return bool(self.computed)

    @property
    def complete(self) -> bool:
        return len(self.computed) == 12

    @property
    def pdf_rankings(self) -> list[tuple]:
        """(lines, are brands, ranking title, months title) of the printed document's two
        parts."""
        return [
            (self.brands, True, _("重点品牌年度排名"), _("重点品牌逐月五率与量价")),
            (self.skus, False, _("重点单品年度排名"), _("重点单品逐月五率与量价")),
        ]

    @property
    def pdf_segments(self) -> list[tuple]:
        """(segments, segment label, title) of the printed document's segment tables."""
        return [
            (self.trade_areas, _("商圈"), _("各商圈的品牌覆盖")),
            (self.formats, _("业态"), _("各业态的品牌覆盖")),
        ]


def annual_evaluation(*, user: User, year: int | None) -> AnnualEvaluation:
    """The evaluation of ``year`` (None: the latest year with a computed month) company-wide,
    for who may see company-wide brand data."""
    if not policy.can_see_annual_brand_evaluation(user):
        raise PermissionDenied
    years = computed_years()
    if year is None:
        year = years[0] if years else None
    evaluation = AnnualEvaluation(year=year, years=years)
    if year is None:
        return evaluation
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    before = [dt.date(year - 1, m, 1) for m in range(1, 13)]
    done = set(
        IndicatorRun.objects.filter(
            status=RunStatus.SUCCEEDED, month__gte=before[0], month__lte=months[-1]
        ).values_list("month", flat=True)
    )
    evaluation.months = months
    evaluation.computed = [m for m in months if m in done]
    if not evaluation.computed:
        return evaluation
    common = [m for m, b in zip(months, before, strict=True) if m in done and b in done]
    evaluation.common = len(common)
    totals = _month_totals(before[0], months[-1], done)

    skus = list(key_skus())
    brand_names = sorted({s.brand.name for s in skus})
    stored = _stored_rows(
        brand_names=brand_names,
        sku_codes=[s.code for s in skus],
        first=before[0],
        last=months[-1],
        done=done,
    )
    evaluation.brands = _lines(ObjectType.BRAND, brand_names, {}, stored, months, common, totals)
    evaluation.skus = _lines(
        ObjectType.SKU,
        [s.code for s in skus],
        {s.code: (s.name, s.brand.name) for s in skus},
        stored,
        months,
        common,
        totals,
    )
    brand_ids = {s.brand.name: s.brand_id for s in skus}
    _segments(evaluation, brand_ids, done)
    return evaluation


def _month_totals(first: dt.date, last: dt.date, done: set) -> dict[dt.date, int]:
    """The volume of all SKUs per month, company-wide: the sum of the stored customer
    indicators (active customers), which is what each month's shares were computed over."""
    rows = (
        CustomerIndicator.objects.filter(month__gte=first, month__lte=last, month__in=done)
        .values("month")
        .annotate(volume=Sum("volume"))
        .order_by()
    )
    return {row["month"]: row["volume"] or 0 for row in rows}


FIELDS = (
    "object_type",
    "object_key",
    "object_name",
    "month",
    "customers",
    "ordering_customers",
    "coverage_rate",
    "shelf_rate",
    "repurchase_rate",
    "volume",
    "amount",
    "avg_price",
    "requested",
    "supply_satisfaction",
    "supply_state",
    "share",
    "share_growth",
    "volume_growth_mom",
)


def _stored_rows(*, brand_names, sku_codes, first, last, done) -> dict[tuple, dict]:
    """(object type, key, month) → the stored company row, for the key brands and SKUs over
    the two years (two queries on the indicators' one index)."""
    rows: dict[tuple, dict] = {}
    for object_type, keys in ((ObjectType.BRAND, brand_names), (ObjectType.SKU, sku_codes)):
        found = ScopeIndicator.objects.filter(
            scope_type=ScopeType.COMPANY,
            scope_key="",
            object_type=object_type,
            month__gte=first,
            month__lte=last,
            month__in=done,
            object_key__in=keys,
        ).values(*FIELDS)
        for row in found:
            rows[(object_type, row["object_key"], row["month"])] = row
    return rows


def _lines(object_type, keys, names, stored, months, common, totals) -> list[Line]:
    lines = []
    for key in keys:
        cells = [stored.get((object_type, key, m)) for m in months]
        if not any(cells):
            continue
        year = Figures()
        for month, row in zip(months, cells, strict=True):
            if row is not None:
                year.add(row, totals.get(month, 0))
        now, then = Figures(), Figures()
        for month in common:
            earlier = dt.date(month.year - 1, month.month, 1)
            row, previous = (
                stored.get((object_type, key, month)),
                stored.get((object_type, key, earlier)),
            )
            if row is not None:
                now.add(row, totals.get(month, 0))
            if previous is not None:
                then.add(previous, totals.get(earlier, 0))
        name, brand = names.get(key, (None, ""))
        first = next(c for c in cells if c)
        line = Line(
            key=key,
            name=name or first["object_name"] or key,
            brand=brand,
            cells=cells,
            year=year.values,
        )
        if common:
            a, b = now.values, then.values
            line.volume_growth = _relative(a["volume"], b["volume"])
            line.share_growth = _relative(a["share"], b["share"])
            for metric, kind in CHANGE.items():
                line.changes[metric] = (
                    _relative(a[metric], b[metric])
                    if kind == "rel"
                    else _minus(a[metric], b[metric])
                )
        line.table = _table(line)
        lines.append(line)
    _rank(lines)
    return sorted(lines, key=lambda line: (line.rank is None, line.rank or 0, line.key))


def _relative(now, then) -> float | None:
    if now is None or not then:
        return None
    return float((now - then) / then)


def _minus(now, then) -> float | None:
    if now is None or then is None:
        return None
    return float(now - then)


def _rank(lines: list[Line]) -> None:
    """1 for the largest volume; equal volumes share a rank (1, 2, 2, 4); no volume, none."""
    volumes = sorted((line.volume for line in lines if line.volume > 0), reverse=True)
    for line in lines:
        line.rank = volumes.index(line.volume) + 1 if line.volume > 0 else None


def _table(line: Line) -> list[MetricRow]:
    """The twelve-month table: a row per metric, the months, the year and the change."""
    table = []
    for key, label, kind in METRICS:
        if key == "volume_growth":
            cells = [c["volume_growth_mom"] if c else None for c in line.cells]
            annual = line.volume_growth
        elif key == "share_growth":
            cells = [c["share_growth"] if c else None for c in line.cells]
            annual = line.share_growth
        else:
            cells = [c[key] if c else None for c in line.cells]
            annual = line.year[key]
        if kind == "state":
            cells = [STATE_LABELS.get(c, "") if c else None for c in cells]
            annual = STATE_LABELS.get(annual, "")
        table.append(
            MetricRow(
                key=key,
                label=str(label),
                kind=kind,
                cells=cells,
                annual=annual,
                change=line.changes.get(key),
                change_kind=CHANGE.get(key, ""),
            )
        )
    return table


def annual_segments_warm(*, year: int) -> bool:
    """Compute the year's segment table into the cache, as a page would (the monthly job's
    hook, in a worker: the first opening of the page at city scale then finds it instead of
    reading a year of order lines). False when there is nothing to compute."""
    ids = sorted({s.brand_id for s in key_skus()})
    if not ids or year not in computed_years():
        return False
    _segment_data(year, ids)
    return True


def _segment_data(year: int, ids: list[int]) -> tuple[list[tuple], list[tuple]]:
    """The key brands' reach per segment over ``year`` and the segments' customers, from
    the cache when the year's months and the brands are those it was computed for."""
    ids = sorted(set(ids))
    runs = (
        IndicatorRun.objects.filter(
            status=RunStatus.SUCCEEDED,
            month__gte=dt.date(year, 1, 1),
            month__lte=dt.date(year, 12, 1),
        )
        .values("month")
        .annotate(last=Max("pk"))
        .order_by("month")
        .values_list("last", flat=True)
    )
    key = f"annual-segments:{year}:{'.'.join(map(str, runs))}:{'.'.join(map(str, ids))}"

    def compute():
        customers = active_customers()
        reach = brand_segment_reach(
            customers=customers,
            brand_ids=ids,
            first=dt.date(year, 1, 1),
            last=dt.date(year, 12, 1),
        )
        return reach, segment_counts(customers=customers)

    return cache.get_or_set(key, compute, CACHE_SECONDS)


def _segments(evaluation: AnnualEvaluation, brand_ids: dict[str, int], done: set) -> None:
    """Each segment with each key brand's reach in it (the year's order lines, cached)."""
    if not evaluation.brands:
        return
    ids = [brand_ids[line.key] for line in evaluation.brands if line.key in brand_ids]
    reach, counts = _segment_data(evaluation.year, ids)
    found = {(dimension, brand, segment): (n, v) for dimension, brand, segment, n, v in reach}
    by_dimension: dict[str, list[tuple[str, int]]] = {"trade_area": [], "business_format": []}
    for dimension, segment, n in counts:
        by_dimension[dimension].append((segment, n))
    customers = sum(n for _segment, n in by_dimension["trade_area"])
    evaluation.customers = customers
    brand_reach = {}
    for line in evaluation.brands:
        bid = brand_ids.get(line.key)
        ordering = sum(n for (d, b, _s), (n, _v) in found.items() if d == "trade_area" and b == bid)
        line.reach = ordering / customers if customers else None
        brand_reach[line.key] = line.reach
    formats = dict(BusinessFormat.choices)
    for dimension, target in (
        ("trade_area", evaluation.trade_areas),
        ("business_format", evaluation.formats),
    ):
        for segment, n in sorted(by_dimension[dimension], key=lambda s: (-s[1], s[0])):
            cells = []
            for line in evaluation.brands:
                ordering, volume = found.get((dimension, brand_ids.get(line.key), segment), (0, 0))
                rate = ordering / n if n else None
                mark = _mark(rate, brand_reach[line.key], n)
                cells.append(Reach(ordering, volume, rate, mark))
            if dimension == "business_format":
                name = str(formats.get(segment, segment)) if segment else ""
            else:
                name = segment
            target.append(Segment(name=name or str(_("未填写")), customers=n, cells=cells))


def _mark(rate: float | None, overall: float | None, customers: int) -> str:
    if rate is None:
        return ""
    if rate == 0:
        return "absent"
    if overall and customers >= MARK_FROM_CUSTOMERS:
        if rate >= STRONG_FROM * overall:
            return "strong"
        if rate <= WEAK_UNTIL * overall:
            return "weak"
    return ""
