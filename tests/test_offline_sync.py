"""The offline queue's server side (ARCHITECTURE.md, "The offline queue"): every field save
of the visit log takes ``client_id`` and ``tapped_at``; a write is applied once per id (a
replay changes nothing), check-in and check-out keep the tap time within the stated bounds,
a mark on an action removed meanwhile is kept as a note on the visit, a closed month is
answered to the queue (409, 未能同步) rather than by reloading the page. The plain form
(no JS) still saves, once per form. And the installable app: the service worker and the
manifest, served by the application."""

# ruff: noqa: F811  (the visit log's fixtures, imported from test_visit_log)
import datetime as dt
import json
import uuid
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from core.months import day_bounds, month_start
from cycle.models import ClientWrite, MarketingAction, PlanStatus, SyncOutcome, Visit
from cycle.services.sync import CLOCK_SKEW
from markets.models import ShelfCheck
from tests.factories import CycleFactory, VisitFactory
from tests.test_visit_log import HTMX, html, log, page_data, today  # noqa: F401  (shared)

QUEUE = {"HTTP_HX_REQUEST": "true", "HTTP_X_SYNC_QUEUE": "1"}


def queued(log, name, data=None, *, at=None, cid=None, headers=QUEUE):
    """A write as the device's queue sends it."""
    body = dict(data or {})
    body["client_id"] = str(cid or uuid.uuid4())
    if at is not None:
        body["tapped_at"] = at.isoformat()
    return log["client"].post(log["field"](name), body, **headers)


def earlier(minutes: int) -> dt.datetime:
    """A tap some minutes ago, on today (never before midnight)."""
    now = timezone.localtime()
    start = day_bounds(now.date())[0]
    return max(now - dt.timedelta(minutes=minutes), start + dt.timedelta(seconds=1))


# --- applied once ---------------------------------------------------------------------------


def test_check_in_and_out_keep_the_tap_time_not_the_sync_time(log):
    tap_in, tap_out = earlier(30), earlier(5)
    response = queued(log, "checkin", at=tap_in)
    assert response.status_code == 200 and response["X-Sync"] == "applied"
    assert "进店" in html(response) and f"{timezone.localtime(tap_in):%H:%M:%S}" in html(response)
    assert queued(log, "checkout", at=tap_out)["X-Sync"] == "applied"
    visit = Visit.objects.get()
    assert visit.checked_in_at == tap_in and visit.checked_out_at == tap_out
    assert ClientWrite.objects.count() == 2


def test_a_replay_changes_nothing(log):
    ids = {name: uuid.uuid4() for name in ("checkin", "mark", "task", "feeling", "shelf")}
    sku = log["sku"].pk
    writes = [
        ("checkin", {}, ids["checkin"]),
        ("mark", {"mark": f"{log['action'].pk}:1"}, ids["mark"]),
        ("task", {"task": "补货"}, ids["task"]),
        ("feeling", {"feeling": "顺利"}, ids["feeling"]),
        (f"shelf_{sku}", {f"shelf_{sku}": "1"}, ids["shelf"]),
    ]
    tap = earlier(20)
    for name, data, cid in writes:
        assert queued(log, name, data, at=tap, cid=cid)["X-Sync"] == "applied", name
    visit = Visit.objects.get()
    before = (visit.checked_in_at, visit.feeling, visit.updated_at)
    done_at = MarketingAction.objects.get(pk=log["action"].pk).done_at
    assert done_at == tap  # the mark keeps its tap time too
    for name, data, cid in writes:  # the whole queue once more (a lost answer, a retry)
        response = queued(log, name, data, at=timezone.now(), cid=cid)
        assert response.status_code == 200 and response["X-Sync"] == "replayed", name
    visit.refresh_from_db()
    assert (visit.checked_in_at, visit.feeling, visit.updated_at) == before
    assert MarketingAction.objects.filter(temporary=True).count() == 1
    assert MarketingAction.objects.get(pk=log["action"].pk).done_at == done_at
    assert ShelfCheck.objects.count() == 1 and ClientWrite.objects.count() == 5


