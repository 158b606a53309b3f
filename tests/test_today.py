"""The day's list of customers (今日拜访): which customers by which rule, in route order,
with their marks and visits; the pages for the manager and, read-only, their market
manager."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.models import CalendarDay
from core.months import day_bounds, month_start
from cycle.models import PlanStatus
from cycle.selectors.today import (
    RULE_DAY_OFF,
    RULE_NO_PLANNED_DAY,
    RULE_NOT_APPROVED,
    RULE_PLANNED,
    is_due,
    last_visits_before,
    route_order,
    today_customers,
    today_lists,
)
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
    VisitFactory,
)

DEC = dt.date(2026, 12, 1)
DAY = dt.date(2026, 12, 10)  # a Thursday


def place(code, lat=None, lon=None):
    return SimpleNamespace(
        code=code,
        latitude=None if lat is None else Decimal(str(lat)),
        longitude=None if lon is None else Decimal(str(lon)),
    )


# --- route order --------------------------------------------------------------------------


def test_route_goes_to_the_nearest_next_starting_from_the_first_code():
    # on a line: B(0) ... D(1) ... A(5) ... C(6); start at A (first code), then C, D, B
    stops = [place("A", 36.0, 103.05), place("B", 36.0, 103.0), place("C", 36.0, 103.06)]
    stops.append(place("D", 36.0, 103.01))
    assert [s.code for s in route_order(stops)] == ["A", "C", "D", "B"]


def test_customers_without_coordinates_come_last_in_code_order():
    stops = [place("Z"), place("B", 36.0, 103.0), place("A"), place("C", 36.0, 103.1)]
    stops.append(place("D", 36.0, None))
    assert [s.code for s in route_order(stops)] == ["B", "C", "A", "D", "Z"]


def test_route_of_nobody_located_is_code_order_and_ties_go_to_the_lower_code():
    assert [s.code for s in route_order([place("B"), place("A")])] == ["A", "B"]
    tie = [place("A", 36.0, 103.0), place("C", 36.0, 103.5), place("B", 36.0, 102.5)]
    assert [s.code for s in route_order(tie)] == ["A", "B", "C"]


def test_a_degree_of_longitude_is_shorter_than_a_degree_of_latitude_up_north():
    # at 60°N a degree east is half as far as a degree north
    stops = [place("A", 60.0, 10.0), place("B", 60.9, 10.0), place("C", 60.0, 11.5)]
    assert [s.code for s in route_order(stops)] == ["A", "C", "B"]


# --- due by frequency ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "last", "due"),
    [
        ("weekly", None, True),
        ("weekly", DAY - dt.timedelta(days=6), False),
        ("weekly", DAY - dt.timedelta(days=7), True),
        ("biweekly", DAY - dt.timedelta(days=13), False),
        ("biweekly", DAY - dt.timedelta(days=14), True),
        ("monthly", DEC, False),
        ("monthly", DEC - dt.timedelta(days=1), True),
        ("", DEC + dt.timedelta(days=2), False),  # no frequency: as monthly
        ("", DEC - dt.timedelta(days=1), True),
    ],
)
def test_due_by_frequency(frequency, last, due):
    assert is_due(frequency=frequency, last_visit=last, date=DAY) is due


def test_only_checked_in_visits_before_the_day_count(two_teams):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=DEC)
    c1, c2, c3 = (CustomerFactory(manager=a1) for _ in range(3))
    checked = day_bounds(DAY)[0]
    VisitFactory(cycle=cycle, customer=c1, date=DAY - dt.timedelta(3), checked_in_at=checked)
    VisitFactory(cycle=cycle, customer=c1, date=DAY - dt.timedelta(5), checked_in_at=checked)
    VisitFactory(cycle=cycle, customer=c2, date=DAY - dt.timedelta(2))  # opened, never in
    VisitFactory(cycle=cycle, customer=c3, date=DAY, checked_in_at=checked)  # the day itself
    found = last_visits_before(customer_ids=[c1.pk, c2.pk, c3.pk], date=DAY)
    assert found == {c1.pk: DAY - dt.timedelta(3)}


# --- the day's list -----------------------------------------------------------------------


@pytest.fixture
def month(two_teams):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=DEC)
    weekly = CustomerFactory(manager=a1, code="K1", visit_frequency="weekly")
    monthly = CustomerFactory(manager=a1, code="K2", visit_frequency="monthly")
    fresh = CustomerFactory(manager=a1, code="K3", visit_frequency="weekly")
    checked = day_bounds(DAY)[0]
    VisitFactory(cycle=cycle, customer=monthly, date=DEC, checked_in_at=checked)
    VisitFactory(cycle=cycle, customer=fresh, date=DAY - dt.timedelta(2), checked_in_at=checked)
    return {
        **two_teams,
        "a1": a1,
        "cycle": cycle,
        "weekly": weekly,
        "monthly": monthly,
        "fresh": fresh,
        "fixture_customer": two_teams["customers"]["a1"],  # no frequency, never visited
    }


def codes(listing, listed_only=True):
    return [e.customer.code for e in listing.entries if e.listed or not listed_only]


def approve(cycle):
    cycle.plan_status = PlanStatus.APPROVED
    cycle.save()


def test_an_approved_plan_lists_the_days_planned_customers(month):
    approve(month["cycle"])
    PlannedVisitFactory(cycle=month["cycle"], customer=month["monthly"], date=DAY)
    PlannedVisitFactory(cycle=month["cycle"], customer=month["weekly"], date=DAY + dt.timedelta(1))
    listing = today_customers(cycle=month["cycle"], date=DAY)
    assert listing.rule == RULE_PLANNED and listing.by_plan
    assert codes(listing) == ["K2"]
    assert "周安排" in listing.rule_text


def test_an_approved_plan_without_customers_that_day_falls_back_to_frequency(month):
    approve(month["cycle"])
    PlannedVisitFactory(cycle=month["cycle"], customer=month["monthly"], date=DAY + dt.timedelta(1))
    listing = today_customers(cycle=month["cycle"], date=DAY)
    assert listing.rule == RULE_NO_PLANNED_DAY and "拜访频率" in listing.rule_text
    assert sorted(codes(listing)) == ["C-a1", "K1"]


def test_a_plan_not_approved_lists_by_frequency_even_with_planned_days(month):
    PlannedVisitFactory(cycle=month["cycle"], customer=month["monthly"], date=DAY)
    listing = today_customers(cycle=month["cycle"], date=DAY)
    assert listing.rule == RULE_NOT_APPROVED and "尚未批准" in listing.rule_text
    # weekly K1 never visited, C-a1 never visited this month; K2 and K3 were served
    assert sorted(codes(listing)) == ["C-a1", "K1"]


def test_a_customer_visited_that_day_is_shown_even_if_not_due(month):
    checked = day_bounds(DAY)[0] + dt.timedelta(hours=9)
    visit = VisitFactory(
        cycle=month["cycle"], customer=month["fresh"], date=DAY, checked_in_at=checked
    )
    listing = today_customers(cycle=month["cycle"], date=DAY)
    entry = next(e for e in listing.entries if e.customer.code == "K3")
    assert not entry.listed and entry.visited and entry.visit == visit
    assert listing.visited_count == 1 and listing.listed_count == 2


def test_other_managers_and_inactive_customers_are_never_listed(month):
    CustomerFactory(manager=month["a1"], code="K9", status="inactive")
    listing = today_customers(cycle=month["cycle"], date=DAY)
    assert set(codes(listing, listed_only=False)) == {"C-a1", "K1"}


def test_entries_carry_the_months_marks_without_removed_actions(month):
    cycle, weekly = month["cycle"], month["weekly"]
    MarketingActionFactory(cycle=cycle, customer=weekly, text="计划动作")
    MarketingActionFactory(cycle=cycle, customer=weekly, text="临时任务", temporary=True)
    MarketingActionFactory(cycle=cycle, customer=weekly, text="已完成", done_at=timezone.now())
    MarketingActionFactory(cycle=cycle, customer=weekly, text="已删除", removed_at=timezone.now())
    listing = today_customers(cycle=cycle, date=DAY)
    entry = next(e for e in listing.entries if e.customer == weekly)
    assert [(a.mark, a.text) for a in entry.actions] == [
        ("☆", "计划动作"),
        ("★", "已完成"),
        ("●", "临时任务"),
    ]
    assert [a.text for a in entry.open_actions] == ["计划动作", "临时任务"]


def test_the_list_is_in_route_order(month):
    for code, lon in (("K1", "103.30"), ("C-a1", "103.00")):
        customer = month["weekly"] if code == "K1" else month["fixture_customer"]
        customer.latitude, customer.longitude = Decimal("36.0"), Decimal(lon)
        customer.save()
    extra = CustomerFactory(
        manager=month["a1"], code="A0", latitude=Decimal("36.0"), longitude=Decimal("103.29")
    )
    nowhere = CustomerFactory(manager=month["a1"], code="0-nowhere")
    listing = today_customers(cycle=month["cycle"], date=DAY)
    assert codes(listing) == [extra.code, "K1", "C-a1", nowhere.code]


def many_customers(a1, cycle, n=30):
    """n customers on the day's plan, each with actions, half of them visited."""
    approve(cycle)
    checked = day_bounds(DAY)[0] + dt.timedelta(hours=9)
    for i in range(n):
        customer = CustomerFactory(
            manager=a1,
            latitude=Decimal("36.0") + Decimal(i) / 1000,
            longitude=Decimal("103.8") + Decimal(i % 7) / 1000,
            phone="0931-1234567",
        )
        PlannedVisitFactory(cycle=cycle, customer=customer, date=DAY)
        MarketingActionFactory(cycle=cycle, customer=customer)
        MarketingActionFactory(cycle=cycle, customer=customer, temporary=True)
        if i % 2:
            VisitFactory(cycle=cycle, customer=customer, date=DAY, checked_in_at=checked)


