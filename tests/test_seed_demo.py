"""seed_demo: realistic Chinese demo data and working demo logins for every role."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from accounts.models import Role, Team, User
from brands.models import Sku
from core.months import previous_month
from customers.models import Customer
from markets.models import Forecast, OrderLine

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded():
    out = io.StringIO()
    call_command("seed_demo", "--no-indicators", stdout=out)
    return out.getvalue()


def test_small_demo_data(seeded):
    assert "演示账号（密码均为 demo12345）" in seeded
    assert set(Team.objects.values_list("code", flat=True)) == {"T01", "T02"}
    assert User.objects.filter(role=Role.CUSTOMER_MANAGER).count() == 8
    for username in ("admin", "brand1", "mm1", "mm2", "cm01", "cm08"):
        assert authenticate(username=username, password="demo12345") is not None, username
        assert username in seeded
    assert Team.objects.get(code="T01").market_manager.username == "mm1"
    assert 1400 <= Customer.objects.count() <= 1600
    # Chinese names, every customer with a visit method, both market types
    assert all(
        "\u4e00" <= name[0] <= "\u9fff" for name in Customer.objects.values_list("name", flat=True)
    )
    assert not Customer.objects.filter(visit_method="").exists()
    assert set(Customer.objects.values_list("market_type", flat=True)) >= {"urban", "rural"}
    assert Sku.objects.filter(is_key_brand=True).exists()
    months = OrderLine.objects.dates("order_date", "month").count()
    assert months == 13
    assert not OrderLine.objects.filter(quantity__gt=F("requested_quantity")).exists()
    assert Forecast.objects.exists()
    per_manager = Customer.objects.values("manager").annotate(n=Count("id"))
    assert all(150 <= row["n"] <= 220 for row in per_manager)


def test_refuses_a_database_with_data_unless_flushed(seeded):
    with pytest.raises(CommandError, match="--flush"):
        call_command("seed_demo", stdout=io.StringIO())
    before = Customer.objects.count()
    call_command("seed_demo", "--flush", "--months", "2", "--no-indicators", stdout=io.StringIO())
    assert Customer.objects.count() == before
    assert OrderLine.objects.dates("order_date", "month").count() == 2


def test_demo_logins_lists_the_accounts(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "cm01" in text and "T02 郊县营销部" in text and "demo12345" in text


def test_if_empty_only_lists_the_logins_when_data_exists(seeded):
    before = OrderLine.objects.count()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "cm01" in out.getvalue() and "demo12345" in out.getvalue()
    assert OrderLine.objects.count() == before


def test_indicators_are_computed_for_every_month_and_flushed_with_the_data():
    from reports.models import IndicatorRun, ScopeIndicator

    call_command("seed_demo", stdout=io.StringIO())

    months = set(IndicatorRun.objects.filter(status="succeeded").values_list("month", flat=True))
    assert len(months) == 13 and previous_month() in months
    call_command("seed_demo", "--flush", "--months", "1", "--no-indicators", stdout=io.StringIO())
    assert not ScopeIndicator.objects.exists()
