"""The access policy (DESIGN.md §2): who may see whose work and who may do what.

Every other module asks here instead of testing a role, in the spirit of Zulip's
``access_stream_by_id``: views and services ask a predicate (``can_*``) or fetch a target
through an ``access_*`` function that answers 404 for what the user may not see; selectors
narrow their querysets with the user's ``Scope``; templates read the same predicates
through the ``can`` object (``accounts.context_processors.access``).

The role ladder: admins (superusers included, whatever their role field says) and brand
managers see everything, a market manager the teams they lead, a customer manager their own
work, anyone else (anonymous, inactive) nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Role, Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

M = TypeVar("M", bound=Model)


class _OwnedWork(Protocol):
    """Anything that belongs to one customer manager: a cycle, a customer."""

    manager_id: int | None


def role_of(user: User | AnonymousUser | None) -> Role | None:
    """The role the pages and permissions go by: a superuser is an admin whatever the role
    field says; anonymous and inactive users have none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return Role(user.role) if user.role in Role.values else None


# --- the work scope -----------------------------------------------------------------------


class Reach(enum.StrEnum):
    EVERYTHING = "everything"
    TEAM = "team"  # the teams the user leads as their market manager
    SELF = "self"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Scope:
    """Whose work a user may see, computed once per user object (``scope_of``)."""

    reach: Reach
    user_id: int | None = None
    team_id: int | None = None  # a customer manager's own team

    @property
    def everything(self) -> bool:
        return self.reach == Reach.EVERYTHING

    def managers(self, users: QuerySet[User]) -> QuerySet[User]:
        """Of ``users`` (customer managers), those whose work is in scope."""
        return self.work(users, manager="")

    def work(self, rows: QuerySet[M], *, manager: str = "manager") -> QuerySet[M]:
        """Of ``rows``, those owned (through the foreign key path ``manager``; "" when the
        rows are the managers themselves) by a customer manager in scope."""
        if self.reach == Reach.EVERYTHING:
            return rows
        if self.reach == Reach.TEAM:
            path = f"{manager}__team__market_manager" if manager else "team__market_manager"
            return rows.filter(**{path: self.user_id})
        if self.reach == Reach.SELF:
            return rows.filter(**{manager or "pk": self.user_id})
        return rows.none()

    def teams(self, teams: QuerySet[Team]) -> QuerySet[Team]:
        """Of ``teams``, those in scope (a customer manager's own team only)."""
        if self.reach == Reach.EVERYTHING:
            return teams
        if self.reach == Reach.TEAM:
            return teams.filter(market_manager_id=self.user_id)
        if self.reach == Reach.SELF and self.team_id:
            return teams.filter(pk=self.team_id)
        return teams.none()


_REACH = {
    Role.ADMIN: Reach.EVERYTHING,
    Role.BRAND_MANAGER: Reach.EVERYTHING,
    Role.MARKET_MANAGER: Reach.TEAM,
    Role.CUSTOMER_MANAGER: Reach.SELF,
}


