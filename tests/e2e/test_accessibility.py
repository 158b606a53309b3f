"""Accessibility (issue #14 point 3): axe-core, run in Chromium, finds no critical and no
serious WCAG 2.1 AA violation on any page a role can open.

The pages are not listed by hand: every URL of tests/test_access_matrix.py's ``RULES`` that
answers a role's GET with 200 is opened as that role (its "own" target), with the matrix's
own URL builders fed by a small but complete data set (customers with orders, last month's
indicators and warnings, a plan with actions and visit days, visits, forecasts, a feed, a
brand task, an import and an export job). Whatever is not a full HTML page (spreadsheets,
PDFs, htmx fragments, health checks) is skipped by its answer; a new page therefore gets
checked without touching this module, and ``MUST_SEE`` fails when a page family named in the
issue was not reached. Each role also gets the 404 and 403 pages, anonymous users the login
page, and the customer manager's phone pages are checked at 375 px with the menu open.

axe-playwright-python injects the axe-core build it bundles (nothing is fetched); before each
run every ``<details>`` is opened so that the content behind them is checked too."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.months import add_months, month_start
from cycle.models import ArrangementTarget, Cycle
from cycle.services import arrangement_post
from cycle.services.brand_tasks import Criteria, brand_task_send
from cycle.services.feed import guidance_post
from cycle.services.plan_generation import plan_generate
from cycle.services.schedule import schedule_set_day
from cycle.services.workflow import plan_submit
from imports.models import ImportJob
from reports.services import indicators_compute
from tests.e2e.conftest import PASSWORD
from tests.factories import (
    BrandFactory,
    CategoryNodeFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    ForecastFactory,
    ImprovementFactory,
    MarketingActionFactory,
    OrderLineFactory,
    SkuFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
)
from tests.test_access_matrix import (
    ROLES,
    RULES,
    World,
    _finished_export,
    _pick,
    _shelf_photo,
    case_url,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
STRATEGY_LIBRARY = importlib.import_module("cycle.migrations.0002_seed_strategy_library")

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"critical", "serious"}
# open every <details> and let the page react (its "toggle" events are queued tasks)
OPEN_ALL_DETAILS = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  return new Promise((done) => setTimeout(done, 50));
}"""
PHONE = 375
USERNAMES = {"cm": "cm", "mm": "mm", "brand": "bm", "admin": "boss"}
# Django's own admin (templates we do not write); tests/test_admin.py renders it
NOT_OURS = {"admin:index"}

# the page families issue #14 names: each must have been checked by at least one role
MUST_SEE = {
    "accounts:home",
    "accounts:login",
    "reports:manager",
    "reports:team",
    "reports:brands",
    "plans:detail",
    "plans:queue",
    "plans:schedule",
    "plans:schedule_day",
    "plans:forecasts",
    "plans:guidance",
    "plans:evaluation",
    "plans:tasks",
    "visits:today",
    "visits:day",
    "visits:log",
    "visits:audit",
    "feed:index",
    "feed:detail",
    "brand_tasks:list",
    "team:board",
    "customers:list",
    "customers:detail",
    "customers:edit",
    "brands:sku_list",
    "brands:sku_edit",
    "brands:brand_list",
    "brands:brand_detail",
    "brands:categories",
    "brands:mapping",
    "imports:upload",
    "imports:job",
    "exports:job",
    "error:404",
    "error:403",
}


