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
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import groupby, zip_longest
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
from core.typeset import MM_PER_PT, Columns, cut, ems, wrap
from core.workdays import calendar_days
from customers.models import Customer
from markets.selectors import last_checks_before_each, skus_ordered_by_customer
from surveys.links import CustomerLink, customer_links

from .models import Cycle, MarketingAction
from .selectors import plan_for
from .selectors.today import today_lists

# Six SKUs a customer, two to a printed line (three lines): room for the SKUs the actions name
# and the key SKUs the customer sells most, and small enough for about 13 customers a page
# (three lines beside the QR code, which the block needs anyway).
SKUS_PER_CUSTOMER = 6
# The sheet is set in columns (core/typeset.py): a customer is one block of text, not a box
# per column. Its first line names the customer (set larger); then the address, the actions
# and the visit times side by side, 48, 96 and 48 mm wide, their lines wrapped here; then the
# SKU lines, each SKU four fields (□name, inventory, price, the last ones seen), two SKUs to
# the line when all their fields fit their columns. The SKU lines leave the right QR_MM free:
# a satisfaction QR (15 mm square) sits in the block's top right corner, beside the first
# lines, so the block is no taller than its text.
BODY_PT = 7.5
NAME_PT = 9.5  # the customer's line: route number, name, code, phone
HEADS_PT = 7
TEXT_MM = 191.5  # the page's 192 mm less the blocks' left padding
QR_MM = 18.5
SHEET = Columns(starts_mm=(0, 48, 144), width_mm=TEXT_MM, font_pt=BODY_PT)
HEADS = replace(SHEET, font_pt=HEADS_PT)
HEAD_EMS = (TEXT_MM - QR_MM) / (NAME_PT * MM_PER_PT)  # the customer's line, beside the QR
_SKU_STARTS = (0, 24.2, 38.7, 55.8)  # name, inventory, price, last seen; the pair's second at +86.5
SKU_LINE = replace(
    SHEET,
    starts_mm=_SKU_STARTS + tuple(start + 86.5 for start in _SKU_STARTS),
    width_mm=TEXT_MM - QR_MM,
)
# the space to write the inventory or the price in (or a SKU's name): fullwidth low lines, a
# glyph to 1 em where "_" takes half an em: the same line drawn with half the glyphs (each
# glyph is shaped, measured and written one by one: a city week had 15,000 "_" of its
# 52,000 characters)
BLANK = "＿" * 5
INVENTORY_BLANK = "＿" * 3  # a count of cartons: two digits
PRICE_BLANK = "＿" * 4  # a price a carton: 262.5
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
        """``□name``, ``库存＿＿＿``, ``价格＿＿＿＿``, ``上次 7条/262.5元``."""
        room = SKU_LINE.width_ems(0) - ems("□")
        name = cut(self.sku.name, room) if self.sku else BLANK
        last = []
        if self.inventory is not None:
            last.append(_("%(n)s条") % {"n": self.inventory})
        if self.price is not None:
            last.append(_("%(p)s元") % {"p": _money(self.price)})
        was = (_("上次") + " " + "/".join(last)) if last else ""
        return [f"□{name}", _("库存") + INVENTORY_BLANK, _("价格") + PRICE_BLANK, was]