def test_the_same_id_from_another_user_is_not_a_replay(log, two_teams, client, today):
    """Ids are per user: another manager's write with the same id is their own write."""
    cid = uuid.uuid4()
    assert queued(log, "feeling", {"feeling": "a1"}, cid=cid)["X-Sync"] == "applied"
    a2 = two_teams["cm"]["a2"]
    other = two_teams["customers"]["a2"]
    CycleFactory(manager=a2, month=month_start(today))
    client.force_login(a2)
    response = client.post(
        f"/visits/{today.isoformat()}/{other.pk}/save/feeling/",
        {"feeling": "a2", "client_id": str(cid)},
        **QUEUE,
    )
    assert response["X-Sync"] == "applied"
    assert set(Visit.objects.values_list("feeling", flat=True)) == {"a1", "a2"}


def test_without_a_client_id_a_field_saves_as_before(log):
    response = log["client"].post(log["field"]("feeling"), {"feeling": "顺利"}, **HTMX)
    assert response.status_code == 200 and "已保存" in html(response)
    assert Visit.objects.get().feeling == "顺利" and not ClientWrite.objects.exists()


# --- the tap time's bounds --------------------------------------------------------------------


def test_a_tap_in_the_future_is_clamped_to_when_the_server_received_it(log):
    before = timezone.now()
    queued(log, "checkin", at=timezone.now() + CLOCK_SKEW + dt.timedelta(hours=1))
    after = timezone.now()
    assert before <= Visit.objects.get().checked_in_at <= after


def test_a_tap_outside_the_visits_day_is_refused_and_nothing_is_recorded(log, today):
    yesterday = day_bounds(today)[0] - dt.timedelta(hours=2)
    response = queued(log, "checkin", at=yesterday)
    assert response.status_code == 200 and response["X-Sync"] == "refused"
    assert "签到、签离时间须在拜访当天" in html(response)
    assert "签到、签离时间须在拜访当天" in unquote(response["X-Sync-Message"])
    assert not ClientWrite.objects.exists()
    assert not Visit.objects.filter(checked_in_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("client_id", "not-a-uuid", "无法识别的同步编号"),
        ("tapped_at", "yesterday at noon", "无法识别的操作时间"),
        ("tapped_at", "2025-13-45T99:00:00+08:00", "无法识别的操作时间"),
    ],
)
def test_malformed_sync_fields_are_refused_in_chinese(log, field, value, message):
    body = {"feeling": "x", "client_id": str(uuid.uuid4()), field: value}
    response = log["client"].post(log["field"]("feeling"), body, **QUEUE)
    assert response.status_code == 200 and response["X-Sync"] == "refused"
    assert message in html(response)
    assert not Visit.objects.filter(feeling="x").exists()


def test_a_tap_time_without_an_offset_is_local_time(log):
    tap = timezone.localtime(earlier(10)).replace(microsecond=0)
    body = {"client_id": str(uuid.uuid4()), "tapped_at": tap.replace(tzinfo=None).isoformat()}
    log["client"].post(log["field"]("checkin"), body, **QUEUE)
    assert Visit.objects.get().checked_in_at == tap


# --- conflicts ---------------------------------------------------------------------------------


def test_a_mark_on_an_action_removed_meanwhile_is_kept_as_a_note(log):
    action = log["action"]
    MarketingAction.objects.filter(pk=action.pk).update(removed_at=timezone.now())
    cid = uuid.uuid4()
    response = queued(log, "mark", {"mark": f"{action.pk}:1"}, at=earlier(3), cid=cid)
    assert response.status_code == 200 and response["X-Sync"] == "kept"
    assert "已从计划中删除" in html(response)
    note = ClientWrite.objects.get()
    assert note.outcome == SyncOutcome.KEPT and "推荐云烟(紫)上柜" in note.note
    assert MarketingAction.objects.get(pk=action.pk).done_at is None
    page = html(log["client"].get(log["url"]))
    assert "同步备注" in page and "推荐云烟(紫)上柜" in page and "已从计划中删除" in page
    # sent again: still one note
    assert queued(log, "mark", {"mark": f"{action.pk}:1"}, cid=cid)["X-Sync"] == "replayed"
    assert ClientWrite.objects.count() == 1