# --- the data ------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path, settings) -> World:
    """Team TA (market manager ``mm``; customer managers ``cm`` with five customers and
    ``cm2``), team TB (``cm3``), brand manager ``bm`` and admin ``boss``; two months of
    orders with one customer falling, last month's indicators; this month's plan of ``cm``
    generated from them plus a manual action, today as a visit day with two visits, goals,
    forecasts, an improvement item, guidance and an arrangement, a brand task; an import
    job and each role's finished export. Shaped as tests/test_access_matrix.py's World."""
    settings.MEDIA_ROOT = tmp_path
    STRATEGY_LIBRARY.seed(apps, None)  # a flush by an earlier transactional test drops it
    today = timezone.localdate()
    month = month_start(today)
    last, before = add_months(month, -1), add_months(month, -2)

    mm = UserFactory(username="mm", name="马经理", role=Role.MARKET_MANAGER)
    team_a = TeamFactory(code="TA", name="城区营销部", market_manager=mm)
    team_b = TeamFactory(code="TB", name="郊区营销部")
    cm = CustomerManagerFactory(username="cm", name="陈经理", team=team_a)
    cm2 = CustomerManagerFactory(username="cm2", name="李经理", team=team_a)
    other = CustomerManagerFactory(username="cm3", name="王经理", team=team_b)
    bm = UserFactory(username="bm", name="白经理", role=Role.BRAND_MANAGER)
    boss = UserFactory(
        username="boss", name="管理员", role=Role.ADMIN, is_staff=True, is_superuser=True
    )

    key = SkuFactory(
        code="6901028000001", name="云烟(紫)", brand=BrandFactory(name="云烟"), is_key_brand=True
    )
    SkuFactory(code="6901028000002", name="红塔山(经典)", brand=BrandFactory(name="红塔山"))
    leaf = CategoryNodeFactory(name="一类烟", parent=CategoryNodeFactory(name="卷烟"))
    key.category = leaf
    key.save(update_fields=["category"])

    names = ["东站便利店", "西街烟酒店", "南湖超市", "北门食杂店", "中心商行"]
    customers = [
        CustomerFactory(
            manager=cm, code=f"A{n:04d}", name=name, phone="0871-6500000", address="人民路 1 号"
        )
        for n, name in enumerate(names, 1)
    ]
    theirs = CustomerFactory(manager=other, code="B0001", name="远郊商店")
    for customer in [*customers, theirs]:
        falling = customer is customers[0]
        for first_day, quantity in zip(
            (before, last), (100, 10) if falling else (20, 22), strict=True
        ):
            OrderLineFactory(
                customer=customer,
                sku=key,
                order_date=first_day + dt.timedelta(days=9),
                quantity=quantity,
                requested_quantity=quantity,
                amount=Decimal(quantity * 120),
            )
    indicators_compute(month=last)

    cycles = {
        "own": CycleFactory(
            manager=cm,
            month=month,
            goal_volume=600,
            goal_coverage=Decimal("85"),
            goal_visits=20,
            focus="稳住东站便利店",
            problems="东站便利店销量大幅下滑。",
        ),
        "other": CycleFactory(manager=other, month=month),
    }
    arrangement = arrangement_post(
        manager=cm,
        by=mm,
        text="本周重点走访城网客户",
        target=ArrangementTarget.MONTH_PLAN,
        month=month,
    )
    guidance_post(manager=cm, by=mm, text="注意预测偏差")
    plan_generate(cycle=cycles["own"], by=cm)
    actions = {
        "own": MarketingActionFactory(cycle=cycles["own"], customer=customers[1], text="陈列检查"),
        "other": MarketingActionFactory(cycle=cycles["other"], customer=theirs),
    }
    schedule_set_day(
        cycle=cycles["own"], by=cm, date=today, customer_ids=[c.pk for c in customers[:3]]
    )
    now = timezone.now()
    VisitFactory(
        cycle=cycles["own"],
        customer=customers[0],
        date=today,
        checked_in_at=now - dt.timedelta(minutes=20),
        checked_out_at=now - dt.timedelta(minutes=5),
        feeling="店主很配合",
    )
    VisitFactory(cycle=cycles["own"], customer=customers[1], date=today)
    for customer in customers:
        ForecastFactory(customer=customer, month=month, quantity=30)
    improvements = {k: ImprovementFactory(cycle=c) for k, c in cycles.items()}
    # a plan waiting for the market manager (the queue, the decision form)
    submitted = CycleFactory(manager=cm2, month=month, goal_volume=300, goal_visits=12)
    MarketingActionFactory(
        cycle=submitted, customer=CustomerFactory(manager=cm2, name="新华书报亭"), text="补货"
    )
    plan_submit(cycle=submitted, by=cm2)
    brand_task_send(by=bm, sku=key, month=month, content="本月推广云烟(紫)", criteria=Criteria())
    export_jobs = {r: _finished_export(u) for r, u in {"cm": cm, "mm": mm, "brand": bm}.items()}
    export_jobs |= {"admin": _finished_export(boss), "other": _finished_export(other)}
    export_jobs["anon"] = export_jobs["cm"]
    monday = month - dt.timedelta(days=month.weekday())
    return World(
        users={"anon": None, "cm": cm, "mm": mm, "brand": bm, "admin": boss},
        sessions={},
        managers={"own": cm, "other": other},
        teams={"own": team_a, "other": team_b},
        customers={"own": customers[0], "other": theirs},
        actions=actions,
        improvements=improvements,
        arrangements={"own": arrangement},
        category=leaf,
        sku=key,
        import_job=ImportJob.objects.create(
            kind="customers", filename="customers.csv", content=b"", created_by=boss
        ),
        export_jobs=export_jobs,
        photos={
            "own": _shelf_photo(cycles["own"], customers[0]),
            "other": _shelf_photo(cycles["other"], theirs),
        },
        month=f"{month:%Y-%m}",
        first_day=month.isoformat(),
        monday=monday.isoformat(),
        today=today.isoformat(),
        computed=f"{last:%Y-%m}",
    )


