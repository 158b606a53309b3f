"""The access policy (accounts.policy): one place decides whose work a user sees and what
they may do, per role, for superusers, inactive users and odd set-ups (a market manager
without a team)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts import policy
from accounts.models import Role, Team
from accounts.policy import Reach, access_manager, access_team, scope_of
from accounts.selectors import managers_visible_to, teams_visible_to
from customers.selectors import customers_visible_to
from tests.factories import CustomerFactory, CycleFactory, UserFactory

pytestmark = pytest.mark.django_db


def usernames(users) -> set[str]:
    return {u.username for u in users}


def test_each_role_reaches_its_rung_of_the_ladder(two_teams):
    cm, mm, brand, boss = (
        two_teams["cm"]["a1"],
        two_teams["mm_a"],
        two_teams["brand"],
        two_teams["admin"],
    )
    assert scope_of(boss).reach == Reach.EVERYTHING
    assert scope_of(brand).reach == Reach.EVERYTHING
    assert scope_of(mm).reach == Reach.TEAM
    assert scope_of(cm).reach == Reach.SELF
    assert usernames(managers_visible_to(user=boss)) == {"a1", "a2", "b1"}
    assert usernames(managers_visible_to(user=brand)) == {"a1", "a2", "b1"}
    assert usernames(managers_visible_to(user=mm)) == {"a1", "a2"}
    assert usernames(managers_visible_to(user=cm)) == {"a1"}
    assert {c.code for c in customers_visible_to(user=mm)} == {"C-a1", "C-a2"}
    assert {c.code for c in customers_visible_to(user=cm)} == {"C-a1"}
    assert {t.code for t in teams_visible_to(user=cm)} == {"TA"}
    assert {t.code for t in teams_visible_to(user=mm)} == {"TA"}
    assert {t.code for t in teams_visible_to(user=brand)} == {"TA", "TB"}


def test_a_superuser_is_an_admin_whatever_the_role_field_says(two_teams):
    boss = UserFactory(username="root", role=Role.CUSTOMER_MANAGER, is_superuser=True)
    assert policy.role_of(boss) == Role.ADMIN
    assert scope_of(boss).everything
    assert policy.can_import(boss) and policy.can_see_team_board(boss)
    assert not policy.works_own_cycle(boss)


def test_inactive_and_anonymous_users_see_and_may_do_nothing(two_teams):
    gone_mm = UserFactory(username="gone_mm", role=Role.MARKET_MANAGER, is_active=False)
    two_teams["team_b"].market_manager = gone_mm
    two_teams["team_b"].save()
    gone_admin = UserFactory(username="gone_admin", role=Role.ADMIN, is_active=False)
    for user in (gone_mm, gone_admin, AnonymousUser()):
        assert scope_of(user).reach == Reach.NOTHING
        assert not managers_visible_to(user=user).exists()
        assert not customers_visible_to(user=user).exists()
        assert not policy.has_role(user)
        assert not policy.can_edit_catalog(user)
    # an inactive market manager decides nothing, even on their own team
    assert not policy.can_decide(gone_mm, two_teams["cm"]["b1"])
    with pytest.raises(Http404):
        access_manager(gone_admin, "a1")


def test_a_market_manager_without_a_team_sees_nobody():
    lonely = UserFactory(username="lonely", role=Role.MARKET_MANAGER)
    others = Team.objects.create(code="TX", name="X")
    UserFactory(username="x1", role=Role.CUSTOMER_MANAGER, team=others)
    assert scope_of(lonely).reach == Reach.TEAM
    assert not managers_visible_to(user=lonely).exists()
    assert not teams_visible_to(user=lonely).exists()
    with pytest.raises(Http404):
        access_manager(lonely, "x1")
    with pytest.raises(Http404):
        access_team(lonely, "TX")


def test_a_customer_manager_without_a_team_sees_only_themselves():
    solo = UserFactory(username="solo", role=Role.CUSTOMER_MANAGER, team=None)
    assert usernames(managers_visible_to(user=solo)) == {"solo"}
    assert not teams_visible_to(user=solo).exists()


def test_access_manager_gives_the_visible_customer_manager_or_404(two_teams):
    mm = two_teams["mm_a"]
    assert access_manager(mm, "a2") == two_teams["cm"]["a2"]
    for username in ("b1", "nobody", mm.username, "brand"):  # other team, unknown, not a CM
        with pytest.raises(Http404):
            access_manager(mm, username)
    assert access_manager(two_teams["brand"], "b1") == two_teams["cm"]["b1"]
    with pytest.raises(Http404):
        access_manager(two_teams["cm"]["a1"], "a2")
    gone = UserFactory(username="gone", role=Role.CUSTOMER_MANAGER, is_active=False)
    with pytest.raises(Http404):
        access_manager(two_teams["admin"], gone.username)


def test_a_team_is_for_its_market_manager_brand_managers_and_admins_not_its_members(two_teams):
    assert access_team(two_teams["mm_a"], "TA") == two_teams["team_a"]
    assert access_team(two_teams["brand"], "TB") == two_teams["team_b"]
    assert policy.can_see_team(two_teams["admin"], "TB")
    with pytest.raises(Http404):
        access_team(two_teams["mm_a"], "TB")
    with pytest.raises(Http404):
        access_team(two_teams["cm"]["a1"], "TA")  # their own team: territory only
    assert not policy.can_see_team(two_teams["cm"]["a1"], "TA")


def test_only_the_owning_customer_manager_edits_a_cycle_or_a_customer(two_teams):
    a1, a2 = two_teams["cm"]["a1"], two_teams["cm"]["a2"]
    cycle = CycleFactory(manager=a1)
    customer = two_teams["customers"]["a1"]
    assert policy.can_edit_cycle(a1, cycle) and policy.can_edit_cycle(a1, a1)
    assert policy.can_edit_customer(a1, customer)
    for other in (a2, two_teams["mm_a"], two_teams["brand"], two_teams["admin"]):
        assert not policy.can_edit_cycle(other, cycle)
        assert not policy.can_edit_customer(other, customer)


def test_only_the_teams_market_manager_decides_and_never_on_their_own_work(two_teams):
    a1, b1, mm_a = two_teams["cm"]["a1"], two_teams["cm"]["b1"], two_teams["mm_a"]
    assert policy.can_decide(mm_a, a1)
    assert policy.can_give_guidance(mm_a, a1)
    for user in (
        two_teams["mm_b"],
        two_teams["admin"],
        two_teams["brand"],
        a1,
        two_teams["cm"]["a2"],
    ):
        assert not policy.can_decide(user, a1)
    assert not policy.can_decide(mm_a, b1)
    # a market manager placed in their own team still cannot approve their own work
    mm_a.team = two_teams["team_a"]
    mm_a.save()
    assert not policy.can_decide(mm_a, mm_a)
    assert not policy.can_give_guidance(mm_a, mm_a)  # guidance goes to customer managers


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("cm", {"has_role", "works_own_cycle", "takes_part_in_reviews", "reads_feeds"}),
        (
            "mm",
            {
                "has_role",
                "leads_team",
                "takes_part_in_reviews",
                "sees_team_plans",
                "can_see_team_board",
                "can_recompute",
                "reads_feeds",
                "can_make_callbacks",
                "may_open_survey_link",
            },
        ),
        (
            "brand",
            {
                "has_role",
                "sees_team_plans",
                "can_see_company",
                "can_see_annual_brand_evaluation",
                "can_edit_catalog",
                "can_see_brand_tasks",
                "can_send_brand_task",
                "reads_brand_part_only",
                "reads_feeds",
                "may_open_survey_link",
            },
        ),
        (
            "admin",
            {
                "has_role",
                "sees_team_plans",
                "can_see_team_board",
                "can_recompute",
                "can_see_company",
                "can_see_annual_brand_evaluation",
                "can_edit_catalog",
                "can_see_brand_tasks",
                "can_import",
                "can_make_callbacks",
                "may_open_survey_link",
            },
        ),
    ],
)
def test_role_level_predicates(two_teams, who, allowed):
    user = {
        "cm": two_teams["cm"]["a1"],
        "mm": two_teams["mm_a"],
        "brand": two_teams["brand"],
        "admin": two_teams["admin"],
    }[who]
    predicates = {
        "has_role",
        "works_own_cycle",
        "leads_team",
        "takes_part_in_reviews",
        "sees_team_plans",
        "can_see_team_board",
        "can_recompute",
        "can_see_company",
        "can_see_annual_brand_evaluation",
        "can_edit_catalog",
        "can_see_brand_tasks",
        "can_send_brand_task",
        "reads_brand_part_only",
        "reads_feeds",
        "can_import",
        "can_make_callbacks",
        "may_open_survey_link",
    }
    assert {name for name in predicates if getattr(policy, name)(user)} == allowed


def test_the_scope_is_computed_once_per_user_object_and_again_when_the_user_changes(
    two_teams, django_assert_num_queries
):
    cm = two_teams["cm"]["a1"]
    first = scope_of(cm)
    with django_assert_num_queries(0):
        assert scope_of(cm) is first
    cm.role = Role.MARKET_MANAGER
    assert scope_of(cm).reach == Reach.TEAM


def test_templates_ask_the_policy_through_can(client, two_teams):
    CustomerFactory(manager=two_teams["cm"]["a1"], code="C-extra")
    client.force_login(two_teams["brand"])
    page = client.get("/customers/").content.decode()
    assert "只读" in page
    client.force_login(two_teams["mm_a"])
    assert "只读" not in client.get("/customers/").content.decode()


def test_only_the_teams_market_manager_or_an_admin_enters_satisfaction(two_teams):
    a1 = two_teams["cm"]["a1"]
    assert policy.can_enter_satisfaction(two_teams["mm_a"], a1)
    assert policy.can_enter_satisfaction(two_teams["admin"], a1)
    for who in (a1, two_teams["cm"]["a2"], two_teams["mm_b"], two_teams["brand"]):
        assert not policy.can_enter_satisfaction(who, a1)
