"""No GET writes (issue #12, point 6).

Every GET of the URL × role matrix (tests/test_access_matrix.py: its world, rules and
cases), and every POST the matrix says is answered like a GET, is asked with the SQL it
runs captured: not one INSERT, UPDATE or DELETE, and every table's row count the same
afterwards. The only writes a GET may make are named in ``ALLOWED_WRITES``: the feed's read
receipts (opening a feed marks it read, DESIGN.md's unread counts) and the session row.

The plan URLs are asked again for two months nobody has started (no cycle row): a month
ahead and a month past. Their pages must render, with the same answers as a started month,
from an unsaved default cycle, and still write nothing. Every export is asked as if it were
large (``EXPORT_SYNC_MAX_ROWS=-1``), so the GETs take the path that used to queue a job.

Before those (the matrix's world lives to the end of the module), the rest of point 6, one
behaviour each: plan months outside the window are 404; a cycle is created by its customer
manager's first write and by nobody's read; a visit by the first POST of its log, once; a
big export by a POST, reused when asked again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from core.models import ExportJob
from core.months import add_months, current_month
from cycle.models import Cycle, FeedRead, MarketingAction, Visit
from tests import test_access_matrix as matrix
from tests.factories import CycleFactory, MarketingActionFactory

pytestmark = pytest.mark.django_db

# the matrix's module-scoped world, built again for this module
world = matrix.world
no_pdf_rendering = matrix.no_pdf_rendering

READ_RECEIPTS = FeedRead._meta.db_table
ALLOWED_WRITES = {READ_RECEIPTS, Session._meta.db_table}

WRITE_SQL = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?([\w.]+)"?',
    re.IGNORECASE,
)


def written_table(sql: str) -> str | None:
    """The table an INSERT/UPDATE/DELETE statement writes, None for any other statement."""
    match = WRITE_SQL.match(sql)
    return match.group(1) if match else None


def _tables() -> list[str]:
    models = apps.get_models(include_auto_created=True)
    return sorted(
        {m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy} - ALLOWED_WRITES
    )


def row_counts() -> dict[str, int]:
    """Every table's row count, in one query."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {quote(t)}" for t in _tables())
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def test_the_write_detector_sees_writes():
    assert written_table('INSERT INTO "cycle_cycle" ("manager_id") VALUES (1)') == "cycle_cycle"
    assert written_table('UPDATE "reports_exportjob" SET "status" = 1') == "reports_exportjob"
    assert written_table('DELETE FROM "cycle_visit" WHERE 1') == "cycle_visit"
    assert written_table('SELECT "cycle_cycle"."id" FROM "cycle_cycle"') is None
    assert "cycle_cycle" in row_counts() and READ_RECEIPTS not in row_counts()


# --- plan months: a window, and no cycle from reading -------------------------------------


def _month(delta: int) -> str:
    return f"{add_months(current_month(), delta):%Y-%m}"


@pytest.mark.parametrize("month", ["1999-01", "2099-12", _month(-25), _month(3)])
def test_a_plan_month_outside_the_window_is_404(client, two_teams, month):
    client.force_login(two_teams["cm"]["a1"])
    for path in ("", "evaluation/", "schedule/", "tasks/", "forecasts/"):
        assert client.get(f"/plans/a1/{month}/{path}").status_code == 404
    assert client.post(f"/plans/a1/{month}/goals/", {"goal_volume": "5"}).status_code == 404
    # the analysis of the month before writes its problems into this month's plan
    before = f"{add_months(dt.date.fromisoformat(month + '-01'), -1):%Y-%m}"
    problems = {"month": before, "problems": "x"}
    assert client.post("/analysis/manager/a1/problems/", problems).status_code == 404
    assert not Cycle.objects.exists()