def scope_of(user: User | AnonymousUser | None) -> Scope:
    """The user's work scope, cached on the user object (one request's user is one object).
    The cache is keyed by the fields it depends on, so a changed user is scoped afresh."""
    if user is None:
        return Scope(Reach.NOTHING)
    key = (role_of(user), user.pk, getattr(user, "team_id", None))
    cached = getattr(user, "_access_scope", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    role, pk, team_id = key
    scope = Scope(_REACH.get(role, Reach.NOTHING), pk, team_id) if role else Scope(Reach.NOTHING)
    setattr(user, "_access_scope", (key, scope))  # noqa: B010 (AnonymousUser has no such field)
    return scope


def customer_managers(*, active: bool = True) -> QuerySet[User]:
    """Every customer manager account (only the active ones unless ``active`` is False)."""
    users = User.objects.filter(role=Role.CUSTOMER_MANAGER)
    return users.filter(is_active=True) if active else users


def is_cycle_keeper(user: User) -> bool:
    """Whether the account (a target: a cycle's or a feed's owner, whoever looks) is a
    customer manager's, the kind that keeps monthly cycles."""
    return user.role == Role.CUSTOMER_MANAGER


def access_manager(user: User, username: str) -> User:
    """The active customer manager ``username`` if ``user`` may see their work, else Http404
    (whether or not they exist)."""
    found = (
        scope_of(user)
        .managers(customer_managers())
        .filter(username=username)
        .select_related("team")
        .first()
    )
    if found is None:
        raise Http404("no such customer manager")
    return found


def can_see_team(user: User, code: str) -> bool:
    """A team's analysis and exports are for its market manager, brand managers and admins;
    a customer manager sees their own territory only, not their team's."""
    scope = scope_of(user)
    if scope.reach not in (Reach.EVERYTHING, Reach.TEAM):
        return False
    return scope.teams(Team.objects.all()).filter(code=code).exists()


def access_team(user: User, code: str) -> Team:
    """The team ``code`` if ``user`` may see it (``can_see_team``), else Http404."""
    scope = scope_of(user)
    team = None
    if scope.reach in (Reach.EVERYTHING, Reach.TEAM):
        team = scope.teams(Team.objects.select_related("market_manager")).filter(code=code).first()
    if team is None:
        raise Http404("no such team")
    return team


# --- what a user may do, by role ----------------------------------------------------------


def has_role(user: Any) -> bool:
    """Any signed-in, active user with a role: every page of the work platform."""
    return role_of(user) is not None


def works_own_cycle(user: Any) -> bool:
    """A customer manager: keeps monthly cycles of their own (plans, visits, evaluation)."""
    return role_of(user) == Role.CUSTOMER_MANAGER


def leads_team(user: Any) -> bool:
    """A market manager: decides on their team's plans and evaluations, guides, arranges."""
    return role_of(user) == Role.MARKET_MANAGER


def takes_part_in_reviews(user: Any) -> bool:
    """Submits (customer manager) or decides (market manager) plans and evaluations."""
    return role_of(user) in (Role.CUSTOMER_MANAGER, Role.MARKET_MANAGER)


def sees_team_plans(user: Any) -> bool:
    """Reads other people's plans (the approval queue page): everyone but customer managers."""
    return role_of(user) in (Role.MARKET_MANAGER, Role.BRAND_MANAGER, Role.ADMIN)


def can_see_team_board(user: Any) -> bool:
    """The team board and the visit audit: market managers and admins."""
    return role_of(user) in (Role.MARKET_MANAGER, Role.ADMIN)


def can_recompute(user: Any) -> bool:
    """Starting the monthly indicator computation: market managers and admins."""
    return role_of(user) in (Role.MARKET_MANAGER, Role.ADMIN)


def can_tune_rules(user: Any) -> bool:
    """Changing a warning rule's threshold on its tuning page (and the strategy library in
    the admin site): admins."""
    return role_of(user) == Role.ADMIN


def can_preview_rules(user: Any) -> bool:
    """Reading a rule's tuning page and its what-if preview, without saving: admins, and
    market managers for their own teams."""
    return role_of(user) in (Role.MARKET_MANAGER, Role.ADMIN)


def can_see_strategy_library(user: Any) -> bool:
    """The strategy library with the measured action effects: market managers and admins."""
    return role_of(user) in (Role.MARKET_MANAGER, Role.ADMIN)


def can_see_company(user: Any) -> bool:
    """Company-wide data (brand analysis, company exports): brand managers and admins."""
    return role_of(user) in (Role.BRAND_MANAGER, Role.ADMIN)


def can_see_annual_brand_evaluation(user: Any) -> bool:
    """The annual brand evaluation (年度品牌评价: company-wide brand indicators and where each
    brand sells): brand managers and admins. Not market managers: it is company-wide, and
    their view is their team's."""
    return role_of(user) in (Role.BRAND_MANAGER, Role.ADMIN)


def can_edit_catalog(user: Any) -> bool:
    """Changing the catalogue (categories, brands, SKUs): brand managers and admins."""
    return role_of(user) in (Role.BRAND_MANAGER, Role.ADMIN)


def can_see_brand_tasks(user: Any) -> bool:
    """The brand tasks page and its feedback: brand managers and admins."""
    return role_of(user) in (Role.BRAND_MANAGER, Role.ADMIN)


def can_send_brand_task(user: Any) -> bool:
    """Only brand managers send brand tasks (admins look on)."""
    return role_of(user) == Role.BRAND_MANAGER


def reads_brand_part_only(user: Any) -> bool:
    """Brand managers read only the brand-task part of a customer manager's feed."""
    return role_of(user) == Role.BRAND_MANAGER


def reads_feeds(user: Any) -> bool:
    """Whose menu counts unread feed entries: everyone who takes part in the feeds."""
    return role_of(user) in (Role.CUSTOMER_MANAGER, Role.MARKET_MANAGER, Role.BRAND_MANAGER)


def can_import(user: Any) -> bool:
    """Uploading data files: admins."""
    return role_of(user) == Role.ADMIN


def can_make_callbacks(user: Any) -> bool:
    """The satisfaction phone callbacks (电话回访) page: market managers (their team's sample)
    and admins (any team's). A customer manager never enters satisfaction answers."""
    return role_of(user) in (Role.MARKET_MANAGER, Role.ADMIN)


# --- what a user may do to one customer manager's work ------------------------------------


def _manager_id(work: User | _OwnedWork) -> int | None:
    return work.pk if isinstance(work, User) else work.manager_id


def can_edit_cycle(user: Any, work: User | _OwnedWork) -> bool:
    """Only the owning customer manager writes a cycle (``work``: the cycle or its manager);
    admins use the admin site."""
    return works_own_cycle(user) and _manager_id(work) == user.pk


def can_edit_customer(user: Any, customer: _OwnedWork) -> bool:
    """Only the owning customer manager maintains a customer's profile."""
    return works_own_cycle(user) and customer.manager_id == user.pk


def can_decide(user: Any, manager: User) -> bool:
    """Approving or rejecting ``manager``'s plan or evaluation: only the market manager of
    their team, and nobody on their own work."""
    team = manager.team if manager.team_id else None
    return (
        team is not None
        and team.market_manager_id == user.pk
        and user.pk != manager.pk
        and bool(user.is_active)
    )


def can_give_guidance(user: Any, manager: User) -> bool:
    """Guidance and work arrangements for ``manager``: the market manager of their team."""
    team = manager.team if manager.team_id else None
    return (
        leads_team(user)
        and is_cycle_keeper(manager)
        and team is not None
        and team.market_manager_id == user.pk
    )


def may_open_survey_link(user: Any) -> bool:
    """A customer's own satisfaction link (no login needed): anyone but a signed-in customer
    manager — the customer answers, not their manager nor any other."""
    return role_of(user) != Role.CUSTOMER_MANAGER


def can_enter_satisfaction(user: Any, manager: User) -> bool:
    """Entering a callback answer for a customer of ``manager``: the market manager of
    their team or an admin; never a customer manager, for their own customers or anyone's."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    team = manager.team if manager.team_id else None
    return (
        role == Role.MARKET_MANAGER
        and team is not None
        and team.market_manager_id == user.pk
        and user.pk != manager.pk
    )


# --- for templates ------------------------------------------------------------------------


class Can:
    """The role-level predicates for templates: ``{% if can.send_brand_task %}``."""

    def __init__(self, user: Any):
        self._user = user

    def __getattr__(self, name: str) -> bool:
        check = _TEMPLATE_CHECKS.get(name)
        if check is None:
            raise AttributeError(name)
        return check(self._user)


_TEMPLATE_CHECKS = {
    "edit_catalog": can_edit_catalog,
    "tune_rules": can_tune_rules,
    "preview_rules": can_preview_rules,
    "send_brand_task": can_send_brand_task,
    "decide": leads_team,  # the approval queue and the team board say "waiting for me"
    "see_strategy_library": can_see_strategy_library,
    "see_plans": lambda user: not reads_brand_part_only(user),
    "read_brand_part_only": reads_brand_part_only,
    "read_customers_only": reads_brand_part_only,
    "make_callbacks": can_make_callbacks,
    "see_company": can_see_company,
}
