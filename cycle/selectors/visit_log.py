"""Reading one visit log (拜访记录): the customer manager's own customer on one day, the
month's actions for it, the key SKUs with what was checked that day and the last values
before it, and the page's field names.

Every field of the page has one name, used by the htmx field endpoint, by the whole-page
form and by the browser's local copy of unsent text: ``method``, ``feeling``, ``info``
(market information), ``task`` (a new temporary task), ``shelf_<sku id>``,
``inventory_<sku id>``, ``price_<sku id>``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from brands.selectors import key_skus
from core.months import day_bounds
from customers.models import Customer, CustomerStatus, VisitMethod
from customers.selectors import customers_visible_to
from markets.selectors import checks_between, last_checks_before

from ..models import ClientWrite, Cycle, MarketingAction, SyncOutcome, Visit
from .cycles import cycle_rows

CHECK_KINDS = ("shelf", "inventory", "price")
TEXT_FIELDS = ("method", "feeling", "info")


def log_customer(*, user: User, customer_id: int) -> Customer:
    """The customer, if it is an active customer of ``user`` (the one who records); else
    Http404, whether or not it exists."""
    found = (
        customers_visible_to(user=user)
        .filter(pk=customer_id, manager_id=user.pk, status=CustomerStatus.ACTIVE)
        .first()
    )
    if found is None:
        raise Http404("no such customer")
    return found


def log_visit(*, cycle: Cycle, customer_id: int, date: dt.date) -> Visit | None:
    """The visit, if one has been recorded (the page opens without one: the first save
    creates it)."""
    return cycle_rows(Visit.objects, cycle).filter(customer_id=customer_id, date=date).first()


def log_actions(*, cycle: Cycle, customer_id: int) -> list[MarketingAction]:
    """The month's actions for the customer (not removed): planned first, then temporary."""
    return list(
        cycle_rows(MarketingAction.objects, cycle)
        .filter(customer_id=customer_id, removed_at__isnull=True)
        .order_by("temporary", "id")
    )


def log_action(*, cycle: Cycle, customer_id: int, pk: int) -> MarketingAction:
    found = (
        cycle_rows(MarketingAction.objects, cycle).filter(customer_id=customer_id, pk=pk).first()
    )
    if found is None:
        raise Http404("no such action")
    return found


def check_field(name: str) -> tuple[str, int] | None:
    """``"inventory_12"`` → ("inventory", 12); None for any other name."""
    kind, _sep, sku = name.partition("_")
    if kind in CHECK_KINDS and sku.isdigit():
        return kind, int(sku)
    return None


def _as_text(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "shelf":
        return "1" if value else "0"
    return str(value)


def saved_values(*, visit: Visit | None, customer_id: int, date: dt.date, skus) -> dict:
    """The page's field names → what is saved now, as the form would send it."""
    start, end = day_bounds(date)
    checks = checks_between(customer_ids=[customer_id], start=start, end=end)[customer_id]
    values = {
        "method": visit.method if visit else "",
        "feeling": visit.feeling if visit else "",
        "info": checks["info"],
    }
    for sku in skus:
        for kind in CHECK_KINDS:
            values[f"{kind}_{sku.pk}"] = _as_text(kind, checks[kind].get(sku.pk))
    return values


def same_value(name: str, typed: str, saved: str) -> bool:
    """Whether what was typed says the same as what is saved (140 and 140.00 do)."""
    typed = typed.replace("\r\n", "\n").strip()
    if typed == saved.strip():
        return True
    check = check_field(name)
    if check and check[0] == "price" and typed and saved:
        try:
            return Decimal(typed) == Decimal(saved)
        except ArithmeticError:
            return False
    return False


@dataclass
class SkuRow:
    sku: object
    values: dict[str, str]
    errors: dict[str, str]
    last: dict = field(default_factory=dict)

    def name(self, kind: str) -> str:
        return f"{kind}_{self.sku.pk}"

    @property
    def shelf_name(self) -> str:
        return self.name("shelf")

    @property
    def inventory_name(self) -> str:
        return self.name("inventory")

    @property
    def price_name(self) -> str:
        return self.name("price")

    @property
    def shelf(self) -> str:
        return self.values.get(self.shelf_name, "")

    @property
    def inventory(self) -> str:
        return self.values.get(self.inventory_name, "")

    @property
    def price(self) -> str:
        return self.values.get(self.price_name, "")

    @property
    def shelf_error(self) -> str:
        return self.errors.get(self.shelf_name, "")

    @property
    def inventory_error(self) -> str:
        return self.errors.get(self.inventory_name, "")

    @property
    def price_error(self) -> str:
        return self.errors.get(self.price_name, "")


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, seconds = divmod(seconds, 60)
    if minutes:
        return _("%(m)d 分 %(s)d 秒") % {"m": minutes, "s": seconds}
    return _("%(s)d 秒") % {"s": seconds}


def log_page(
    *,
    cycle: Cycle,
    customer: Customer,
    visit: Visit | None,
    date: dt.date,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict:
    """What the visit log page shows: saved values, overlaid with what was typed when a
    save was refused (so nothing typed is lost), the errors by field name, the actions
    and the key SKUs with the last inventory and price before the day as hints."""
    skus = list(key_skus())
    values = saved_values(visit=visit, customer_id=customer.pk, date=date, skus=skus)
    if visit is None:  # not recorded yet: the method it will start with (``visit_open``)
        values["method"] = customer.visit_method or VisitMethod.ONSITE
    values.update(typed or {})
    errors = errors or {}
    start, _end = day_bounds(date)
    last = last_checks_before(
        customer_ids=[customer.pk], sku_ids=[s.pk for s in skus], before=start
    )
    rows = [SkuRow(sku, values, errors, last.get((customer.pk, sku.pk), {})) for sku in skus]
    return {
        "cycle": cycle,
        "customer": customer,
        "visit": visit,
        "date": date,
        "values": values,
        "errors": errors,
        "actions": log_actions(cycle=cycle, customer_id=customer.pk),
        "sku_rows": rows,
        "duration": duration_text(visit.seconds if visit else None),
        "sync_notes": log_sync_notes(visit=visit),
    }


def log_sync_notes(*, visit: Visit | None) -> list[ClientWrite]:
    """What the offline queue could not apply as it was and kept as notes on the visit
    (``cycle.services.sync``: a mark on an action removed from the plan meanwhile)."""
    if visit is None:
        return []
    return list(visit.client_writes.filter(outcome=SyncOutcome.KEPT).order_by("received_at"))
