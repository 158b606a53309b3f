"""seed_demo: realistic Chinese demo data and working demo logins for every role."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import Role, Team, User
from brands.models import Sku
from core.months import current_month, month_end, previous_month
from customers.models import Customer
from cycle.models import Cycle, MarketingAction, PlannedVisit, Visit
from cycle.models.visits import short_visit_q, valid_visit_q
from markets.models import Forecast, OrderLine, ShelfCheck

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


def test_demo_has_last_and_this_months_work(seeded):
    """Approved plans with actions and a weekly arrangement for last month and this one;
    last month's visits, a few under a minute; some actions done; checks on visit days."""
    last, this = previous_month(), current_month()
    managers = User.objects.filter(role=Role.CUSTOMER_MANAGER)
    for month in (last, this):
        cycles = Cycle.objects.filter(month=month)
        assert cycles.count() == managers.count() == 8
        assert set(cycles.values_list("plan_status", flat=True)) == {"approved"}
        assert all(c.plan_decided_by.team_id == c.manager.team_id for c in cycles)
        assert MarketingAction.objects.filter(cycle__month=month).exists()
    # 17–28 customers a workday (now and then a day over the limit), all own active ones
    per_day = (
        PlannedVisit.objects.filter(cycle__month=last)
        .values("cycle", "date")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert 17 <= sorted(per_day)[len(per_day) // 2] <= 28
    assert not PlannedVisit.objects.exclude(customer__manager=F("cycle__manager")).exists()
    visits = Visit.objects.filter(date__gte=last, date__lte=month_end(last))
    planned = PlannedVisit.objects.filter(cycle__month=last).count()
    assert 0.7 * planned <= visits.filter(valid_visit_q()).count() <= 1.3 * planned
    assert 0 < visits.filter(short_visit_q()).count() < 0.1 * visits.count()
    assert not Visit.objects.filter(date__gte=timezone.localdate()).exists()
    done = MarketingAction.objects.filter(cycle__month=last, done_at__isnull=False)
    assert 0 < done.count() < MarketingAction.objects.filter(cycle__month=last).count()
    assert not done.filter(temporary=False).exclude(done_visit__customer=F("customer")).exists()
    carried = MarketingAction.objects.filter(cycle__month=this, source="carried")
    assert carried.exists() and not carried.filter(origin__done_at__isnull=False).exists()
    visit_days = set(visits.values_list("customer_id", "date"))
    checked = {
        (customer, timezone.localtime(at).date())
        for customer, at in ShelfCheck.objects.filter(observed_at__date__gte=last).values_list(
            "customer_id", "observed_at"
        )
    }
    assert checked & visit_days


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
    from reports.models import IndicatorRun, ManagerIndicator, ScopeIndicator

    call_command("seed_demo", stdout=io.StringIO())

    months = set(IndicatorRun.objects.filter(status="succeeded").values_list("month", flat=True))
    assert len(months) == 13 and previous_month() in months
    # last month's indicators count the demo's plans and visits
    last = ManagerIndicator.objects.filter(month=previous_month())
    assert last.count() == 8
    assert all(m.actions_planned > m.actions_done > 0 for m in last)
    assert all(m.visits_planned > 0 and m.visits_done > 0 for m in last)
    call_command("seed_demo", "--flush", "--months", "1", "--no-indicators", stdout=io.StringIO())
    assert not ScopeIndicator.objects.exists()


def test_demo_has_satisfaction_answers_over_several_periods_with_a_trend(seeded):
    from surveys.models import Channel, Response, Survey
    from surveys.selectors import summary

    admin = User.objects.get(username="admin")
    answered = Survey.objects.filter(responses__isnull=False).distinct()
    assert answered.count() >= 4
    assert set(Response.objects.values_list("channel", flat=True)) == set(Channel.values)
    trend = summary(user=admin, until=timezone.localdate()).trend
    rates = [f.rate for f in trend if f.respondents >= 50]
    assert len(rates) >= 4
    assert 0.86 <= rates[-1] <= 0.95  # lately about 90 %
    assert rates[-1] > rates[0]  # and better than at first
    assert trend[-1].weakest.dimension.code == "supply"