# --- the pages -----------------------------------------------------------------------------


def pages_for(world: World, role: str) -> list[tuple[str, str]]:
    """(label, URL) of every page the access matrix says ``role`` opens (200), plus the
    error pages: a URL that does not exist (404) and one the role may not open (403)."""
    index = ROLES.index(role)
    pages, forbidden = [], None
    for name in sorted(RULES):
        rules = RULES[name] if isinstance(RULES[name], tuple) else (RULES[name],)
        for rule in rules:
            token = _pick(rule.get[index], 0, len(rule.targets))
            if token == "200" and name not in NOT_OURS:
                pages.append((name, case_url(world, name, rule, rule.targets[0], role)))
            elif token == "403" and forbidden is None:
                forbidden = case_url(world, name, rule, rule.targets[0], role)
            break  # a name's variants are the same page
    pages.append(("error:404", "/no-such-page/"))
    if forbidden:
        pages.append(("error:403", forbidden))
    return pages


def _blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING]


def _describe(where: str, violations: list[dict]) -> str:
    lines = [where]
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:4]]
        more = f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else ""
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} — {len(v['nodes'])} node(s)")
        lines.append(f"      {'; '.join(targets)}{more}")
    return "\n".join(lines)


class Checker:
    """Runs axe on pages and keeps what it found (and what it skipped) for the report."""

    def __init__(self):
        self.axe = axe_sync.Axe()
        self.found: list[str] = []
        self.checked: dict[str, list[str]] = {}
        self.skipped: list[str] = []

    def check(self, page, label: str, *, role: str, width: int = 1280, menu: bool = False):
        if menu:  # the phone menu, opened as a user would
            page.get_by_role("button", name="菜单").click()
        page.evaluate(OPEN_ALL_DETAILS)
        results = self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_21_AA},
                # only the violations in full: the passes and the rest, one node each
                "resultTypes": ["violations"],
            },
        ).response
        self.checked.setdefault(label, []).append(role)
        bad = _blocking(results["violations"])
        if bad:
            self.found.append(_describe(f"{role} @ {width}px {label} {page.url}", bad))

    def visit(self, session, label: str, url: str, *, role: str) -> None:
        page = session.page
        answer = session.context.request.get(url, max_redirects=0)
        content_type = answer.headers.get("content-type", "")
        body = answer.text() if content_type.startswith("text/html") else ""
        if "<html" not in body[:300].lower():  # a file, a fragment, a redirect
            self.skipped.append(f"{role} {label} ({answer.status} {content_type or '-'})")
            return
        page.goto(url)
        self.check(page, label, role=role)


