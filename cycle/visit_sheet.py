"""The visit sheet (拜访单, DESIGN.md §4 step 3): the printable A4 form a customer manager
takes on the day's round — per customer the planned actions with a box to tick, the key SKUs
to check with the last inventory and retail price seen there, and room for notes.

Everything is fetched for all of the sheet's customers and days at once: a week of 150
customers costs the same dozen queries as a day of 3.

Which customers a day holds, and in which order, is the day's list of ``cycle.selectors.today``
(``today_customers``; ``today_lists`` for several days): the sheet prints what the day's page
shows, in the same route order."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import groupby
from string import Template

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.document import Document

from accounts.models import User
from brands.models import Sku
from brands.selectors import key_skus
from core.months import add_months, day_bounds, month_start
from core.pdf import FONTS, NO_FETCHING, collecting_once, image_cache
from core.workdays import calendar_days
from customers.models import Customer
from markets.selectors import last_checks_before_each, skus_ordered_by_customer
from surveys.links import CustomerLink, customer_links

from .models import Cycle, MarketingAction
from .selectors import plan_for
from .selectors.today import today_lists

# Six SKUs a customer, two to a printed line (three lines): room for the SKUs the actions name
# and the key SKUs the customer sells most, and small enough for about ten customers a page.
SKUS_PER_CUSTOMER = 6
# A SKU line is four fields (□name, inventory, price, the last ones seen) on tab stops
# FIELD_MM apart, two SKUs to the 192 mm line: the blanks line up in columns without a box
# per blank or a line per SKU (every box and every line costs WeasyPrint time). A field
# must end before the next stop, or the fields after it slip to the stop after: two SKUs
# share a line only when all their fields surely fit (see ``_ems``).
FIELD_MM = 24
SKU_FONT_PT = 7
FIELD_EMS = FIELD_MM / (SKU_FONT_PT * 25.4 / 72) - 0.3  # 9.4 em of the SKU lines' font
# a SKU name longer than this many half-width columns (a Chinese character takes two) is cut
NAME_COLUMNS = 16
# the space to write the inventory or the price in (or a SKU's name): fullwidth low lines, a
# glyph to 1 em where "_" takes half an em: the same line drawn with half the glyphs (each
# glyph is shaped, measured and written one by one: a city week had 15,000 "_" of its
# 52,000 characters)
BLANK = "＿" * 5
# "the key SKUs the customer sells" = ordered in these last full months before the sheet's
ORDER_MONTHS = 3


@dataclass
class SkuCheck:
    """One SKU of a customer's block, half a SKU line; ``sku`` None is a blank to write one in."""

    sku: Sku | None = None
    inventory: int | None = None
    inventory_at: dt.datetime | None = None
    price: Decimal | None = None
    price_at: dt.datetime | None = None

    @property
    def fields(self) -> list[str]:
        """``□name``, ``库存＿＿＿＿＿``, ``价格＿＿＿＿＿``, ``上次 7条/262.5元``."""
        name = _cut(self.sku.name, NAME_COLUMNS) if self.sku else BLANK
        last = []
        if self.inventory is not None:
            last.append(_("%(n)s条") % {"n": self.inventory})
        if self.price is not None:
            last.append(_("%(p)s元") % {"p": _money(self.price)})
        was = (_("上次") + " " + "/".join(last)) if last else ""
        return [f"□{name}", _("库存") + BLANK, _("价格") + BLANK, was]


@dataclass
class SheetCustomer:
    number: int  # the place in the day's route, from 1
    customer: Customer
    actions: list[MarketingAction]
    skus: list[SkuCheck]
    # the customer's satisfaction QR, while a survey period is open and they have not answered
    survey: CustomerLink | None = None

    @property
    def sku_lines(self) -> str:
        """The SKU lines as one text: two SKUs to a line when the fields of both surely end
        before their next tab stop (in Chinese they do, unless a count or a price is very
        long), else one."""
        skus = [sku.fields for sku in self.skus]
        lines = []
        while skus:
            n = 2 if len(skus) > 1 and _fit(skus[0]) and _fit(skus[1]) else 1
            lines.append("\t".join(text for fields in skus[:n] for text in fields))
            del skus[:n]
        return "\n".join(lines)