def test_a_closed_month_answers_the_queue_without_reloading_the_page(log, today):
    queued(log, "feeling", {"feeling": "早上"})
    log["cycle"].refresh_from_db()
    log["cycle"].evaluation_status = PlanStatus.SUBMITTED
    log["cycle"].save()
    response = queued(log, "feeling", {"feeling": "晚了"})
    assert response.status_code == 409 and response["X-Sync"] == "refused"
    assert "HX-Redirect" not in response
    assert "不能再修改" in unquote(response["X-Sync-Message"]) and "不能再修改" in html(response)
    # the same write from the page itself (not the queue): the stale tab reloads, as before
    response = queued(log, "feeling", {"feeling": "晚了"}, headers=HTMX)
    assert response.status_code == 409 and response["HX-Redirect"] == log["url"]
    assert Visit.objects.get().feeling == "早上"


# --- the plain form, without JavaScript ----------------------------------------------------------


def test_the_plain_form_saves_without_javascript_once_per_form(log):
    page = html(log["client"].get(log["url"]))
    cid = page.split('name="client_id" value="', 1)[1].split('"', 1)[0]
    assert uuid.UUID(cid)
    data = page_data(log, feeling="顺利", shelf_SKU="1", task="补货") | {"client_id": cid}
    response = log["client"].post(log["url"], data)
    assert response.status_code == 302 and response["Location"] == log["url"]
    visit = Visit.objects.get()
    assert visit.feeling == "顺利" and ShelfCheck.objects.get().on_shelf is True
    assert MarketingAction.objects.filter(temporary=True).count() == 1
    # the browser sends the same form again (a double tap, "resend" after a lost answer)
    again = page_data(log, feeling="顺利", shelf_SKU="1", task="补货") | {"client_id": cid}
    assert log["client"].post(log["url"], again).status_code == 302
    assert MarketingAction.objects.filter(temporary=True).count() == 1
    # a new form (a new id) is a new save
    data = page_data(log, feeling="很好", op="checkin") | {"client_id": str(uuid.uuid4())}
    assert log["client"].post(log["url"], data).status_code == 302
    visit.refresh_from_db()
    assert visit.feeling == "很好" and visit.checked_in_at is not None


# --- what the pages carry ------------------------------------------------------------------------


def test_todays_list_asks_to_keep_the_day_and_shows_the_indicator(log, today):
    # visited today: listed whatever the calendar says (a weekend lists nobody else)
    VisitFactory(cycle=log["cycle"], customer=log["customer"], date=today)
    page = html(log["client"].get("/visits/"))
    assert 'id="sync-box"' in page and "data-prefetch" in page
    assert 'data-sw="/sw.js"' in page and "/static/js/offline.js" in page
    assert f'href="{log["url"]}" data-offline-page' in page
    assert 'aria-live="polite"' in page and "待同步 {n} 条 · 上次同步 {t}" in page
    assert 'rel="manifest" href="/manifest.webmanifest"' in page


def test_the_visit_log_carries_the_queue_and_the_indicator(log):
    page = html(log["client"].get(log["url"]))
    assert "data-sync-queue" in page and 'id="sync-line"' in page
    assert page.index("/static/js/offline.js") < page.index("/static/js/visit_log.js")
    assert "data-prefetch" not in page  # only today's list asks to keep the day


# --- the installable app ---------------------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_with_the_shell(client):
    response = client.get("/sw.js")
    body = html(response)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    for path in (
        "/static/css/app.css",
        "/static/django_htmx/htmx-2.min.js",
        "/static/js/offline.js",
    ):
        assert f'"{path}"' in body, path
    assert "__VERSION__" not in body and "当前离线" in body
    assert "http://" not in body and "https://" not in body  # nothing from elsewhere
    assert client.post("/sw.js").status_code == 405


def test_the_manifest_names_the_app_in_chinese_with_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"].startswith("135 工作法") and data["start_url"] == "/visits/"
    assert data["display"] == "standalone"
    sizes = {}
    for icon in data["icons"]:
        path = settings.BASE_DIR / icon["src"].removeprefix("/")
        assert path.exists(), icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                sizes[icon["src"]] = image.size
                assert f"{image.width}x{image.height}" == icon["sizes"]
    assert (192, 192) in sizes.values() and (512, 512) in sizes.values()


def test_the_content_security_policy_allows_the_worker_and_manifest_from_the_app(client):
    csp = client.get("/login/").headers.get("Content-Security-Policy", "")
    if not csp:
        pytest.skip("no CSP before Django 6")
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
