"""Who may see whom. The scope itself is decided by ``accounts.policy``; these selectors
hand every other app the querysets it narrows."""

from django.db.models import Count, Q, QuerySet

from .models import Role, Team, User
from .policy import customer_managers, scope_of


def managers_visible_to(*, user: User) -> QuerySet[User]:
    """Active customer managers whose work ``user`` may see (DESIGN.md §2)."""
    return scope_of(user).managers(customer_managers())


def teams_visible_to(*, user: User) -> QuerySet[Team]:
    return scope_of(user).teams(Team.objects.select_related("market_manager"))


def team_members_with_counts(*, user: User) -> QuerySet[User]:
    """The customer managers ``user`` may see, each with their active/total customer counts."""
    return (
        managers_visible_to(user=user)
        .select_related("team")
        .annotate(
            customers_total=Count("customers"),
            customers_active=Count("customers", filter=Q(customers__status="active")),
        )
        .order_by("team__code", "username")
    )


def users_by_role() -> dict[str, int]:
    rows = User.objects.filter(is_active=True).values("role").annotate(n=Count("id"))
    counts = {role: 0 for role in Role.values}
    counts.update({row["role"]: row["n"] for row in rows})
    return counts


def customer_manager_ids_by_username() -> dict[str, int]:
    return dict(customer_managers(active=False).values_list("username", "id"))