@dataclass
class SheetCustomer:
    number: int  # the place in the day's route, from 1
    customer: Customer
    actions: list[MarketingAction]
    skus: list[SkuCheck]
    # the customer's satisfaction QR, while a survey period is open and they have not answered
    survey: CustomerLink | None = None

    @property
    def block(self) -> str:
        """The customer's line (the route number, name, code and phone: set larger by the
        style), then the address, the actions and the visit times side by side, as one text
        on the sheet's columns."""
        customer = self.customer
        who = [str(self.number), customer.name, customer.code, customer.phone]
        # a name too long for the line goes on in the text's size (only the first is larger)
        head = wrap("　".join(filter(None, who)), HEAD_EMS)
        address = SHEET.wrap(0, customer.address or "—")
        actions = SHEET.wrap(
            1, "\n".join(_action_line(a) for a in self.actions) or _("没有待办的营销动作。")
        )
        times = SHEET.wrap(
            2, _("进店") + " __:__　" + _("离店") + " __:__", less_mm=QR_MM if self.survey else 0
        )
        rows = zip_longest(address, actions, times, fillvalue="")
        return "\n".join([*head, *(SHEET.row(cells) for cells in rows)])

    @property
    def sku_rows(self) -> list[list[str]]:
        """The SKU lines' fields: two SKUs to a line when every field fits its column (in
        Chinese they do, unless a count or a price is very long), else one."""
        skus = [sku.fields for sku in self.skus]
        rows = []
        while skus:
            pair = skus[0] + skus[1] if len(skus) > 1 else []
            fits = pair and all(SKU_LINE.fits(i, text) for i, text in enumerate(pair))
            rows.append(pair if fits else skus[0])
            del skus[: 2 if fits else 1]
        return rows

    @property
    def sku_lines(self) -> str:
        """The SKU lines as one text, each field in its column."""
        return "\n".join(SKU_LINE.row(fields) for fields in self.sku_rows)


def _action_line(action: MarketingAction) -> str:
    """``□☆ text``, or ``★ text （11-03 完成）`` for one done since the day began."""
    if action.done_at:
        done = timezone.localtime(action.done_at)
        return f"{action.mark} {action.text} （{done:%m-%d} {_('完成')}）"
    return f"□{action.mark} {action.text}"


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
    def has_qr(self) -> bool:
        """Some customer's satisfaction QR is printed (the legend then says what it is for)."""
        return any(c.survey for day in self.days for c in day.customers)

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

    @property
    def column_heads(self) -> str:
        """The column heads printed at the top of every page, on the sheet's columns."""
        heads = [
            _("路线序号　客户"),
            _("营销动作（完成在 □ 打勾）"),
            _("进离店时间 / 临时任务 / 备注"),
        ]
        return HEADS.row(heads)


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
# what changes from sheet to sheet (the days' page headers, the footer and legend, in the
# user's language) is in the template's <style>. A customer is one block (``.g``): its text
# (``SheetCustomer.block``, then ``.sku_lines``) is set on the sheet's columns in Python, so
# the block only holds lines; its first line is made larger by ``::first-line``; a
# satisfaction QR is placed in its top right corner, where the lines are kept short of it.
# The column heads are a fixed box, which WeasyPrint repeats on every page, in the top page
# margin. The bottom margin boxes have fixed widths: with ``auto`` ones WeasyPrint measures
# their text's min- and max-content widths on every page to share out the page's width.
_STYLE = CSS(
    string=Template("""
@page {
  size: A4; margin: 17mm 9mm 10mm;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 7pt; color: #333;
  @top-left { width: 100%; vertical-align: bottom; padding-bottom: 5.5mm; font-size: 9pt;
              color: #000; }
  @bottom-left { width: 76%; vertical-align: top; padding-top: 1mm; }
  @bottom-right { width: 24%; vertical-align: top; padding-top: 1mm; text-align: right; }
}
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: ${body}pt;
       line-height: 1.3; color: #000; margin: 0; }
.day { break-before: page; }
.day:first-child { break-before: auto; }
.heads { position: fixed; top: -4.8mm; left: 0; right: 0; background: #e6e6e6;
         font-size: ${heads}pt; white-space: pre; padding-left: 0.5mm; }
.g { border-top: 0.8pt solid #000; white-space: pre; padding: 0.5mm 0 0.5mm 0.5mm;
     break-inside: avoid; }
.g.q { position: relative; }
.g.q > img { position: absolute; top: 0.5mm; right: 1.5mm; width: 15mm; height: 15mm;
             image-rendering: pixelated; }
.g::first-line { font-size: ${name}pt; }
.empty { margin-top: 4mm; font-size: 10pt; }
.note { margin: 0 0 1mm; font-size: 7pt; }
""").substitute(body=BODY_PT, heads=HEADS_PT, name=NAME_PT),
    font_config=FONTS,
)