def test_thirty_customers_cost_a_fixed_number_of_queries(two_teams, django_assert_max_num_queries):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=DEC)
    many_customers(a1, cycle)
    with django_assert_max_num_queries(6):
        listing = today_customers(cycle=cycle, date=DAY)
        assert sum(len(e.actions) for e in listing.entries) == 60
        assert listing.visited_count == 15


# --- pages --------------------------------------------------------------------------------


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def today(monkeypatch):
    """Today is a Thursday: the pages of a day off differ, and the tests must not depend on
    the weekday they run on."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return DAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return DAY


def test_the_menu_of_a_customer_manager_leads_to_todays_visits(client, two_teams):
    page = html(as_user(client, two_teams["cm"]["a1"]).get("/"))
    assert 'href="/visits/"' in page and "今日拜访" in page


def test_today_page_lists_the_customers_with_the_rule_and_links(client, two_teams, today):
    customer = two_teams["customers"]["a1"]
    customer.phone, customer.address = "0931 8888 123", "城关区盐场路399号"
    customer.save()
    page = html(as_user(client, two_teams["cm"]["a1"]).get("/visits/"))
    assert customer.name in page and customer.code in page and "城关区盐场路399号" in page
    assert 'href="tel:09318888123"' in page
    assert f'href="/visits/{today.isoformat()}/{customer.pk}/"' in page
    assert "列出依据" in page and "按拜访频率" in page
    assert two_teams["customers"]["a2"].name not in page
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert f'href="/visits/{yesterday}/"' in page


def test_a_visited_customer_shows_its_visit_time(client, two_teams, today):
    a1, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    cycle = CycleFactory(manager=a1, month=month_start(today))
    VisitFactory(
        cycle=cycle,
        customer=customer,
        date=today,
        checked_in_at=day_bounds(today)[0] + dt.timedelta(hours=9, minutes=5),
        checked_out_at=day_bounds(today)[0] + dt.timedelta(hours=9, minutes=35),
    )
    page = html(as_user(client, a1).get("/visits/"))
    assert "已拜访 09:05–09:35" in page


def test_a_future_day_has_no_visit_log_links(client, two_teams, today):
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    customer = two_teams["customers"]["a1"]
    page = html(as_user(client, two_teams["cm"]["a1"]).get(f"/visits/{tomorrow}/"))
    assert customer.name in page and f"/visits/{tomorrow}/{customer.pk}/" not in page


def test_the_date_picker_goes_to_the_picked_day(client, two_teams):
    response = as_user(client, two_teams["cm"]["a1"]).get("/visits/?date=2026-12-03")
    assert response.status_code == 302 and response["Location"] == "/visits/2026-12-03/"


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "0001-01-01"])
def test_a_bad_day_is_404(client, two_teams, bad):
    assert as_user(client, two_teams["cm"]["a1"]).get(f"/visits/{bad}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("mm_a", 200), ("mm_b", 404), ("a2", 404), ("b1", 404), ("admin", 200), ("brand", 200)],
)
def test_who_sees_a_team_members_day(client, two_teams, who, status):
    user = two_teams["cm"].get(who) or two_teams[who]
    response = as_user(client, user).get("/visits/a1/2026-12-03/")
    assert response.status_code == status


def test_the_market_manager_reads_a_members_day_without_log_links(client, two_teams):
    customer = two_teams["customers"]["a1"]
    page = html(as_user(client, two_teams["mm_a"]).get("/visits/a1/2026-12-03/"))
    assert customer.name in page and "只读" in page
    assert f"/visits/2026-12-03/{customer.pk}/" not in page
    assert "/visits/a1/2026-12-02/" in page  # the previous day, still the member's


def test_the_market_manager_picks_a_member_at_visits(client, two_teams, today):
    page = html(as_user(client, two_teams["mm_a"]).get("/visits/"))
    assert f"/visits/a1/{today.isoformat()}/" in page and f"/visits/a2/{today}/" in page
    assert "/visits/b1/" not in page


def test_a_customer_manager_opening_their_own_member_url_goes_to_their_day(client, two_teams):
    response = as_user(client, two_teams["cm"]["a1"]).get("/visits/a1/2026-12-03/")
    assert response.status_code == 302 and response["Location"] == "/visits/2026-12-03/"


def test_the_day_page_costs_a_bounded_number_of_queries(
    client, two_teams, django_assert_max_num_queries
):
    a1 = two_teams["cm"]["a1"]
    many_customers(a1, CycleFactory(manager=a1, month=DEC))
    as_user(client, a1)
    with django_assert_max_num_queries(12):
        page = html(client.get(f"/visits/{DAY.isoformat()}/"))
    assert page.count('class="visit-card') == 30


# --- the work calendar: days off ----------------------------------------------------------

SUNDAY = dt.date(2026, 12, 6)
OCT25 = dt.date(2025, 10, 1)
NATIONAL_DAY = dt.date(2025, 10, 1)  # a Wednesday, the first of 2025's 国庆节 days off
MAKE_UP_SATURDAY = dt.date(2025, 10, 11)  # 2025's 调休上班 after 国庆节


@pytest.fixture
def national_day():
    """2025's calendar around 国庆节: 1–8 October off, Saturday the 11th worked."""
    for day in range(1, 9):
        CalendarDay.objects.create(date=dt.date(2025, 10, day), name="国庆节")
    CalendarDay.objects.create(date=MAKE_UP_SATURDAY, is_workday=True, name="调休上班")


