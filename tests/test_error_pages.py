"""Error pages with DEBUG off (config.settings.test): 400, 403, 404, 500, the CSRF failure and
the database outage answer in Chinese (English under /en/) inside the site's layout with a
way home; the 500 and 503 pages render with the database unreachable."""

import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, RequestFactory
from django.utils import translation

from accounts import views as account_views
from core.error_views import server_error
from home import views as home_views

HOME = {"zh": 'href="/"', "en": 'href="/en/"'}
# whether a request refused before the session is read still shows the signed-in menu
MENU_ON_EARLY_ERRORS = "core.request_hygiene.RequestHygieneMiddleware" not in settings.MIDDLEWARE


def page(response) -> str:
    return response.content.decode()


def assert_in_layout(response, *, language="zh", menu=False):
    html = page(response)
    assert response["Content-Type"].startswith("text/html")
    assert '<header class="topbar">' in html and 'class="brand"' in html
    assert f'<html lang="{"zh-hans" if language == "zh" else "en"}">' in html
    home = "返回首页" if language == "zh" else "Home page"
    assert f"{HOME[language]}>{home}</a>" in html
    assert ('<nav class="nav"' in html) is menu
    return html


@contextmanager
def refused_connections():
    """Every query fails as it does when PostgreSQL refuses connections."""

    def refuse(self):
        raise OperationalError('connection to server at "db" failed: Connection refused')

    # its own patch, undone before the test database is rolled back
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
        yield


@pytest.fixture
def database_down(db):
    with refused_connections():
        yield


@pytest.fixture
def lenient(client):
    client.raise_request_exception = False  # Django's handler answers, as in production
    return client


