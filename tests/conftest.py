import pytest
from django.db import connection

from accounts.models import Role
from tests.factories import CustomerFactory, CustomerManagerFactory, TeamFactory, UserFactory


@pytest.fixture
def two_teams(db):
    """Two teams, each with a market manager and two customer managers owning customers."""
    team_a, team_b = TeamFactory(code="TA"), TeamFactory(code="TB")
    cms = {
        "a1": CustomerManagerFactory(username="a1", team=team_a),
        "a2": CustomerManagerFactory(username="a2", team=team_a),
        "b1": CustomerManagerFactory(username="b1", team=team_b),
    }
    customers = {key: CustomerFactory(manager=cm, code=f"C-{key}") for key, cm in cms.items()}
    return {
        "team_a": team_a,
        "team_b": team_b,
        "mm_a": team_a.market_manager,
        "mm_b": team_b.market_manager,
        "cm": cms,
        "customers": customers,
        "brand": UserFactory(username="brand", role=Role.BRAND_MANAGER),
        "admin": UserFactory(username="boss", role=Role.ADMIN, is_staff=True, is_superuser=True),
    }


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL, as .ci/run does)")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the database is rolled back between tests and
    ids come again, so a value cached by an earlier test could otherwise answer for this one."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request under /en/ leaves English active
    in the thread (LocaleMiddleware does not switch back), which would turn the notices and
    messages of later tests that call services directly into English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