@dataclass
class SheetDay:
    date: dt.date
    customers: list[SheetCustomer]
    by_plan: bool = True  # False: listed by visit frequency (see ``cycle.selectors.today``)
    rule_text: str = ""  # how the day's customers were chosen, when not by the plan

    def head(self, manager: User) -> str:
        """The page header of the day's pages."""
        return _("拜访单　%(name)s（%(username)s）　%(date)s %(weekday)s　%(n)d 户") % {
            "name": manager.display_name,
            "username": manager.username,
            "date": f"{self.date:%Y-%m-%d}",
            "weekday": date_format(self.date, "l"),
            "n": len(self.customers),
        }


@dataclass
class Sheet:
    manager: User
    first: dt.date
    last: dt.date
    days: list[SheetDay] = field(default_factory=list)
    left_out: list[dt.date] = field(default_factory=list)  # week days without an arrangement

    @property
    def customer_count(self) -> int:
        return sum(len(day.customers) for day in self.days)

    @property
    def heads(self) -> list[str]:
        """One page header per day; a sheet without days gets one for the whole range."""
        if not self.days:
            return [
                _("拜访单　%(name)s（%(username)s）　%(first)s — %(last)s")
                % {
                    "name": self.manager.display_name,
                    "username": self.manager.username,
                    "first": f"{self.first:%Y-%m-%d}",
                    "last": f"{self.last:%Y-%m-%d}",
                }
            ]
        return [day.head(self.manager) for day in self.days]


# --- who may print which sheet --------------------------------------------------------------


def day_sheet(*, user: User, username: str, date: dt.date) -> Sheet:
    """The sheet of ``username`` for one day, if ``user`` may see that manager (else 404)."""
    cycle = plan_for(user=user, username=username, month=month_start(date))
    return Sheet(cycle.manager, date, date, sheet_data(cycle=cycle, dates=[date]))