def test_a_sunday_lists_nobody_although_customers_are_due(month):
    due_on_thursday = today_customers(cycle=month["cycle"], date=DAY)
    assert len(codes(due_on_thursday)) == 2
    listing = today_customers(cycle=month["cycle"], date=SUNDAY)
    assert listing.rule == RULE_DAY_OFF and listing.day_off
    assert listing.entries == [] and listing.listed_count == 0
    assert listing.work_day.label == "休息日"


def test_a_visit_made_on_a_day_off_is_still_shown(month):
    checked = day_bounds(SUNDAY)[0] + dt.timedelta(hours=10)
    VisitFactory(cycle=month["cycle"], customer=month["weekly"], date=SUNDAY, checked_in_at=checked)
    listing = today_customers(cycle=month["cycle"], date=SUNDAY)
    assert [(e.customer.code, e.listed, e.visited) for e in listing.entries] == [
        ("K1", False, True)
    ]


def test_customers_arranged_on_a_day_off_are_listed_by_the_plan(month):
    approve(month["cycle"])
    PlannedVisitFactory(cycle=month["cycle"], customer=month["monthly"], date=SUNDAY)
    listing = today_customers(cycle=month["cycle"], date=SUNDAY)
    assert listing.rule == RULE_PLANNED and listing.day_off
    assert codes(listing) == ["K2"]