def test_every_page_of_every_role_passes_axe(sign_in, browser, live_server, world):
    """Desktop (1280 px): every page each role can open, its 404 and 403 pages, and the
    login page signed out."""
    started = time.monotonic()
    checker = Checker()
    for role in ("cm", "mm", "brand", "admin"):
        session = sign_in(USERNAMES[role])
        for label, url in pages_for(world, role):
            checker.visit(session, label, url, role=role)

    anonymous = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = anonymous.new_page()
    page.goto(reverse("accounts:login"))
    checker.check(page, "accounts:login", role="anon")
    page.goto("/no-such-page/")
    checker.check(page, "error:404", role="anon")
    anonymous.close()

    views = sum(map(len, checker.checked.values()))
    seconds = time.monotonic() - started
    print(f"\naxe: {views} page views checked in {seconds:.0f} s; not pages: {checker.skipped}")
    missing = sorted(MUST_SEE - set(checker.checked))
    assert not missing, f"pages never checked (data or rules changed?): {missing}"
    assert not checker.found, "critical/serious axe violations:\n" + "\n".join(checker.found)


def test_phone_pages_pass_axe_with_the_menu_open(sign_in, world):
    """375 px, the customer manager's field pages; the menu is opened through its button
    (which also proves it is a real, named button)."""
    checker = Checker()
    session = sign_in("cm", width=PHONE)
    page = session.page
    plan = reverse("plans:detail", kwargs={"username": "cm", "month": world.month})
    log = reverse(
        "visits:log", kwargs={"date": world.today, "customer_id": world.customers["own"].pk}
    )
    for label, url in [
        ("accounts:home", reverse("accounts:home")),
        ("visits:today", reverse("visits:today")),
        ("visits:log", log),
        ("plans:detail", plan),
        ("customers:list", f"{reverse('customers:list')}?{urlencode({'q': '便利店'})}"),
    ]:
        page.goto(url)
        checker.check(page, label, role="cm", width=PHONE, menu=True)
        # the opened menu is shown and the button says so
        assert page.get_by_role("button", name="菜单").get_attribute("aria-expanded") == "true"
        assert page.locator("#main-nav").is_visible()
    assert not checker.found, "critical/serious axe violations:\n" + "\n".join(checker.found)
    assert Cycle.objects.filter(manager=world.managers["own"]).count() == 1  # GET wrote none


def test_phone_menu_skip_link_and_scroll_regions_by_keyboard(sign_in, browser, live_server, world):
    """What axe cannot see: the keyboard path. The first Tab reaches 跳到正文, which moves the
    focus to the main content; the menu button opens with Enter and Escape closes it with
    the focus back on it; a table wider than the phone is a named region a keyboard can
    scroll. Without JavaScript the menu is simply shown (there is nothing to open it with)."""
    expect = pytest.importorskip("playwright.sync_api").expect
    page = sign_in("cm", width=PHONE).page
    page.goto(reverse("reports:manager", kwargs={"username": "cm"}))
    menu = page.get_by_role("button", name="菜单")
    nav = page.locator("#main-nav")
    expect(nav).to_be_hidden()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    menu.focus()
    box = menu.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_focused()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    region = page.get_by_role("region", name="重点品牌五率（辖区）")
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).to_be_focused()
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())

    plain = browser.new_context(
        base_url=live_server.url,
        viewport={"width": PHONE, "height": 800},
        java_script_enabled=False,
    )
    try:
        bare = plain.new_page()
        bare.goto(reverse("accounts:login"))
        bare.fill("input[name=username]", "cm")
        bare.fill("input[name=password]", PASSWORD)
        bare.click("button[type=submit]")
        expect(bare.locator("#main-nav")).to_be_visible()
        expect(bare.get_by_role("button", name="菜单")).to_be_hidden()
    finally:
        plain.close()