class TestNotFound:
    def test_an_unknown_address(self, client, db):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = assert_in_layout(response)
        assert "页面不存在" in html and "<title>页面不存在 · 客户经理工作平台</title>" in html

    def test_an_unknown_address_in_english(self, client, db):
        response = client.get("/en/no-such-page/")
        assert response.status_code == 404
        html = assert_in_layout(response, language="en")
        assert "Page not found" in html and "页面不存在" not in html

    def test_another_managers_customer_shows_the_page_with_the_menu(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        response = client.get(f"/customers/{two_teams['customers']['b1'].pk}/")
        assert response.status_code == 404
        html = assert_in_layout(response, menu=True)
        # the same words as for a missing record: nothing tells the row exists
        assert "不在您可以查看的范围内" in html and "C-b1" not in html


class TestForbidden:
    def test_a_customer_manager_on_the_team_board(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        response = client.get("/team/")  # role_required(MARKET_MANAGER, ADMIN)
        assert response.status_code == 403
        html = assert_in_layout(response, menu=True)
        assert "没有权限" in html and "联系系统管理员" in html
        assert "403 Forbidden" not in html

    def test_in_english(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        response = client.get("/en/team/")
        assert response.status_code == 403
        assert "Access denied" in assert_in_layout(response, language="en", menu=True)


class TestBadRequest:
    # more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: Django refuses the request (400). The
    # query is read before LocaleMiddleware and the session (core.request_hygiene): the page
    # still comes in the URL's language, whatever the worker served before, without a menu.
    too_many = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    def test_too_many_fields(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        with translation.override("en"):
            response = client.get(f"/customers/?{self.too_many}")
        assert response.status_code == 400
        html = assert_in_layout(response, menu=MENU_ON_EARLY_ERRORS)
        assert "请求有误" in html and "Bad Request" not in html

    def test_in_english(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        response = client.get(f"/en/customers/?{self.too_many}")
        assert response.status_code == 400
        html = assert_in_layout(response, language="en", menu=MENU_ON_EARLY_ERRORS)
        assert "Bad request" in html

    def test_a_host_not_allowed(self, client, db, settings):
        settings.ALLOWED_HOSTS = ["testserver"]
        with translation.override("en"):
            response = client.get("/login/", HTTP_HOST="evil.example")
        assert response.status_code == 400
        assert "请求有误" in assert_in_layout(response)


class TestCsrfFailure:
    def test_a_login_without_token(self, db):
        response = Client(enforce_csrf_checks=True).post(
            "/login/", {"username": "a1", "password": "x"}
        )
        assert response.status_code == 403
        html = assert_in_layout(response)
        assert "页面已过期" in html and "刷新后再提交一次" in html
        assert "CSRF verification failed" not in html

    def test_a_signed_in_user_keeps_the_menu_in_english(self, two_teams):
        client = Client(enforce_csrf_checks=True)
        client.force_login(two_teams["cm"]["a1"])
        response = client.post("/en/logout/")
        assert response.status_code == 403
        html = assert_in_layout(response, language="en", menu=True)
        assert "Page expired" in html and "reload it and submit again" in html


def broken_home(**kwargs):
    raise RuntimeError("a bug")


class TestServerError:
    @pytest.fixture(autouse=True)
    def bug(self, monkeypatch):
        monkeypatch.setattr(home_views, "home_overview", broken_home)

    def test_a_view_that_raises(self, lenient, two_teams):
        lenient.force_login(two_teams["cm"]["a1"])
        response = lenient.get("/")
        assert response.status_code == 500
        # rendered without the request: header and way home, no menu, no language form
        html = assert_in_layout(response)
        assert "服务器出错" in html and "错误已记录" in html and "set_language" not in html

    def test_in_english(self, lenient, two_teams):
        lenient.force_login(two_teams["cm"]["a1"])
        response = lenient.get("/en/")
        assert response.status_code == 500
        assert "Server error" in assert_in_layout(response, language="en")

    def test_renders_with_the_database_unreachable(self, lenient, database_down, monkeypatch):
        def raising_get(self, request, *args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(account_views.LoginView, "get", raising_get)
        response = lenient.get("/login/")
        assert response.status_code == 500
        assert "服务器出错" in assert_in_layout(response)

    def test_the_handler_makes_no_query(self, db, django_assert_num_queries):
        request = RequestFactory().get("/en/customers/")
        with django_assert_num_queries(0):
            try:
                raise RuntimeError("a bug")
            except RuntimeError:
                response = server_error(request)
        assert response.status_code == 500
        assert "Server error" in assert_in_layout(response, language="en")


class TestDatabaseUnreachable:
    def assert_outage_page(self, response, language="zh"):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        html = assert_in_layout(response, language=language)
        return html

    def test_logging_in(self, lenient, database_down):
        response = lenient.post("/login/", {"username": "a1", "password": "pw-test-123"})
        html = self.assert_outage_page(response)
        assert "数据库暂时无法连接，请稍后再试。" in html
        assert "Server Error" not in html

    def test_logging_in_in_english(self, lenient, database_down):
        response = lenient.post("/en/login/", {"username": "a1", "password": "pw-test-123"})
        html = self.assert_outage_page(response, language="en")
        assert "The database cannot be reached" in html

    def test_a_signed_in_user_opening_a_page(self, lenient, two_teams):
        lenient.force_login(two_teams["cm"]["a1"])
        # the session is loaded by the view's login check: that query fails
        with refused_connections():
            response = lenient.get("/customers/")
        html = self.assert_outage_page(response)
        assert "数据库暂时无法连接" in html

    def test_a_failure_in_a_middleware_after_the_view(self, lenient, two_teams):
        # SessionMiddleware saves the new session on the way out, outside the view: the
        # exception never reaches a middleware's process_exception, only handler500
        def refuse(self, must_create=False):
            raise OperationalError("connection refused")

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(SessionStore, "save", refuse)
            response = lenient.post("/login/", {"username": "a1", "password": "pw-test-123"})
        assert "数据库暂时无法连接" in self.assert_outage_page(response)

    def test_with_postgresql_not_listening(self, tmp_path):
        # a real refused connection, in a fresh process: nothing of this process's test
        # database is open, and login throttling (django-axes) is on as in production
        script = textwrap.dedent(
            """
            import django
            django.setup()
            from django.test import Client, override_settings
            with override_settings(AXES_ENABLED=True):
                client = Client(raise_request_exception=False)
                login = client.post("/login/", {"username": "a1", "password": "x"})
                home = client.get("/", HTTP_COOKIE="sessionid=abcdefghijklmnopqrstuvwxyz012345")
            for response in (login, home):
                print(response.status_code, response["Retry-After"],
                      "数据库暂时无法连接" in response.content.decode())
            """
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": "postgresql://work135:x@127.0.0.1:1/work135",
        }
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.split("\n")[:2] == ["503 30 True", "503 30 True"], result.stderr
