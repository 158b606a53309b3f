"""NUL and other control characters in a request, as a hostile client sends them: a NUL in
the path is a 400 page, in the query string, a form, a header or a cookie it is dropped
before any view or query sees it, so no request answers 500 (PostgreSQL's DataError) and
nothing typed is stored with a control character. Run on SQLite and PostgreSQL
(DATABASE_URL): the 500s were PostgreSQL's."""

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from core.models import ExportJob
from core.months import month_start
from core.request_hygiene import RequestHygieneMiddleware
from customers.models import Customer
from cycle.models import Visit, WeeklySummary
from tests.factories import CustomerFactory, CycleFactory

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 11, 18)  # a Wednesday: the week of 11-09 has begun
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client():
    """Errors come back as the user sees them (a 500 page), not raised into the test."""
    return Client(raise_request_exception=False)


@pytest.fixture
def a1(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    return two_teams["cm"]["a1"]


@pytest.fixture
def november(a1, monkeypatch):
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return CycleFactory(manager=a1, month=NOV)


# --- the path ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/plans/%00/2026-11/",
        "/plans/a1/2026-11%00/tasks/",
        "/en/plans/%00/2026-11/",
        "/customers/%00/",
        "/analysis/manager/a1%00/",
        "/static/%00.css",
        "/login/%00",
    ],
)
def test_a_nul_in_the_path_is_a_bad_request(client, november, url):
    response = client.get(url)
    assert response.status_code == 400
    assert client.post(url, {"text": "x"}).status_code == 400


def test_the_bad_request_page_is_the_projects(client, november, tmp_path, settings):
    """Whatever templates/400.html says (the error pages are another part of the work), it
    is what a NUL in the path gets, in the language of the URL."""
    (tmp_path / "400.html").write_text(
        "{% load i18n %}{% get_current_language as lang %}<p>lang={{ lang }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    assert "lang=zh-hans" in client.get("/plans/%00/2026-11/").content.decode()
    assert "lang=en" in client.get("/en/plans/%00/2026-11/").content.decode()


def test_other_control_characters_in_the_path_find_nothing(client, november):
    assert client.get("/plans/a1%01/2026-11/").status_code == 404


# --- the query string ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/customers/?q=%00&status=%00&manager=%00&page=%00",
        "/customers/?q=%01%1b",
        "/customers/export.xlsx?status=%00&q=%00",
        "/plans/a1/2026-11/tasks/?q=%00&mark=%00",
        "/plans/a1/2026-11/",
        "/plans/a1/2026-11/?part=%00",
        "/brands/skus/?q=%00&brand=%00&category=%00",
        "/brands/mapping/?q=%00",
        "/visits/audit/?month=%00",
        "/analysis/?month=%00",
        "/feed/?q=%00",
        "/login/?next=%00",
    ],
)
def test_a_nul_in_the_query_is_ignored(client, november, url):
    assert client.get(url).status_code < 500
    assert client.get(url, **HTMX).status_code < 500


def test_a_nul_filter_reads_as_the_filter_without_it(client, a1):
    CustomerFactory(manager=a1, code="C-zz")
    page = client.get("/customers/?q=C-a%001").content.decode()
    assert "C-a1" in page and "C-zz" not in page  # the search is "C-a1"


def test_an_export_job_stores_its_parameters_without_nul(
    client, november, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    settings.MEDIA_ROOT = tmp_path
    url = "/customers/export.xlsx?status=%00&q=%00C-a1"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
        if response.status_code != 302:  # a large export is started by the offer's button
            response = client.post(url)
    assert response.status_code == 302
    params = ExportJob.objects.get().params
    assert params["q"] == "C-a1" and "\\u0000" not in json.dumps(params)


# --- forms ------------------------------------------------------------------------------------


def test_a_week_summary_is_stored_without_control_characters(client, november):
    url = "/plans/a1/2026-11/weeks/2026-11-09/summary/"
    response = client.post(url, {"text": "新品\x00陈列\x01到位\t8 户\n下周\x1b继续"}, **HTMX)
    assert response.status_code == 200
    assert WeeklySummary.objects.get().text == "新品陈列到位\t8 户\n下周继续"
    assert client.post(url, {"text": "\x00"}).status_code == 302  # nothing left: cleared
    assert not WeeklySummary.objects.exists()


def test_a_visits_feeling_is_stored_without_control_characters(client, a1):
    today = timezone.localdate()
    CycleFactory(manager=a1, month=month_start(today))
    customer = a1.customers.get()
    url = f"/visits/{today.isoformat()}/{customer.pk}/save/feeling/"
    response = client.post(url, {"feeling": "店主\x00很配合\x07"}, **HTMX)
    assert response.status_code == 200
    assert Visit.objects.get().feeling == "店主很配合"


def test_the_customer_edit_form_stores_no_control_characters(client, a1):
    customer = a1.customers.get()
    form = {
        "contact": "王\x00老板\x1b",
        "phone": "13800001111",
        "address": "城关区\x01建设路1号",
        "business_format": "convenience",
        "trade_area": "西站\x00商圈",
        "visit_method": "phone\x00",
        "visit_frequency": "weekly",
    }
    response = client.post(f"/customers/{customer.pk}/edit/", form)
    assert response.status_code == 302
    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.contact, customer.address, customer.trade_area, customer.visit_method) == (
        "王老板",
        "城关区建设路1号",
        "西站商圈",
        "phone",
    )