def test_a_holiday_on_a_wednesday_is_a_day_off_and_a_make_up_saturday_a_workday(
    two_teams, national_day
):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=OCT25)
    holiday = today_customers(cycle=cycle, date=NATIONAL_DAY)
    assert holiday.rule == RULE_DAY_OFF and holiday.entries == []
    assert holiday.work_day.label == "休息日（国庆节）"
    saturday = today_customers(cycle=cycle, date=MAKE_UP_SATURDAY)
    assert saturday.rule == RULE_NOT_APPROVED and not saturday.day_off
    assert codes(saturday) == ["C-a1"]
    # an ordinary Saturday stays a day off
    assert today_customers(cycle=cycle, date=dt.date(2025, 10, 18)).rule == RULE_DAY_OFF


def sunday_page(client, user, monkeypatch, path=None):
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return SUNDAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return html(as_user(client, user).get(path or "/visits/"))


def test_today_on_a_sunday_says_it_is_a_day_off_and_offers_monday(client, two_teams, monkeypatch):
    a1 = two_teams["cm"]["a1"]
    for _ in range(40):  # all due by frequency: a workday would be over capacity
        CustomerFactory(manager=a1, visit_frequency="weekly")
    page = sunday_page(client, a1, monkeypatch)
    assert "今天是休息日，没有拜访安排。" in page
    assert 'href="/visits/2026-12-07/"' in page and "下一个工作日 12-07 星期一" in page
    assert "超过每天约" not in page and 'class="visit-card' not in page
    assert "打印拜访单" not in page and "应拜访" not in page
    # the same customers on Monday: listed, and too many for one day
    monday = html(client.get("/visits/2026-12-07/"))
    assert monday.count('class="visit-card') == 41 and "超过每天约 30 户的服务能力" in monday
    assert "没有拜访安排" not in monday


