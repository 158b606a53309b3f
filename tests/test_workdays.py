"""The work calendar (工作日历, core.workdays): Monday–Friday by default, holidays and make-up
workdays entered by admins, and the pages that go by it — the weekly arrangement and the
visit audit. Today's list on a day off is in test_today.py."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from core.models import CalendarDay
from core.workdays import (
    calendar_days,
    is_workday,
    month_days,
    next_workday,
    work_day,
    workdays_in,
)
from tests.factories import SHANGHAI, CycleFactory, PlannedVisitFactory, VisitFactory

OCT = dt.date(2025, 10, 1)  # 国庆节: 1–8 October off, Saturday the 11th worked (调休上班)


@pytest.fixture
def national_day(db):
    for day in range(1, 9):
        CalendarDay.objects.create(date=dt.date(2025, 10, day), name="国庆节")
    CalendarDay.objects.create(date=dt.date(2025, 10, 11), is_workday=True, name="调休上班")


# --- the calendar -------------------------------------------------------------------------


@pytest.mark.django_db
def test_by_default_weekdays_are_worked_and_weekends_are_off():
    week = [dt.date(2026, 12, 7) + dt.timedelta(days=i) for i in range(7)]  # Monday–Sunday
    assert [is_workday(d) for d in week] == [True] * 5 + [False] * 2
    assert next_workday(dt.date(2026, 12, 4)) == dt.date(2026, 12, 7)  # Friday → Monday
    assert next_workday(dt.date(2026, 12, 6)) == dt.date(2026, 12, 7)  # Sunday → Monday
    assert next_workday(dt.date(2026, 12, 7)) == dt.date(2026, 12, 8)  # always after the day
    assert len(workdays_in(dt.date(2026, 12, 1))) == 23


def test_holidays_and_make_up_days_turn_the_default(national_day):
    assert not is_workday(dt.date(2025, 10, 1))  # a Wednesday
    assert work_day(dt.date(2025, 10, 1)).label == "休息日（国庆节）"
    assert work_day(dt.date(2025, 10, 4)).label == "休息日（国庆节）"  # a named Saturday
    assert is_workday(dt.date(2025, 10, 11))  # a Saturday
    assert work_day(dt.date(2025, 10, 11)).label == "工作日（调休上班）"
    assert work_day(dt.date(2025, 10, 9)).label == "工作日"
    assert next_workday(dt.date(2025, 9, 30)) == dt.date(2025, 10, 9)  # over the whole break
    assert next_workday(dt.date(2025, 10, 10)) == dt.date(2025, 10, 11)  # Friday → Saturday
    # 23 weekdays, 6 of them holidays, and one worked Saturday
    october = workdays_in(OCT)
    assert len(october) == 18 and dt.date(2025, 10, 11) in october
    assert dt.date(2025, 10, 1) not in october and october[0] == dt.date(2025, 10, 9)


def test_each_read_is_one_query_whatever_the_span(national_day, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(month_days(OCT)) == 31
    with django_assert_num_queries(1):
        days = calendar_days(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert sum(not day.is_workday for day in days.values()) == 104 + 6 - 1
    with django_assert_num_queries(1):
        next_workday(dt.date(2025, 10, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date", "is_workday_", "name", "ok"),
    [
        (dt.date(2025, 10, 1), False, "国庆节", True),  # a weekday off
        (dt.date(2025, 10, 11), True, "调休上班", True),  # a Saturday worked
        (dt.date(2025, 10, 4), False, "国庆节", True),  # a weekend day named
        (dt.date(2025, 10, 9), True, "", False),  # a weekday "worked": changes nothing
        (dt.date(2025, 10, 12), False, " ", False),  # a Sunday "off": changes nothing
    ],
)
def test_a_row_that_changes_nothing_is_refused(date, is_workday_, name, ok):
    row = CalendarDay(date=date, is_workday=is_workday_, name=name)
    if ok:
        row.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            row.full_clean()
        assert "本来就是" in str(refused.value)


# --- admin ---------------------------------------------------------------------------------


def test_an_admin_adds_a_holiday_and_sees_the_calendar(admin_client, national_day):
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2026-10-01", "name": "国庆节"}
    )
    assert response.status_code == 302
    assert not is_workday(dt.date(2026, 10, 1))
    page = admin_client.get("/admin/core/calendarday/").content.decode()
    assert "国庆节" in page and "调休上班" in page and "星期三" in page
    # a Friday "worked" changes nothing
    same = {"date": "2026-10-02", "is_workday": "on", "name": ""}
    refused = admin_client.post("/admin/core/calendarday/add/", same)
    assert refused.status_code == 200 and "本来就是工作日" in refused.content.decode()
    assert CalendarDay.objects.filter(date=dt.date(2026, 10, 2)).count() == 0


# --- pages that go by it --------------------------------------------------------------------


def test_the_weekly_arrangement_marks_days_off_and_counts_workdays(client, two_teams, national_day):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=OCT)
    PlannedVisitFactory(cycle=cycle, customer=two_teams["customers"]["a1"], date=OCT)
    client.force_login(a1)
    page = client.get("/plans/a1/2025-10/schedule/").content.decode()
    assert "本月 18 个工作日" in page
    found = re.findall(r'<td class="([a-z ]*)">\s*<a href="[^"]*/(\d{4}-\d\d-\d\d)/"', page)
    cells = {date: css for css, date in found}
    assert cells["2025-10-01"] == "busy off"  # planned on a holiday: shown, and off
    assert cells["2025-10-02"] == " off" and cells["2025-10-05"] == " off"
    assert cells["2025-10-09"] == "" and cells["2025-10-11"] == ""  # Saturday worked
    assert page.count(">调休上班</small>") == 1 and page.count(">国庆节</small>") == 8
    day = client.get("/plans/a1/2025-10/schedule/2025-10-01/").content.decode()
    assert "这天是休息日（国庆节），一般不安排拜访。" in day
    worked = client.get("/plans/a1/2025-10/schedule/2025-10-11/").content.decode()
    assert "一般不安排拜访" not in worked and "工作日（调休上班）" in worked


def test_the_visit_audit_flags_empty_workdays_by_the_calendar(client, two_teams, national_day):
    a1 = two_teams["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=OCT)
    checked = dt.datetime(2025, 10, 9, 9, tzinfo=SHANGHAI)
    VisitFactory(
        cycle=cycle,
        customer=two_teams["customers"]["a1"],
        date=dt.date(2025, 10, 9),
        checked_in_at=checked,
        checked_out_at=checked + dt.timedelta(minutes=10),
    )
    client.force_login(two_teams["mm_a"])
    page = client.get("/visits/audit/?month=2025-10&manager=a1").content.decode()
    rows = re.findall(r'<tr( class="weekend")?>\s*<th>(\d+) ', page)
    days_off = {int(day) for css, day in rows if css}
    assert days_off == {1, 2, 3, 4, 5, 6, 7, 8, 12, 18, 19, 25, 26}  # shaded rows
    states = dict(re.findall(r'<th>(\d+) .*?</th>\s*<td class="num ([a-z]*)"', page, re.S))
    assert states["1"] == "" and states["8"] == ""  # holiday weekdays: no flag
    assert states["9"] == ""  # visited
    assert states["10"] == "zero" and states["11"] == "zero"  # Friday, make-up Saturday
    assert states["12"] == ""  # an ordinary Sunday