def test_a_key_with_control_characters_is_cleaned_too(client, november):
    url = "/plans/a1/2026-11/weeks/2026-11-09/summary/"
    response = client.post(url, "te%00xt=%E5%91%A8%00%E5%B0%8F%E7%BB%93",
                           content_type="application/x-www-form-urlencoded", **HTMX)  # fmt: skip
    assert response.status_code == 200
    assert WeeklySummary.objects.get().text == "周小结"


# --- headers and cookies ------------------------------------------------------------------------


def test_a_nul_in_the_session_cookie_is_no_session(client, db):
    # Python's cookie parser turns the octal escape of a quoted value into a real NUL
    response = client.get("/customers/", HTTP_COOKIE='sessionid="abcdefgh\\000ijkl"')
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_failed_login_with_a_nul_user_agent_is_recorded(client, two_teams, settings):
    settings.AXES_ENABLED = True
    response = client.post(
        "/login/?next=%00",
        {"username": "a1\x00", "password": "wrong\x00"},
        HTTP_USER_AGENT="Mozilla\x00/5.0\x01",
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.user_agent) == ("a1", "Mozilla/5.0")


def test_htmx_headers_with_control_characters(client, two_teams):
    client.force_login(two_teams["brand"])
    response = client.get(
        "/brands/mapping/?q=%00",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="mapping-candidates\x00",
        HTTP_HX_CURRENT_URL="http://testserver/brands/mapping/?q=\x00",
    )
    assert response.status_code == 200
    # the page's filters come back from HX-Current-URL's query, percent-encoded: they go
    # through the filter form, whose fields refuse NUL (an invalid filter is no filter)
    response = client.post(
        "/brands/mapping/assign/",
        {"skus": ["1"], "category": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/brands/mapping/?q=%00&brand=%00&category=%00&page=%00",
    )
    assert response.status_code == 200


# --- the middleware itself --------------------------------------------------------------------


def seen_by_the_view(request):
    seen = []

    def view(request):
        seen.append(request)
        return HttpResponse("ok")

    RequestHygieneMiddleware(view)(request)
    return seen[0]


def test_clean_requests_are_left_as_they_are():
    request = RequestFactory().get("/customers/?q=兴隆&status=active&status=inactive")
    original = request.GET
    assert seen_by_the_view(request).GET is original


def test_query_and_form_are_rebuilt_immutable_in_their_encoding():
    request = RequestFactory().post(
        "/x/?q=a%00b&q=%01c&k%00ey=v",
        "name=%E5%BA%97%00%E5%90%8D&note=line1%0D%0Aline2%09tab%1B",
        content_type="application/x-www-form-urlencoded",
    )
    request = seen_by_the_view(request)
    assert request.GET.getlist("q") == ["ab", "c"] and request.GET["key"] == "v"
    assert request.POST["name"] == "店名" and request.POST["note"] == "line1\r\nline2\ttab"
    assert request.GET.encoding == request.POST.encoding == "utf-8"
    for query in (request.GET, request.POST):
        with pytest.raises(AttributeError):
            query["more"] = "x"


def test_multipart_fields_are_cleaned_and_files_untouched():
    content = b"PK\x03\x04\x00\x01binary\x00"
    request = RequestFactory().post(
        "/imports/",
        {"kind": "customers\x00", "file": SimpleUploadedFile("客户\x00.xlsx", content)},
    )
    request = seen_by_the_view(request)
    assert request.POST["kind"] == "customers"
    upload = request.FILES["file"]
    assert upload.read() == content and upload.name == "客户.xlsx"


def test_headers_and_cookies_are_cleaned():
    request = RequestFactory().get(
        "/", HTTP_USER_AGENT="agent\x00\x01", HTTP_COOKIE='lang="e\\000n"; sessionid=abc'
    )
    request = seen_by_the_view(request)
    assert request.headers["user-agent"] == "agent"
    assert request.COOKIES == {"lang": "en", "sessionid": "abc"}
