"""The offline-first day (issue #18, point 1) in Chromium on a phone-sized screen.

Today's list is opened online (the service worker keeps the day's pages); the connection
drops; the manager opens a customer, checks in, marks an action ★, records a shelf check and
checks out — each queued on the device (IndexedDB) with its id and the tap time, the
indicator counting up. Back online the queue is sent: the server has exactly those records
with the device's tap times, the indicator counts down to 0, and sending the same queue again
changes nothing."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone

from core.months import month_start
from cycle.models import ClientWrite, MarketingAction, PlanStatus, ShelfPhoto, Visit
from cycle.views import visits as visits_views
from markets.models import InventoryCheck, PriceCheck, ShelfCheck
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
    SkuFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect

PHONE = 375
NAMES = ["东站便利店", "西街烟酒店", "南湖超市"]

# the queue as the test reads it: field, tap time, url and the text values sent
ITEMS_JS = """() => window.syncQueue.items().then((items) => items
  .sort((a, b) => a.seq - b.seq)
  .map((i) => ({field: i.field, tapped_at: i.tapped_at, url: i.url,
                entries: i.entries.filter((e) => typeof e[1] === "string")})))"""

# the queue as the device holds it, files included, kept in the page to send again later
KEEP_JS = """() => window.syncQueue.items().then((items) => {
  window.keptItems = items.sort((a, b) => a.seq - b.seq);
})"""

# the queue sent again by hand, as a device would after losing the answers
REPLAY_JS = """async () => {
  const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  const states = [];
  for (const item of window.keptItems) {
    const body = new FormData();
    item.entries.forEach(([name, value]) => body.append(name, value));
    const response = await fetch(item.url, {method: "POST", body, headers: {
      "X-CSRFToken": token, "HX-Request": "true", "X-Sync-Queue": "1"}});
    states.push(response.status + " " + response.headers.get("X-Sync"));
  }
  return states;
}"""

# every count the indicator shows from now on
WATCH_JS = """() => {
  window.seenCounts = [];
  const line = document.getElementById("sync-line");
  new MutationObserver(() => window.seenCounts.push(Number(line.dataset.count)))
    .observe(line, {attributes: true, childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture
def day():
    """Customer manager ``cm`` with an approved plan whose weekly arrangement has three
    customers today (listed even on a weekend), one planned action and a key SKU."""
    today = timezone.localdate()
    cm = CustomerManagerFactory(username="cm", name="陈经理", team=TeamFactory(code="OFF"))
    sku = SkuFactory(name="云烟(紫)", brand=BrandFactory(name="云烟"), is_key_brand=True)
    cycle = CycleFactory(manager=cm, month=month_start(today), plan_status=PlanStatus.APPROVED)
    customers = [
        CustomerFactory(manager=cm, code=f"OFF{n:04d}", name=name) for n, name in enumerate(NAMES)
    ]
    for customer in customers:
        PlannedVisitFactory(cycle=cycle, customer=customer, date=today)
    action = MarketingActionFactory(cycle=cycle, customer=customers[1], text="推荐云烟(紫)上柜")
    return {"today": today, "customer": customers[1], "action": action, "sku": sku}


def _real_errors(session) -> list[str]:
    # offline, the browser reports each request it could not send; that is the point here
    return [
        e
        for e in session.errors
        if "favicon.ico" not in e
        and "ERR_INTERNET_DISCONNECTED" not in e
        and not ("status of 503" in e and "/feed/" in e)  # the offline page, on purpose
    ]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _photo() -> bytes:
    """A 2400 × 1800 JPEG with detail in it (the phone shrinks it before it is queued)."""
    import io

    from PIL import Image

    image = Image.effect_noise((2400, 1800), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def test_a_day_recorded_offline_reaches_the_server_once_with_the_tap_times(sign_in, day):
    customer, action, sku = day["customer"], day["action"], day["sku"]
    cm = sign_in("cm", width=PHONE)
    page, context = cm.page, cm.context
    line = page.locator("#sync-line")

    # --- online in the morning: today's list, the day kept on the device ------------------
    page.goto("/visits/")
    expect(page.locator(f"#customer-{customer.pk}")).to_be_visible()
    box = page.locator("#sync-box")
    expect(box).to_have_attribute("data-offline-ready", re.compile(r"^\d+$"), timeout=30_000)
    # the list (twice: /visits/ and /visits/<day>/) and the three customers' visit pages
    assert int(box.get_attribute("data-offline-ready")) == 2 + len(NAMES)
    expect(page.locator("#sync-ready")).to_contain_text("离线也能打开")
    expect(line).to_contain_text("待同步 0 条")
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # --- no connection: open a customer and record the visit --------------------------------
    context.set_offline(True)
    page.locator(f"#customer-{customer.pk} a[data-offline-page]").click()
    expect(page.locator("h1")).to_contain_text(customer.name)
    assert page.evaluate("typeof window.htmx") == "object", "htmx not served from the cache"
    expect(line).to_contain_text("待同步 0 条")

    page.locator("#times button", has_text="进店签到").click()
    expect(line).to_contain_text("待同步 1 条")
    expect(page.locator("#times dd").first.locator(".sync-badge")).to_have_text("待同步")

    page.locator(f"#act-{action.pk} button").click()
    expect(line).to_contain_text("待同步 2 条")
    expect(page.locator(f"#act-{action.pk} .mark")).to_have_text("★")
    expect(page.locator(f"#act-{action.pk} .sync-badge")).to_be_visible()

    page.locator(f'label.seg:has(input[name="shelf_{sku.pk}"][value="1"])').click()
    expect(line).to_contain_text("待同步 3 条")
    expect(page.locator(f"#st-shelf_{sku.pk} .sync-badge")).to_be_visible()

    # a shelf photo from the camera input: shrunk on the phone, queued with its file
    page.locator("[data-photo-form] input[type=file]").first.set_input_files(
        {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    expect(line).to_contain_text("待同步 4 条")

    page.locator("#times button", has_text="离店签离").click()
    expect(line).to_contain_text("待同步 5 条")
    expect(line).to_contain_text("离线")

    # a page the day did not keep answers that it is offline; the visit page, opened again
    # from the device's copy, shows what waits in the queue
    visit_url = page.url
    page.goto("/feed/")
    expect(page.locator("h1")).to_have_text("当前离线")
    page.goto(visit_url)
    expect(line).to_contain_text("待同步 5 条")
    expect(page.locator(f"#act-{action.pk} .sync-badge")).to_be_visible()
    expect(page.locator("#times dd").nth(1).locator(".sync-badge")).to_be_visible()
    expect(page.locator(f'input[name="shelf_{sku.pk}"][value="1"]')).to_be_checked()

    items = page.evaluate(ITEMS_JS)
    fields = ["checkin", "mark", f"shelf_{sku.pk}", "", "checkout"]  # "": the photo
    assert [i["field"] for i in items] == fields
    assert items[3]["url"].endswith("/photos/")
    page.evaluate(KEEP_JS)  # the queue with its files, to send again once it is gone
    assert not Visit.objects.exists(), "nothing reaches the server while offline"

    # --- back online: the queue is sent, the indicator counts down -------------------------
    page.evaluate(WATCH_JS)
    time.sleep(1.5)  # the sync happens visibly later than the taps
    back_online = timezone.now()
    context.set_offline(False)
    expect(line).to_contain_text("待同步 0 条", timeout=30_000)
    expect(line).not_to_contain_text("离线")
    counts = page.evaluate("window.seenCounts")
    seen = [n for i, n in enumerate(counts) if i == 0 or n != counts[i - 1]]
    assert seen[-1] == 0 and seen == sorted(seen, reverse=True), seen
    assert 3 in seen or 2 in seen or 1 in seen, seen  # it went down step by step

    taps = {i["field"]: _at(i["tapped_at"]) for i in items}
    visit = Visit.objects.get()
    assert visit.customer_id == customer.pk and visit.date == day["today"]
    assert visit.checked_in_at == taps["checkin"] < back_online
    assert visit.checked_out_at == taps["checkout"] < back_online
    marked = MarketingAction.objects.get(pk=action.pk)
    assert marked.done_at == taps["mark"] and marked.done_visit_id == visit.pk
    assert list(ShelfCheck.objects.values_list("customer_id", "sku_id", "on_shelf")) == [
        (customer.pk, sku.pk, True)
    ]
    assert not InventoryCheck.objects.exists() and not PriceCheck.objects.exists()
    assert ClientWrite.objects.count() == 4  # the photo is recorded by its own client_id
    photo = ShelfPhoto.objects.get()
    assert photo.visit_id == visit.pk and photo.taken_at == taps[""] < back_online
    assert str(photo.client_id) == dict(items[3]["entries"])["client_id"]
    assert photo.width <= 1600 and photo.bytes <= 300 * 1024
    # the page now shows what the server has
    expect(page.locator(".sync-badge")).to_have_count(0)
    expect(page.locator("#times")).to_contain_text(
        f"{timezone.localtime(taps['checkin']):%H:%M:%S}"
    )

    # --- the same queue once more: nothing changes -----------------------------------------
    before = Visit.objects.values().get()
    states = page.evaluate(REPLAY_JS)
    assert states == ["200 replayed"] * 5
    assert Visit.objects.values().get() == before
    assert MarketingAction.objects.get(pk=action.pk).done_at == taps["mark"]
    assert ShelfCheck.objects.count() == 1 and ClientWrite.objects.count() == 4
    assert ShelfPhoto.objects.count() == 1
    assert _real_errors(cm) == []


def test_what_the_server_refuses_stays_on_the_device_with_its_content(sign_in, day):
    """The month's results are submitted while the manager is offline: the queued text is
    not written, and the page keeps it under 未能同步 with the reason until it is removed."""
    customer = day["customer"]
    cm = sign_in("cm", width=PHONE)
    page, context = cm.page, cm.context
    line = page.locator("#sync-line")
    page.goto("/visits/")
    expect(page.locator("#sync-box")).to_have_attribute(
        "data-offline-ready", re.compile(r"^\d+$"), timeout=30_000
    )
    context.set_offline(True)
    page.locator(f"#customer-{customer.pk} a[data-offline-page]").click()
    page.fill("#f-feeling", "店主说下月要加大进货")
    page.locator("#f-info").click()  # leaving the field saves it: queued
    expect(line).to_contain_text("待同步 1 条")

    cycle = Visit._meta.get_field("cycle").related_model.objects.get(manager__username="cm")
    cycle.evaluation_status = PlanStatus.SUBMITTED
    cycle.save(update_fields=["evaluation_status"])
    context.set_offline(False)

    expect(line).to_contain_text("待同步 0 条", timeout=30_000)
    failed = page.locator("#sync-failed")
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("未能同步")
    expect(failed).to_contain_text("店主说下月要加大进货")
    expect(failed).to_contain_text("不能再修改")
    assert not Visit.objects.filter(feeling__contains="加大进货").exists()
    # still there on the next page, until the manager removes it
    page.goto("/visits/")
    expect(page.locator("#sync-failed")).to_contain_text("店主说下月要加大进货")
    page.locator("#sync-failed button", has_text="已处理").click()
    expect(page.locator("#sync-failed")).to_be_hidden()


def test_a_multipart_write_with_a_file_is_kept_and_sent_as_it_was(sign_in, day, monkeypatch):
    """The queue stores FormData with File values (IndexedDB keeps Blobs) and sends them
    again as multipart/form-data: the way the visit page's photo uploads go."""
    customer = day["customer"]
    cm = sign_in("cm", width=PHONE)
    page, context = cm.page, cm.context
    page.goto("/visits/")
    expect(page.locator("#sync-box")).to_have_attribute(
        "data-offline-ready", re.compile(r"^\d+$"), timeout=30_000
    )
    context.set_offline(True)
    page.locator(f"#customer-{customer.pk} a[data-offline-page]").click()
    url = f"/visits/{day['today'].isoformat()}/{customer.pk}/save/feeling/"
    page.evaluate(
        """(url) => {
          const body = new FormData();
          body.append("feeling", "货架照片已拍");
          body.append("photo", new File([new Uint8Array([255, 216, 255, 0, 1])], "shelf.jpg",
                                        {type: "image/jpeg"}));
          return window.syncQueue.submit({url, formData: body, target: "#st-feeling",
                                          label: "照片"});
        }""",
        url,
    )
    expect(page.locator("#sync-line")).to_contain_text("待同步 1 条")
    kept = page.evaluate(
        """() => window.syncQueue.items().then((items) => items[0].entries
          .filter(([name]) => name === "photo")
          .map(([, file]) => [file.name, file.type, file.size]))"""
    )
    assert kept == [["shelf.jpg", "image/jpeg", 5]]
    # what the server received (the live server runs in this process): the file itself
    received = []
    log_target = visits_views._log_target

    def spy(request, *args, **kwargs):
        received.extend((f.name, f.content_type, f.read()) for f in request.FILES.values())
        return log_target(request, *args, **kwargs)

    monkeypatch.setattr(visits_views, "_log_target", spy)
    context.set_offline(False)
    expect(page.locator("#sync-line")).to_contain_text("待同步 0 条", timeout=30_000)
    assert Visit.objects.get().feeling == "货架照片已拍"
    assert ClientWrite.objects.get().field == "feeling"
    assert received == [("shelf.jpg", "image/jpeg", bytes([255, 216, 255, 0, 1]))]
