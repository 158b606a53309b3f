"""Weekly summaries (周小结/体会) on the weekly arrangement page: written in place by the
customer manager for weeks that have begun, last week's shown beside the next week, read-only
for others and once the month's results are submitted."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from cycle.models import PlanStatus, WeeklySummary
from tests.factories import CycleFactory

NOV = dt.date(2026, 11, 1)  # a Sunday: the calendar's first week starts on Monday 10-26
SCHEDULE = "/plans/a1/2026-11/schedule/"
TODAY = dt.date(2026, 11, 18)  # a Wednesday: weeks up to 11-16 have begun


def url(monday: str) -> str:
    return f"/plans/a1/2026-11/weeks/{monday}/summary/"


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def week(page: str, monday: str) -> str:
    """The notes beside the calendar week starting on ``monday`` ('' when there are none)."""
    found = re.search(rf'<div class="week-notes" id="week-{monday}">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def plan(two_teams):
    return CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)


def test_save_in_place_then_clear(client, two_teams, plan):
    c = as_user(client, plan.manager)
    saved = c.post(url("2026-11-09"), {"text": "新品陈列到位 8 户"}, HTTP_HX_REQUEST="true")
    page = html(saved)
    assert saved.status_code == 200 and "<html" not in page
    assert 'id="week-2026-11-09"' in page and "已保存" in page and "新品陈列到位 8 户" in page
    assert WeeklySummary.objects.get(cycle=plan, week_start=dt.date(2026, 11, 9)).text == (
        "新品陈列到位 8 户"
    )
    c.post(url("2026-11-09"), {"text": "  "}, HTTP_HX_REQUEST="true")
    assert not WeeklySummary.objects.exists()


def test_without_javascript_a_post_redirects_back_to_the_calendar(client, two_teams, plan):
    c = as_user(client, plan.manager)
    response = c.post(url("2026-11-16"), {"text": "走访农网 40 户"})
    assert response.status_code == 302 and response["Location"] == SCHEDULE
    page = html(c.get(SCHEDULE))
    assert "周小结已保存" in page and "走访农网 40 户" in week(page, "2026-11-16")


def test_last_weeks_summary_shows_beside_the_next_week(client, two_teams, plan):
    WeeklySummary.objects.create(cycle=plan, week_start=dt.date(2026, 11, 2), text="断货两户")
    page = html(as_user(client, plan.manager).get(SCHEDULE))
    next_week = week(page, "2026-11-09")
    assert "上周小结" in next_week and "断货两户" in next_week
    assert "<textarea" in next_week and "断货两户</textarea>" not in next_week
    assert "断货两户</textarea>" in week(page, "2026-11-02")


def test_a_week_spanning_two_months_reads_the_other_months_summary(client, two_teams, plan):
    october = CycleFactory(manager=plan.manager, month=dt.date(2026, 10, 1))
    WeeklySummary.objects.create(cycle=october, week_start=dt.date(2026, 10, 19), text="十月第三周")
    WeeklySummary.objects.create(cycle=october, week_start=dt.date(2026, 10, 26), text="跨月这周")
    page = html(as_user(client, plan.manager).get(SCHEDULE))
    first = week(page, "2026-10-26")
    assert "上周小结" in first and "十月第三周" in first
    assert "跨月这周</textarea>" in first and "已带出 2026-10 月写的小结" in first
    assert "跨月这周" in week(page, "2026-11-02")  # as last week's


def test_only_weeks_that_have_begun_can_be_written(client, two_teams, plan):
    page = html(as_user(client, plan.manager).get(SCHEDULE))
    for monday in ("2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"):
        assert "<textarea" in week(page, monday), monday
    upcoming = week(page, "2026-11-23")
    assert "上周小结" in upcoming and "<textarea" not in upcoming
    assert week(page, "2026-11-30") == ""


def test_market_manager_reads_but_cannot_write(client, two_teams, plan):
    WeeklySummary.objects.create(cycle=plan, week_start=dt.date(2026, 11, 9), text="拜访 120 户")
    c = as_user(client, two_teams["mm_a"])
    page = html(c.get(SCHEDULE))
    assert "拜访 120 户" in week(page, "2026-11-09") and "<textarea" not in page
    assert c.post(url("2026-11-09"), {"text": "改掉"}).status_code == 403
    assert WeeklySummary.objects.get().text == "拜访 120 户"


def test_another_customer_manager_gets_404(client, two_teams, plan):
    response = as_user(client, two_teams["cm"]["a2"]).post(url("2026-11-09"), {"text": "x"})
    assert response.status_code == 404 and not WeeklySummary.objects.exists()


def test_a_closed_month_is_read_only_and_refuses_with_409(client, two_teams, plan):
    plan.evaluation_status = PlanStatus.SUBMITTED
    plan.save()
    c = as_user(client, plan.manager)
    page = html(c.get(SCHEDULE))
    assert "2026-11月的服务结果待审批，周小结不能再修改" in page and "<textarea" not in page
    # a stale tab: the whole calendar as it is now (read-only), the reason at the top
    refused = c.post(url("2026-11-09"), {"text": "补写一段"})
    assert refused.status_code == 409 and "不能再修改" in html(refused)
    assert '<ul class="messages">' in html(refused) and "<textarea" not in html(refused)
    in_place = c.post(url("2026-11-09"), {"text": "补写一段"}, HTTP_HX_REQUEST="true")
    assert in_place.status_code == 409 and in_place["HX-Redirect"] == SCHEDULE
    reloaded = html(c.get(SCHEDULE))  # the page htmx opens
    assert re.search(r'<ul class="messages"><li class="error">[^<]*不能再修改', reloaded)
    assert not WeeklySummary.objects.exists()


@pytest.mark.parametrize("monday", ["2026-12-07", "2026-10-19", "2026-11-10"])
def test_a_week_not_of_the_month_is_refused(client, two_teams, plan, monday):
    response = as_user(client, plan.manager).post(url(monday), {"text": "错周"})
    assert response.status_code == 400 and "这一周不在本月" in html(response)
    assert not WeeklySummary.objects.exists()


def test_a_bad_date_is_404(client, two_teams, plan):
    response = as_user(client, plan.manager).post(url("2026-11-99"), {"text": "x"})
    assert response.status_code == 404


def test_too_long_keeps_the_text_and_says_why(client, two_teams, plan):
    text = "字" * 5001
    response = as_user(client, plan.manager).post(
        url("2026-11-09"), {"text": text}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert "最多 5000 字" in page and f"{text}</textarea>" in page
    assert not WeeklySummary.objects.exists()