def week_dates(date: dt.date) -> list[dt.date]:
    """Monday to Sunday of the week that holds ``date``."""
    monday = date - dt.timedelta(days=date.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def week_sheet(*, user: User, username: str, date: dt.date) -> Sheet:
    """The sheet for the week (Monday–Sunday) holding ``date``: the days of the approved
    weekly arrangement. A day without one would list every customer due by frequency as if
    none were visited before it (all of them, each day of the week): such days are left out
    and named, to be printed on the day. A week across two months reads each month's part
    from that month's cycle."""
    dates = week_dates(date)
    days: list[SheetDay] = []
    manager = None
    for month, part in groupby(dates, key=month_start):
        cycle = plan_for(user=user, username=username, month=month)
        manager = cycle.manager
        days += sheet_data(cycle=cycle, dates=list(part), arranged_only=True)
    printed = [day for day in days if day.by_plan and day.customers]
    # a day off with nothing arranged has no sheet to print on the day either
    calendar = calendar_days(dates[0], dates[-1])
    left_out = [day.date for day in days if not day.by_plan and calendar[day.date].is_workday]
    return Sheet(manager, dates[0], dates[-1], printed, left_out)


# --- gathering ------------------------------------------------------------------------------


def sheet_data(
    *, cycle: Cycle, dates: list[dt.date], arranged_only: bool = False
) -> list[SheetDay]:
    """For each date (all in the cycle's month) its customers in route order — the list of
    the day's page (``today_customers``) — each with the actions to do and the SKUs to
    check. ``arranged_only``: a day not listed by the weekly arrangement comes back empty,
    with ``by_plan`` False."""
    dates = sorted(set(dates))
    if any(month_start(d) != cycle.month for d in dates):
        raise ValueError("every date must be in the cycle's month")
    lists = today_lists(cycle=cycle, dates=dates)
    if arranged_only:
        for day in lists:
            if not day.by_plan:
                day.entries = []
    customer_ids = sorted({e.customer.pk for day in lists for e in day.entries})
    if not customer_ids:
        return [SheetDay(day.date, [], day.by_plan) for day in lists]
    action_sku_ids = {a.sku_id for d in lists for e in d.entries for a in e.actions if a.sku_id}
    skus, sold = _skus(cycle, customer_ids, action_sku_ids)
    # the period open on the first day (periods are whole months, so on every day)
    links = customer_links(customer_ids=customer_ids, day=dates[0])
    starts = {day.date: day_bounds(day.date)[0] for day in lists}
    open_actions = {
        day.date: {
            e.customer.pk: [a for a in e.actions if _open_at(a, starts[day.date])]
            for e in day.entries
        }
        for day in lists
    }
    chosen = {
        date: {pk: _chosen_skus(actions, sold.get(pk, []), skus) for pk, actions in day.items()}
        for date, day in open_actions.items()
    }
    last = last_checks_before_each(
        customer_ids=customer_ids,
        sku_ids=sorted({s.pk for day in chosen.values() for c in day.values() for s in c}),
        befores=list(starts.values()),
    )
    days = []
    for day in lists:
        customers = [
            SheetCustomer(
                number,
                e.customer,
                open_actions[day.date][e.customer.pk],
                _cells(chosen[day.date], e.customer, last[starts[day.date]]),
                links.get(e.customer.pk),
            )
            for number, e in enumerate(day.entries, start=1)
        ]
        rule = "" if day.by_plan else day.rule_text
        days.append(SheetDay(day.date, customers, day.by_plan, rule))
    return days


def _open_at(action: MarketingAction, start: dt.datetime) -> bool:
    """On the sheet of a day: the actions not yet done when the day began; those done since
    show as ★, so a reprinted sheet still lists what that day's round was for. Removed
    actions are not in the day's list at all."""
    return action.done_at is None or action.done_at >= start


def _skus(cycle: Cycle, customer_ids, action_sku_ids) -> tuple[dict[int, Sku], dict]:
    """The SKUs the sheet may name (key SKUs and those the actions name) by id, and per
    customer the key SKUs it ordered in the last ``ORDER_MONTHS`` full months, most cartons
    first. Three queries at most (key SKUs, other action SKUs, one aggregation)."""
    skus = {sku.pk: sku for sku in key_skus()}
    sold = defaultdict(
        list,
        skus_ordered_by_customer(
            customer_ids=customer_ids,
            sku_ids=list(skus),
            first=add_months(cycle.month, -ORDER_MONTHS),
            before=cycle.month,
        ),
    )
    others = action_sku_ids - set(skus)
    if others:
        skus |= {sku.pk: sku for sku in Sku.objects.filter(pk__in=others)}
    return skus, sold


def _chosen_skus(actions: list[MarketingAction], sold: list[int], skus: dict) -> list[Sku]:
    """The SKUs the open actions name first, then the key SKUs the customer sells."""
    ids = [a.sku_id for a in actions if a.sku_id and not a.done_at] + sold
    return [skus[pk] for pk in dict.fromkeys(ids)][:SKUS_PER_CUSTOMER]


def _cells(chosen: dict, customer: Customer, last: dict) -> list[SkuCheck]:
    cells = [SkuCheck(sku, **last.get((customer.pk, sku.pk), {})) for sku in chosen[customer.pk]]
    return cells + [SkuCheck() for _blank in range(SKUS_PER_CUSTOMER - len(cells))]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, columns: int) -> str:
    """``text`` cut to about ``columns`` half-width columns, so it stays before the tab."""
    if _width(text) <= columns:
        return text
    while _width(text) > columns - 1:
        text = text[:-1]
    return text + "…"


def _fit(fields: list[str]) -> bool:
    return all(_ems(text) < FIELD_EMS for text in fields)


@lru_cache(4096)  # the same texts (SKU names, blanks) come back on every customer
def _ems(text: str) -> float:
    """The width of ``text`` in ems of the sheet's font, Noto Sans CJK, rounded up."""
    return sum(_char_ems(ch) for ch in text)