@pytest.mark.parametrize("month", [_month(-24), _month(0), _month(2)])
def test_the_window_runs_from_24_months_back_to_2_ahead(client, two_teams, month):
    client.force_login(two_teams["cm"]["a1"])
    page = client.get(f"/plans/a1/{month}/")
    assert page.status_code == 200
    assert "本月计划尚未开始" in page.content.decode()
    assert not Cycle.objects.exists()


def test_a_visit_day_outside_the_window_is_404(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    assert client.get("/visits/1999-01-04/").status_code == 404
    customer = two_teams["customers"]["a1"]
    assert client.get(f"/visits/1999-01-04/{customer.pk}/").status_code == 404
    assert not Cycle.objects.exists() and not Visit.objects.exists()


PLAN_PAGES = ("", "evaluation/", "schedule/", "tasks/", "tasks.xlsx", "forecasts/", "plan.pdf")


@pytest.mark.parametrize("who", ["brand", "admin", "mm_a", "a1"])
def test_opening_someone_s_unstarted_plan_creates_nothing(client, two_teams, who):
    """The brand manager (and anyone) reading a month nobody has started: its pages render
    from an unsaved cycle; no cycle is created in the customer manager's name."""
    user = two_teams["cm"]["a1"] if who == "a1" else two_teams[who]
    client.force_login(user)
    month = _month(0)
    for path in PLAN_PAGES:
        assert client.get(f"/plans/a1/{month}/{path}").status_code == 200, path
    assert client.get(f"/plans/a1/{month}/schedule/{month}-01/").status_code == 200
    assert client.get(f"/analysis/manager/a1/?month={_month(-1)}").status_code == 200
    assert not Cycle.objects.exists()


def test_the_home_page_shows_the_five_steps_without_a_cycle(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    page = client.get("/")
    assert page.status_code == 200
    text = page.content.decode()
    for step in ("分析", "计划", "实施", "评估", "改进"):
        assert step in text
    assert not Cycle.objects.exists()


def test_the_days_list_and_its_sheets_create_no_cycle(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    assert client.get("/visits/").status_code == 200
    # a week that starts in the previous month: both months are read, neither is created
    month = next(add_months(current_month(), -k) for k in range(1, 8) if _starts_midweek(k))
    assert client.get(f"/visits/{month.isoformat()}/").status_code == 200
    for sheet in ("", "week/"):
        response = client.get(f"/visits/{sheet}{month.isoformat()}/sheet.pdf")
        assert response.status_code == 200, sheet
    assert not Cycle.objects.exists()


def _starts_midweek(k: int) -> bool:
    return add_months(current_month(), -k).weekday() != 0


# --- the first write creates the cycle ----------------------------------------------------


def test_the_customer_managers_first_write_creates_the_cycle_once(client, two_teams):
    cm, customer = two_teams["cm"]["a1"], two_teams["customers"]["a1"]
    client.force_login(cm)
    month = _month(1)
    base = f"/plans/a1/{month}/"
    response = client.post(base + "goals/", {"goal_volume": "120", "focus": "新品上柜"})
    assert response.status_code == 302
    cycle = Cycle.objects.get()
    assert (cycle.manager, cycle.goal_volume, cycle.focus) == (cm, 120, "新品上柜")
    client.post(base + "actions/add/", {"customer": customer.pk, "text": "陈列检查"})
    assert Cycle.objects.count() == 1
    assert MarketingAction.objects.get().cycle == cycle
    # the page now shows the started plan
    page = client.get(base).content.decode()
    assert "陈列检查" in page and "本月计划尚未开始" not in page


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("generate/", {}),
        ("actions/add/", {"customer": "CUSTOMER", "text": "陈列检查"}),
        ("forecasts/", {"qCUSTOMER": "12"}),
        ("forecasts/CUSTOMER/", {"quantity": "12"}),
        ("schedule/MONTH-01/", {"customers": "CUSTOMER"}),
        ("evaluation/summary/", {"summary": "本月总结"}),
        ("weeks/MONDAY/summary/", {"text": "第一周小结"}),
        ("improvements/", {"kind": "market", "text": "改进", "due": "MONTH-20"}),
    ],
)
def test_each_write_of_an_unstarted_month_starts_it(client, two_teams, path, data):
    customer = two_teams["customers"]["a1"]
    client.force_login(two_teams["cm"]["a1"])
    first = add_months(current_month(), 1)
    monday = first + dt.timedelta(days=-first.weekday() + 7)

    def fill(text: str) -> str:
        text = text.replace("CUSTOMER", str(customer.pk)).replace("MONDAY", monday.isoformat())
        return text.replace("MONTH", f"{first:%Y-%m}")

    response = client.post(
        fill(f"/plans/a1/{first:%Y-%m}/{path}"), {fill(k): fill(v) for k, v in data.items()}
    )
    assert response.status_code in (200, 302), response.content.decode()[:500]
    assert Cycle.objects.filter(manager=two_teams["cm"]["a1"], month=first).count() == 1


def test_the_problems_of_the_analysis_start_next_months_cycle(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    response = client.post(
        "/analysis/manager/a1/problems/", {"month": _month(-1), "problems": "覆盖不足"}
    )
    assert response.status_code == 302
    assert Cycle.objects.get(month=current_month()).problems == "覆盖不足"


@pytest.mark.parametrize("name", ["approve", "reject"])
def test_a_decision_on_an_unstarted_plan_is_refused_and_creates_nothing(client, two_teams, name):
    client.force_login(two_teams["mm_a"])
    response = client.post(f"/plans/a1/{_month(0)}/do/{name}/", {"comment": "不行"})
    assert response.status_code == 409
    assert not Cycle.objects.exists()


def test_nobody_else_starts_a_month(client, two_teams):
    client.force_login(two_teams["cm"]["a2"])
    assert client.post(f"/plans/a1/{_month(0)}/goals/", {"goal_volume": "1"}).status_code == 404
    client.force_login(two_teams["mm_a"])
    assert client.post(f"/plans/a1/{_month(0)}/goals/", {"goal_volume": "1"}).status_code == 403
    assert not Cycle.objects.exists()


# --- the visit log ------------------------------------------------------------------------


@pytest.fixture
def log(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    customer = two_teams["customers"]["a1"]
    today = timezone.localdate()
    return {
        "url": f"/visits/{today.isoformat()}/{customer.pk}/",
        "customer": customer,
        "today": today,
        "client": client,
    }


def test_opening_a_visit_log_creates_no_visit_and_no_cycle(log):
    page = log["client"].get(log["url"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "进店签到" in text and "js/visit_log.js" in text  # the offline copy works at once
    assert f'data-visit="{log["today"].isoformat()}:{log["customer"].pk}"' in text
    assert not Visit.objects.exists() and not Cycle.objects.exists()


def test_the_first_post_creates_the_visit_and_later_ones_update_it(log):
    client = log["client"]
    saved = client.post(
        log["url"] + "save/feeling/", {"feeling": "店主很配合"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-saved="1"' in saved.content.decode()
    visit = Visit.objects.get()
    assert visit.feeling == "店主很配合" and visit.method == log["customer"].visit_method
    client.post(log["url"] + "save/checkin/", HTTP_HX_REQUEST="true")
    client.post(log["url"] + "save/feeling/", {"feeling": "又聊了新品"}, HTTP_HX_REQUEST="true")
    assert Visit.objects.count() == 1 and Cycle.objects.count() == 1
    visit.refresh_from_db()
    assert visit.feeling == "又聊了新品" and visit.checked_in_at is not None


def test_a_double_submit_of_the_whole_form_makes_one_visit(log):
    for _ in range(2):
        response = log["client"].post(log["url"], {"op": "save", "feeling": "双击了两次"})
        assert response.status_code == 302
    assert Visit.objects.get().feeling == "双击了两次"


def test_a_refused_whole_form_creates_no_visit(log):
    response = log["client"].post(log["url"], {"op": "task", "task": ""})
    assert response.status_code in (200, 400)
    assert not Visit.objects.exists()


def test_a_mark_on_the_log_creates_the_visit_it_is_done_on(log, two_teams):
    cycle = CycleFactory(manager=two_teams["cm"]["a1"], month=current_month())
    action = MarketingActionFactory(cycle=cycle, customer=log["customer"])
    assert not Visit.objects.exists()
    log["client"].post(
        log["url"] + "save/mark/", {"mark": f"{action.pk}:1"}, HTTP_HX_REQUEST="true"
    )
    action.refresh_from_db()
    assert action.done_visit == Visit.objects.get()


# --- exports ------------------------------------------------------------------------------


@override_settings(EXPORT_SYNC_MAX_ROWS=0)
@pytest.mark.parametrize(
    "url",
    [
        "/customers/export.xlsx?market_type=urban",
        "/visits/audit.xlsx?manager=a1",
    ],
)
def test_a_big_export_is_asked_for_by_post_and_asked_again_reuses_it(client, two_teams, url):
    client.force_login(two_teams["mm_a"])
    page = client.get(url)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert 'method="post"' in text and "csrfmiddlewaretoken" in text
    assert not ExportJob.objects.exists()
    first = client.post(url)
    assert first.status_code == 302 and first["Location"].startswith("/exports/")
    second = client.post(url)
    assert second["Location"] == first["Location"]
    assert ExportJob.objects.count() == 1


# --- every GET of the matrix (last in the file: the matrix's module-scoped world lives from
# its first case to the end of the module, and the tests above build their own) -----------


def _month_routes() -> set[str]:
    """The URL names whose route has a plan month (``<str:month>``)."""
    names = set()

    def walk(patterns, namespace: str, route: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                inner = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, inner, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and "<str:month>" in route + str(pattern.pattern):
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", "")
    return names


# a month of each kind nobody has started: ahead (not begun) and past (over)
UNSTARTED = {"ahead": 1, "past": -3}


def _safe_cases():
    month_routes = _month_routes()
    for param in matrix.access_cases():
        name, rule, _target, _role, method, _token = param.values
        if method == "POST" and rule.post != matrix.LIKE_GET:
            continue
        yield pytest.param(*param.values, "", id=param.id)
        if name in month_routes:
            for label in UNSTARTED:
                yield pytest.param(*param.values, label, id=f"{param.id}-{label}")


def _unstarted(w: matrix.World, label: str) -> matrix.World:
    """The world's URLs pointed at a month without cycles."""
    month = add_months(current_month(), UNSTARTED[label])
    assert not Cycle.objects.filter(month=month).exists()
    monday = month - dt.timedelta(days=month.weekday())
    return dataclasses.replace(
        w, month=f"{month:%Y-%m}", first_day=month.isoformat(), monday=monday.isoformat()
    )


@pytest.mark.parametrize(
    ("name", "rule", "target", "role", "method", "token", "unstarted"), list(_safe_cases())
)
def test_a_get_writes_nothing(world, client, name, rule, target, role, method, token, unstarted):
    w = _unstarted(world, unstarted) if unstarted else world
    before = row_counts()
    with (
        override_settings(EXPORT_SYNC_MAX_ROWS=-1),  # every export counts as large
        CaptureQueriesContext(connection) as queries,
    ):
        url, response = matrix.ask(client, w, name, rule, target, role, method)
    writes = [
        q["sql"][:160]
        for q in queries.captured_queries
        if written_table(q["sql"]) not in (None, *ALLOWED_WRITES)
    ]
    assert not writes, f"{method} {url} as {role} wrote: {writes}"
    after = row_counts()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"{method} {url} as {role} changed row counts: {changed}"
    # and it is the answer the matrix expects: the page renders without a cycle row too
    problem = matrix.answer_problem(response, token)
    assert problem is None, f"{method} {url} as {role}: {problem}"
