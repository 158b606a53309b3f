"""Who may see whom. Every other app asks these functions instead of checking roles itself."""

from django.db.models import Count, Q, QuerySet

from .models import Role, Team, User


def managers_visible_to(*, user: User) -> QuerySet[User]:
    """Customer managers whose work ``user`` may see (DESIGN.md §2)."""
    managers = User.objects.filter(role=Role.CUSTOMER_MANAGER, is_active=True)
    if user.is_admin_role or user.role == Role.BRAND_MANAGER:
        return managers
    if user.role == Role.MARKET_MANAGER:
        return managers.filter(team__market_manager=user)
    if user.role == Role.CUSTOMER_MANAGER:
        return managers.filter(pk=user.pk)
    return managers.none()


def teams_visible_to(*, user: User) -> QuerySet[Team]:
    teams = Team.objects.select_related("market_manager")
    if user.is_admin_role or user.role == Role.BRAND_MANAGER:
        return teams
    if user.role == Role.MARKET_MANAGER:
        return teams.filter(market_manager=user)
    if user.role == Role.CUSTOMER_MANAGER and user.team_id:
        return teams.filter(pk=user.team_id)
    return teams.none()


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
    return dict(User.objects.filter(role=Role.CUSTOMER_MANAGER).values_list("username", "id"))