def _char_ems(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in "WFA":
        return 1.0  # a Chinese character, □, …
    if ch == " ":
        return 0.23
    if ch.isdigit() or ch in "./,:()-_+":
        return 0.56
    return 0.95  # no other character of the font is wider


def _money(value: Decimal) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- the PDF --------------------------------------------------------------------------------


def sheet_pdf(sheet: Sheet) -> bytes:
    with collecting_once():
        return sheet_document(sheet_html(sheet)).write_pdf()


def sheet_html(sheet: Sheet) -> str:
    """The sheet as HTML: the content, and the little CSS that changes from one sheet to
    the next (page headers, footer); the rest of the style is ``_STYLE``."""
    return render_to_string(
        "cycle/visit_sheet.html", {"sheet": sheet, "printed_at": timezone.localtime()}
    )


def sheet_document(html: str) -> Document:
    """The sheet's laid-out pages: HTML parsed, styled and laid out, ready to write."""
    return HTML(string=html, url_fetcher=NO_FETCHING).render(
        font_config=FONTS, stylesheets=[_STYLE], cache=image_cache()
    )


# The sheet's style, parsed once per process rather than from a <style> in every document;
# what changes from sheet to sheet (the days' page headers, the footer, in the user's
# language) is in the template's <style>. A customer is one block: the customer, the actions
# and the times/notes side by side (2, 4 and 2 of the line's 8 SKU fields wide, so they line
# up with the SKU lines' fields), then the SKU lines; a satisfaction QR sits in the times'
# corner (placed, not floated: no float for every line to go around). The column heads are a
# fixed box, which WeasyPrint repeats on every page, in the top page margin. The bottom margin
# boxes have fixed widths: with ``auto`` ones WeasyPrint measures their text's min- and
# max-content widths on every page to share out the page's width.
_STYLE = CSS(
    string=Template("""
@page {
  size: A4; margin: 17mm 9mm 10mm;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 7pt; color: #333;
  @top-left { width: 100%; vertical-align: bottom; padding-bottom: 5.5mm; font-size: 9pt;
              color: #000; }
  @bottom-left { width: 18%; vertical-align: top; padding-top: 1mm; }
  @bottom-center { width: 64%; vertical-align: top; padding-top: 1mm; text-align: center; }
  @bottom-right { content: counter(page) " / " counter(pages); width: 18%;
                  vertical-align: top; padding-top: 1mm; text-align: right; }
}
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 7.5pt;
       line-height: 1.3; color: #000; margin: 0; }
.day { break-before: page; }
.day:first-child { break-before: auto; }
.heads { position: fixed; top: -4.8mm; left: 0; right: 0; background: #e6e6e6; font-size: 7pt; }
.c { border-top: 0.8pt solid #000; padding-bottom: 0.6mm; break-inside: avoid; }
.i, .a, .t { display: inline-block; vertical-align: top; box-sizing: border-box;
             padding: 0.5mm 1.5mm 0.5mm 0.5mm; white-space: pre-wrap; }
.i { width: 25%; }
.a { width: 50%; }
.t { width: 25%; color: #555; }
.t.q { position: relative; min-height: 16mm; padding-right: 17mm; }  /* room for the QR */
.t.q > img { position: absolute; top: 0.5mm; right: 1.5mm; width: 15mm; height: 15mm;
             image-rendering: pixelated; }
.i::first-line { font-size: 9.5pt; }  /* the number and the name */
.heads > .i::first-line { font-size: 7pt; }
.s { border-top: 0.4pt solid #aaa; padding: 0.4mm 0 0 0.5mm; white-space: pre;
     tab-size: ${field}mm; font-size: ${font}pt; }
.empty { margin-top: 4mm; font-size: 10pt; }
.note { margin: 0 0 1mm; font-size: 7pt; }
.heads > div { white-space: nowrap; }
""").substitute(field=FIELD_MM, font=SKU_FONT_PT),
    font_config=FONTS,
)
