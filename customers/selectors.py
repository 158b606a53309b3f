"""Reading customers. The scoping rule of DESIGN.md §2 lives in ``customers_visible_to``;
every page, export and other app reaches customers through it."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.policy import can_edit_customer, scope_of
from accounts.selectors import managers_visible_to

from .models import TIER_BANDS, Customer, CustomerStatus


def customers_visible_to(*, user: User) -> QuerySet[Customer]:
    return scope_of(user).work(Customer.objects.all())


def active_customers() -> QuerySet[Customer]:
    """Every active customer, for company-wide computations (the strategy rules' classes)."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


def segment_counts(*, customers: QuerySet[Customer]) -> list[tuple[str, str, int]]:
    """(dimension, segment, customers) of ``customers`` by trade area (商圈) and by business
    format (业态), ``segment`` "" when not recorded: two grouped counts."""
    rows: list[tuple[str, str, int]] = []
    for dimension in ("trade_area", "business_format"):
        counts = customers.order_by().values_list(dimension).annotate(n=Count("id"))
        rows += [(dimension, value or "", n) for value, n in counts]
    return rows


def customers_owned_by(*, manager: User) -> QuerySet[Customer]:
    """The customers ``manager`` owns (not those they may see: a market manager sees a
    team's customers but owns none)."""
    return Customer.objects.filter(manager=manager)


def customer_get(*, user: User, pk: int) -> Customer:
    """The customer, or 404 when it does not exist or ``user`` may not see it."""
    return get_object_or_404(
        customers_visible_to(user=user).select_related("manager", "manager__team"), pk=pk
    )


def customer_can_edit(*, user: User, customer: Customer) -> bool:
    """Only the owning customer manager maintains a customer's profile (admins use admin)."""
    return can_edit_customer(user, customer)


def customer_list(*, user: User) -> QuerySet[Customer]:
    """The customers ``user`` may see, ready for a list (filters are applied on top)."""
    return customers_visible_to(user=user).select_related("manager").order_by("code")


def customer_list_shows_manager(*, user: User) -> bool:
    """The owner column and filter matter only to who sees more than one manager's customers."""
    return managers_visible_to(user=user).count() > 1


def customer_filter_choices(*, user: User) -> dict:
    """Choices of the list filters that depend on who is looking."""
    trade_areas = (
        customers_visible_to(user=user)
        .exclude(trade_area="")
        .order_by("trade_area")
        .values_list("trade_area", flat=True)
        .distinct()
    )
    return {
        "managers": managers_visible_to(user=user).order_by("username"),
        "trade_areas": list(trade_areas),
    }


def customer_status_counts(*, user: User) -> dict[str, int]:
    rows = customers_visible_to(user=user).values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in CustomerStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def customer_ids_by_code() -> dict[str, int]:
    """Every customer, active or not: orders of inactive customers are still recorded."""
    return dict(Customer.objects.values_list("code", "id"))


def customers_exist() -> bool:
    return Customer.objects.exists()


def customers_matching(
    *,
    user: User,
    trade_areas: list[str] = (),
    business_formats: list[str] = (),
    tier_bands: list[str] = (),
    market_types: list[str] = (),
) -> QuerySet[Customer]:
    """The active customers ``user`` may see that match every non-empty criterion (each a
    list of accepted values), e.g. the targets of a brand task."""
    customers = customers_visible_to(user=user).filter(status=CustomerStatus.ACTIVE)
    if trade_areas:
        customers = customers.filter(trade_area__in=trade_areas)
    if business_formats:
        customers = customers.filter(business_format__in=business_formats)
    if market_types:
        customers = customers.filter(market_type__in=market_types)
    if tier_bands:
        tiers = Q()
        for code, low, high, _label in TIER_BANDS:
            if code in tier_bands:
                tiers |= Q(tier__range=(low, high))
        customers = customers.filter(tiers) if tiers else customers.none()
    return customers
