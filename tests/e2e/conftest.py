"""Browser end-to-end tests: Playwright for Python drives Debian's ``chromium`` (installed by
bin/bootstrap, which bin/test calls with ``--browsers``) against pytest-django's live server.

No browser is ever downloaded: the tests launch the system binary (``CHROMIUM`` or ``chromium``
on PATH) and are skipped, saying why, only when there is none. A failing test leaves a
full-page screenshot of every page it had open in a temporary folder; the paths are printed
with the failure."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PAGES = pytest.StashKey[list]()
PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One headless Chromium for a module.

    While Playwright's sync API is active its event loop counts as running in this thread,
    which changes two things for Django: the async-safety guard would refuse the test's own
    ORM calls (they run only between page interactions, never concurrently, so it is
    switched off meanwhile), and database connections are kept per async context, so the
    test and pytest-django's set-up and flush would get fresh connection objects (on
    PostgreSQL extra connections left open on the test database). They keep using the
    thread's own connections instead."""
    from django.db import connections

    path = _chromium()
    if path is None:
        pytest.skip("no chromium binary (apt-get install chromium, as bin/test does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    own = {alias: connections[alias] for alias in connections}  # objects only, no query
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            for alias, connection in own.items():
                connections[alias] = connection
            # containers often have a tiny /dev/shm; Chromium's sandbox refuses to run as root
            args = ["--disable-dev-shm-usage"]
            if os.geteuid() == 0:
                args.append("--no-sandbox")
            chromium = playwright.chromium.launch(executable_path=path, args=args)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Session:
    """A signed-in browser context: its page and every console error or failed script it saw
    (a Content-Security-Policy violation shows up there)."""

    def __init__(self, context, username: str):
        self.context = context
        self.username = username
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")


@pytest.fixture
def sign_in(browser, live_server, request):
    """``sign_in(username, width=…)`` opens a fresh browser context for that user, signs in
    through the login page and returns the ``Session``."""
    from playwright.sync_api import expect

    sessions: list[Session] = []
    request.node.stash[PAGES] = sessions

    def sign_in(username: str, *, width: int = 1280) -> Session:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        session = Session(context, username)
        sessions.append(session)
        page = session.page
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator(".nav-user")).to_be_attached()
        return session

    yield sign_in
    for session in sessions:
        session.context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, screenshot every open page (before the fixtures close them)."""
    outcome = yield
    report = outcome.get_result()
    sessions = item.stash.get(PAGES, None)
    if report.when != "call" or not report.failed or not sessions:
        return
    folder = Path(tempfile.mkdtemp(prefix="e2e-shots-"))
    lines = []
    for n, session in enumerate(sessions, 1):
        path = folder / f"{n}-{session.username}.png"
        try:
            session.page.screenshot(path=str(path), full_page=True)
            lines.append(f"{session.username}: {session.page.url} -> {path}")
        except Exception as exc:  # a crashed page must not hide the real failure
            lines.append(f"{session.username}: no screenshot ({exc})")
    report.sections.append(("e2e screenshots", "\n".join(lines)))
    print("\n".join(["", "e2e screenshots:", *lines]))
