"""The server-side SVG charts (core/charts.py, templates/charts/): their geometry for known
numbers, and the charts as the pages draw them — the forecast guidance page (accuracy and
bias side by side) and the six-month trend on every role's home page — parsed out of the
HTML: the right number of bars and points with the right values, gaps for months not
computed, a sentence instead of an empty frame, and the numbers in the accessible name."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.charts import (
    Series,
    column_chart,
    count_text,
    hbar_chart,
    line_chart,
    nice_ceiling,
    percent_text,
)
from core.months import add_months, previous_month
from reports.models import CustomerIndicator, IndicatorRun, ManagerIndicator, RunStatus
from tests.factories import CustomerFactory, CustomerManagerFactory

SVG = "{http://www.w3.org/2000/svg}"


# --- reading charts out of a page -----------------------------------------------------------


@dataclass
class Chart:
    """One ``<svg>`` chart of a page, as a reader or a test sees it."""

    element: ET.Element

    @property
    def kind(self) -> str:
        return next(c for c in self.element.get("class", "").split() if c != "chart")

    @property
    def label(self) -> str:
        return self.element.get("aria-label", "")

    @property
    def title(self) -> str:
        return self.element.findtext(f"{SVG}title", "")

    def texts(self, css: str) -> list[str]:
        """The drawn text of the ``<text>`` elements of class ``css`` (their tooltips left
        out)."""
        return [
            ((t.text or "") + "".join(child.tail or "" for child in t)).strip()
            for t in self.element.iter(f"{SVG}text")
            if css in t.get("class", "").split()
        ]

    @property
    def bars(self) -> list[ET.Element]:
        return [r for r in self.element.iter(f"{SVG}rect") if "chart-bar" in r.get("class", "")]

    @property
    def points(self) -> list[ET.Element]:
        return list(self.element.iter(f"{SVG}circle"))

    @property
    def values(self) -> list[str]:
        return self.texts("chart-value")

    @property
    def gaps(self) -> list[str]:
        return self.texts("chart-gap")

    @property
    def labels(self) -> list[str]:
        return self.texts("chart-label")

    @property
    def lines(self) -> list[ET.Element]:
        return list(self.element.iter(f"{SVG}polyline"))


def charts_in(page: str, *, within: str | None = None) -> list[Chart]:
    """The SVG charts of ``page`` (or of its element ``id="within"`` onwards), each parsed as
    XML (a chart that is not well-formed fails here)."""
    if within is not None:
        page = page[page.index(f'id="{within}"') :]
    return [
        Chart(ET.fromstring(svg))
        for svg in re.findall(r'<svg class="chart .*?</svg>', page, flags=re.S)
    ]


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- geometry -----------------------------------------------------------------------------


def test_numbers_as_the_charts_write_them():
    assert percent_text(0.6) == "60.0%" and percent_text(-0.125) == "-12.5%"
    assert percent_text(None) == "—"
    assert nice_ceiling(0.83) == 1.0 and nice_ceiling(0.12) == 0.2 and nice_ceiling(1440) == 2000
    assert nice_ceiling(0) == 0.0
    with translation.override("zh-hans"):
        assert [count_text(v) for v in (960, 12345, 1234567, None)] == [
            "960",
            "1.2万",
            "123万",
            "—",
        ]
    with translation.override("en"):
        assert [count_text(v) for v in (960, 12345, 1234567)] == ["960", "12.3k", "1.2M"]


MONTHS = [dt.date(2026, m, 1) for m in (1, 2, 3, 4)]


def test_columns_scale_to_the_highest_and_leave_gaps():
    chart = column_chart(list(zip(MONTHS, [50, None, 100, 0], strict=True)), title="订货量")
    a, gap, b, zero = chart.columns
    assert b.height == pytest.approx(2 * a.height) and b.y < a.y  # 100 is twice 50
    assert a.y + a.height == b.y + b.height == chart.baseline  # all stand on the baseline
    assert gap.value is None and gap.text == "—" and gap.height == 0
    assert zero.value == 0 and zero.text == "0"  # a real zero is a zero, not a gap
    assert [c.label for c in chart.columns] == ["01", "02", "03", "04"]
    assert [c.sublabel for c in chart.columns] == ["2026", "", "", ""]  # the year once
    assert chart.summary == "订货量：2026-01 50，2026-02 —，2026-03 100，2026-04 0"
    assert not chart.empty
    assert column_chart([(MONTHS[0], None), (MONTHS[1], 0)], title="x").empty


def test_a_january_shows_its_year():
    months = [dt.date(2025, 12, 1), dt.date(2026, 1, 1)]
    chart = column_chart([(m, 1) for m in months], title="x")
    assert [c.sublabel for c in chart.columns] == ["2025", "2026"]


def test_line_breaks_at_a_gap():
    chart = line_chart(list(zip(MONTHS, [0.5, 0.75, None, 1.0], strict=True)), title="完成率")
    assert len(chart.segments) == 2  # 01–02, then 04 alone
    assert chart.segments[0].count(",") == 2 and chart.segments[1].count(",") == 1
    first, second, gap, last = chart.points
    assert gap.y is None and gap.text == "—"
    assert first.y > second.y > last.y  # higher rates are higher up
    assert chart.grid[0][1] == "100%" and chart.grid[-1][1] == "0%"
    assert line_chart([(MONTHS[0], None)], title="x").empty


def test_hbars_keep_the_order_and_mark_the_average():
    chart = hbar_chart(
        ["甲一", "乙二", "丙三"],
        [Series("完成率", [0.9, 0.3, None], average=0.6)],
    )
    first, second, third = (row.bars[0] for row in chart.rows)
    assert [row.label for row in chart.rows] == ["甲一", "乙二", "丙三"]
    assert first.width == pytest.approx(3 * second.width, rel=0.02)
    assert third.value is None and third.text == "—" and third.width == 0
    panel = chart.panels[0]
    assert panel.zero < panel.average_x < first.x + first.width
    assert panel.average_text == "平均 60.0%"
    assert first.inside and first.anchor == "end"  # a long bar carries its value
    assert chart.summary == "完成率：甲一 90.0%，乙二 30.0%，丙三 —，平均 60.0%"


def test_hbars_below_zero_grow_to_the_left_of_the_zero_line():
    chart = hbar_chart(["甲", "乙"], [Series("环比", [0.15, -0.1])])
    up, down = (row.bars[0] for row in chart.rows)
    zero = chart.panels[0].zero
    assert up.x == zero and down.x + down.width == pytest.approx(zero)
    assert down.tone == "negative" and up.tone == "bar"
    assert [t[1] for t in chart.panels[0].ticks] == ["-10%", "0", "20%"]


def test_a_symmetric_scale_puts_zero_in_the_middle():
    chart = hbar_chart(
        ["甲", "乙"],
        [Series("偏差", [0.25, -0.5], symmetric=True, weak=lambda v: abs(v) > 0.2)],
        width=160,
    )
    panel = chart.panels[0]
    assert panel.zero == pytest.approx((panel.left + panel.right) / 2, abs=1)
    assert [t[1] for t in panel.ticks] == ["-50%", "0", "50%"]
    short, long = (row.bars[0] for row in chart.rows)
    assert long.tone == short.tone == "weak"
    assert long.inside
    # too short to carry its value and no room past its end: the value is written on the
    # other side of the zero line, which is empty in that row
    assert not short.inside and short.text_x < panel.zero and short.anchor == "end"


def test_long_names_are_shortened_with_the_full_name_kept():
    chart = hbar_chart(["一二三四五六七八"], [Series("x", [0.5])])
    assert chart.rows[0].label == "一二三四五…" and chart.rows[0].full == "一二三四五六七八"
    svg = render_to_string("charts/hbars.html", {"chart": chart})
    assert "<title>一二三四五六七八</title>" in svg


def test_an_empty_chart_says_so_instead_of_drawing():
    chart = hbar_chart(["甲"], [Series("x", [None])])
    out = render_to_string("charts/hbars.html", {"chart": chart, "empty_text": "暂无数据"})
    assert "<svg" not in out and "暂无数据" in out


# --- the forecast guidance page -------------------------------------------------------------

OCT = dt.date(2026, 10, 1)


def manager_month(manager, month=OCT, **values):
    return ManagerIndicator.objects.create(
        month=month, manager=manager, team=manager.team, **values
    )


@pytest.mark.django_db
class TestGuidanceChart:
    @pytest.fixture
    def team(self, two_teams):
        a1, a2 = two_teams["cm"]["a1"], two_teams["cm"]["a2"]
        a1.name, a2.name = "甲一", "乙二"
        a1.save()
        a2.save()
        manager_month(a1, forecast_accuracy=0.55, forecast_bias=0.31, forecast_coverage=0.9)
        manager_month(a2, forecast_accuracy=0.9, forecast_bias=-0.05, forecast_coverage=0.95)
        manager_month(two_teams["cm"]["b1"], forecast_accuracy=0.99, forecast_bias=0.0)
        return two_teams

    def test_accuracy_and_bias_side_by_side_per_manager(self, client, team):
        client.force_login(team["mm_a"])
        page = html(client.get("/plans/guidance/?month=2026-10&sort=accuracy"))
        (chart,) = charts_in(page, within="compare")
        assert chart.kind == "chart-hbars"
        assert chart.labels == ["甲一", "乙二"]  # the page's order, weakest first; not b1
        assert len(chart.bars) == 4  # accuracy and bias for each
        assert chart.values == ["55.0%", "31.0%", "90.0%", "-5.0%"]
        weak = [b for b in chart.bars if "chart-weak" in b.get("class")]
        assert len(weak) == 2  # a1: accuracy below 70 % and bias beyond ±20 %
        assert "预测准确率：甲一 55.0%，乙二 90.0%，平均 72.5%" in chart.label
        assert "预测偏差：甲一 31.0%，乙二 -5.0%，平均 13.0%" in chart.label
        assert "预测偏低" in page and "预测偏高" in page

    def test_a_month_without_indicators_says_so(self, client, team):
        client.force_login(team["mm_a"])
        page = html(client.get("/plans/guidance/?month=2026-09"))
        assert charts_in(page) == [] and "2026-09 没有团队的预测指标。" in page

    def test_queries_do_not_grow_with_the_team(self, client, team, django_assert_max_num_queries):
        for n in range(6):
            member = CustomerManagerFactory(username=f"x{n}", team=team["team_a"])
            manager_month(member, forecast_accuracy=0.5 + n / 20, forecast_bias=n / 50 - 0.05)
        client.force_login(team["mm_a"])
        with django_assert_max_num_queries(12):
            page = html(client.get("/plans/guidance/?month=2026-10"))
        assert len(charts_in(page)[0].labels) == 8


# --- the home pages' six-month trend ----------------------------------------------------------


@pytest.fixture
def six_months(two_teams):
    """The last six months, the fourth not computed: a1's customer ordered 100, 200, 300,
    (none), 500, 600 cartons and a1 completed 50 %, 60 %, 70 %, —, 90 %, 100 % of the plan's
    actions; a2 completed 30 % every computed month, without orders."""
    last = previous_month()
    months = [add_months(last, n) for n in range(-5, 1)]
    a1, a2 = two_teams["cm"]["a1"], two_teams["cm"]["a2"]
    customer = two_teams["customers"]["a1"]
    for index, month in enumerate(months):
        if index == 3:
            continue
        IndicatorRun.objects.create(
            month=month, status=RunStatus.SUCCEEDED, started_at=timezone.now()
        )
        CustomerIndicator.objects.create(
            month=month,
            customer=customer,
            manager=a1,
            team=a1.team,
            volume=100 * (index + 1),
            amount=Decimal("1000"),
            order_days=2,
        )
        manager_month(a1, month=month, completion_rate=0.5 + index / 10)
        manager_month(a2, month=month, completion_rate=0.3)
    return two_teams | {"months": months}


@pytest.mark.django_db
class TestHomeTrend:
    def test_customer_manager_sees_own_volume_and_completion(self, client, six_months):
        client.force_login(six_months["cm"]["a1"])
        page = html(client.get("/"))
        volume, rate = charts_in(page, within="trend-charts")
        assert volume.kind == "chart-columns" and len(volume.bars) == 5
        assert volume.values == ["100", "200", "300", "500", "600"]
        assert volume.gaps == ["—"]  # the month not computed: a gap, not a zero
        assert rate.kind == "chart-line" and len(rate.points) == 5
        assert rate.values == ["50.0%", "60.0%", "70.0%", "90.0%", "100.0%"]
        assert len(rate.lines) == 2  # the line breaks at the gap
        assert "我的动作完成率" in page
        month = six_months["months"][3]
        assert f"{month:%Y-%m} —" in volume.label and f"{month:%Y-%m} —" in rate.label

    def test_market_manager_sees_the_team_mean(self, client, six_months):
        client.force_login(six_months["mm_a"])
        page = html(client.get("/"))
        volume, rate = charts_in(page, within="trend-charts")
        assert volume.values == ["100", "200", "300", "500", "600"]  # the team's customers
        # the mean of a1 and a2, each weighing the same
        assert rate.values == ["40.0%", "45.0%", "50.0%", "60.0%", "65.0%"]
        assert "团队平均动作完成率" in page

    def test_market_manager_of_another_team_sees_none_of_it(self, client, six_months):
        client.force_login(six_months["mm_b"])
        page = html(client.get("/"))
        assert charts_in(page, within="trend-charts") == []
        assert "近六个月的订货指标还没有计算，或没有订货。" in page
        assert "近六个月还没有动作完成率。" in page

    @pytest.mark.parametrize("who", ["brand", "admin"])
    def test_brand_manager_and_admin_see_the_city_volume_only(self, client, six_months, who):
        client.force_login(six_months[who])
        page = html(client.get("/"))
        (volume,) = charts_in(page, within="trend-charts")
        assert volume.values == ["100", "200", "300", "500", "600"]

    def test_nothing_computed_says_so(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get("/"))
        assert charts_in(page, within="trend-charts") == []
        assert "近六个月的订货指标还没有计算，或没有订货。" in page

    def test_home_stays_a_fixed_number_of_queries(
        self, client, six_months, django_assert_max_num_queries
    ):
        for _ in range(5):
            CustomerFactory(manager=six_months["cm"]["a1"])
        client.force_login(six_months["mm_a"])
        with django_assert_max_num_queries(16):
            html(client.get("/"))