def test_a_holiday_page_names_the_holiday_and_skips_to_the_next_workday(
    client, two_teams, national_day
):
    page = html(as_user(client, two_teams["cm"]["a1"]).get("/visits/2025-10-01/"))
    assert "这天是休息日（国庆节），没有拜访安排。" in page
    assert 'href="/visits/2025-10-09/"' in page and "下一个工作日 10-09 星期四" in page
    assert two_teams["customers"]["a1"].name not in page
    saturday = html(client.get("/visits/2025-10-11/"))
    assert two_teams["customers"]["a1"].name in saturday and "休息日" not in saturday


def test_the_market_manager_reading_a_day_off_is_offered_the_members_next_workday(
    client, two_teams
):
    page = html(as_user(client, two_teams["mm_a"]).get("/visits/a1/2026-12-05/"))
    assert "这天是休息日，没有拜访安排。" in page
    assert 'href="/visits/a1/2026-12-07/"' in page


def test_a_day_off_with_arranged_visits_lists_them_and_says_so(client, two_teams, monkeypatch):
    a1, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    cycle = CycleFactory(manager=a1, month=DEC, plan_status=PlanStatus.APPROVED)
    PlannedVisitFactory(cycle=cycle, customer=customer, date=SUNDAY)
    page = sunday_page(client, a1, monkeypatch)
    assert "今天是休息日，周安排仍安排了拜访。" in page
    assert page.count('class="visit-card') == 1 and customer.name in page
    assert 'href="/visits/2026-12-07/"' in page


def test_a_day_off_page_costs_a_bounded_number_of_queries(
    client, two_teams, django_assert_max_num_queries
):
    a1 = two_teams["cm"]["a1"]
    for _ in range(30):
        CustomerFactory(manager=a1, visit_frequency="weekly")
    as_user(client, a1)
    with django_assert_max_num_queries(12):
        page = html(client.get(f"/visits/{SUNDAY.isoformat()}/"))
    assert "没有拜访安排" in page


def test_a_weeks_lists_are_each_days_list_in_six_queries(month, django_assert_max_num_queries):
    """The visit sheet of a week reads all its days at once: the same customers, rules,
    marks, visits and last visits as each day's own list, in the queries of one day."""
    cycle, a1 = month["cycle"], month["a1"]
    approve(cycle)
    monday = DAY - dt.timedelta(days=3)
    PlannedVisitFactory(cycle=cycle, customer=month["weekly"], date=monday)
    PlannedVisitFactory(cycle=cycle, customer=month["monthly"], date=DAY)
    PlannedVisitFactory(cycle=cycle, customer=month["fresh"], date=DAY + dt.timedelta(days=3))
    MarketingActionFactory(cycle=cycle, customer=month["weekly"], text="调整陈列")
    VisitFactory(
        cycle=cycle,
        customer=month["weekly"],
        date=DAY - dt.timedelta(days=1),
        checked_in_at=day_bounds(DAY - dt.timedelta(days=1))[0],
    )
    CustomerFactory(manager=a1, code="K4", visit_frequency="biweekly")
    week = [monday + dt.timedelta(days=i) for i in range(7)]  # Wednesday: no plan, by frequency
    with django_assert_max_num_queries(6):
        lists = today_lists(cycle=cycle, dates=week)

    def seen(listing):
        return (
            listing.date,
            listing.rule,
            listing.work_day.is_workday,
            [
                (e.customer.code, e.listed, e.last_visit, e.visit and e.visit.pk)
                + (tuple(a.pk for a in e.actions),)
                for e in listing.entries
            ],
        )

    assert [seen(day) for day in lists] == [
        seen(today_customers(cycle=cycle, date=date)) for date in week
    ]
    rules = {day.date: day.rule for day in lists}
    assert rules[monday] == rules[DAY] == RULE_PLANNED
    assert rules[monday + dt.timedelta(days=2)] == RULE_NO_PLANNED_DAY
    assert rules[monday + dt.timedelta(days=5)] == RULE_DAY_OFF
