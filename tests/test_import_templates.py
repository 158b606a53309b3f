"""Import templates (issue #14 point 5): each kind's workbook downloads with Chinese
headers and an example row that imports cleanly; the import page names every column."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from imports.registry import IMPORTERS
from imports.services import import_file
from imports.templates_xlsx import EXAMPLE_CUSTOMER, EXAMPLE_MANAGER, EXAMPLE_SKU, EXAMPLE_TEAM
from surveys.models import Survey
from tests.factories import (
    AdminUserFactory,
    CustomerFactory,
    CustomerManagerFactory,
    SkuFactory,
    TeamFactory,
)

KINDS = list(IMPORTERS)


@pytest.fixture
def admin_client(client, db):
    client.force_login(AdminUserFactory())
    return client


@pytest.fixture
def demo_like(db):
    """The rows the example rows reference, as in the demo."""
    team = TeamFactory(code=EXAMPLE_TEAM)
    manager = CustomerManagerFactory(username=EXAMPLE_MANAGER, team=team)
    customer = CustomerFactory(code=EXAMPLE_CUSTOMER, manager=manager)
    sku = SkuFactory(code=EXAMPLE_SKU)
    # the satisfaction example's survey period (its survey_date is in 2026 Q1)
    Survey.objects.create(kind="quarter", start=dt.date(2026, 1, 1))
    return customer, sku


def _download(client, kind):
    response = client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response["Content-Disposition"]
    return b"".join(response) if response.streaming else response.content


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_has_chinese_headers_an_example_and_notes(admin_client, kind):
    content = _download(admin_client, kind)
    book = openpyxl.load_workbook(io.BytesIO(content))
    data, notes = book.worksheets
    headers = [cell.value for cell in data[1]]
    expected = [column.aliases[0] for column in IMPORTERS[kind].columns]
    assert headers == expected
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers)
    assert data.max_row == 2  # one example row
    assert notes.title == "说明"
    noted = {row[1]: row for row in notes.iter_rows(min_row=2, values_only=True) if row[1]}
    for column in IMPORTERS[kind].columns:
        assert (noted[column.name][3] == "是") == column.required


def test_the_notes_list_the_allowed_values(admin_client):
    book = openpyxl.load_workbook(io.BytesIO(_download(admin_client, "customers")))
    noted = {row[1]: row[4] for row in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert "实地拜访（onsite）" in noted["visit_method"]
    assert "双周（biweekly）" in noted["visit_frequency"]
    assert "农网（rural）" in noted["market_type"]
    assert "无效（inactive）" in noted["status"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_reimports_cleanly_as_a_dry_run(admin_client, demo_like, kind):
    content = _download(admin_client, kind)
    result = import_file(kind=kind, content=content, filename=f"{kind}.xlsx", dry_run=True)
    assert result.file_error in (None, "")
    assert result.errors == [], result.errors
    assert result.ok
    assert result.rows_total == 1


def test_an_example_that_references_nothing_is_reported(admin_client, db):
    # without the customer and SKU the example names, the order row is an error: the test
    # above passes because the references exist, not because nothing is checked
    content = _download(admin_client, "orders")
    result = import_file(kind="orders", content=content, filename="orders.xlsx", dry_run=True)
    assert not result.ok


def test_a_template_download_writes_nothing(admin_client, demo_like):
    from customers.models import Customer

    before = Customer.objects.count()
    _download(admin_client, "customers")
    assert Customer.objects.count() == before


def test_an_unknown_kind_is_404(admin_client):
    assert admin_client.get(reverse("imports:template", args=["visits"])).status_code == 404


def test_the_import_page_lists_english_and_chinese_column_names(admin_client):
    page = admin_client.get(reverse("imports:upload")).content.decode()
    for kind in KINDS:
        assert reverse("imports:template", args=[kind]) in page
        for column in IMPORTERS[kind].columns:
            assert f"<code>{column.name}</code>" in page
            for alias in column.aliases:
                assert alias in page
    assert "实际到货量" in page
    assert "选填" in page
