"""Every upload refuses files that are too large or not what their name says, with a Chinese
message where the user is, and writes nothing: the admin import page (/imports/), the
forecast import on the plan, and the services behind them. imports/upload_checks.py."""

import datetime as dt
import io
import os

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.tabular.upload_checks import CappedTemporaryFileUploadHandler, check_content
from cycle.services import plan_forecasts_import
from imports.models import ImportJob
from imports.services import import_job_create
from markets.models import Forecast
from tests.factories import CycleFactory

NOV = dt.date(2026, 11, 1)
FORECAST_URL = "/plans/a1/2026-11/forecasts/import/"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin_user(two_teams, client):
    client.force_login(two_teams["admin"])
    return two_teams["admin"]


@pytest.fixture
def plan(two_teams, client):
    client.force_login(two_teams["cm"]["a1"])
    return CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)


def post_import(client, name, content):
    return client.post("/imports/", {"kind": "skus", "file": SimpleUploadedFile(name, content)})


def post_forecast(client, name, content):
    return client.post(FORECAST_URL, {"file": SimpleUploadedFile(name, content)})


BAD_FILES = [
    ("picture.csv", PNG, "内容不是文本表格"),
    ("setup.exe", EXE, "只支持 .csv 或 .xlsx 文件"),
    ("setup.csv", EXE, "内容不是文本表格"),
    ("table.xlsx", "code,name\nS1,兰州\n".encode(), "内容不是 Excel 工作簿"),
    ("archive.xlsx", b"PK\x03\x04" + b"\x14" * 60, "内容不是 Excel 工作簿"),
]


class TestAdminImportPage:
    @override_settings(IMPORT_MAX_BYTES=1000)
    def test_an_oversized_file_is_refused_with_the_limit(self, client, admin_user):
        response = post_import(client, "skus.csv", b"code,name\n" + b"S1,x\n" * 300)
        assert response.status_code == 400
        text = page(response)
        assert "文件太大" in text and "上限 1000" in text and "import_data" in text
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
    def test_a_file_that_is_not_a_table_is_refused(
        self, client, admin_user, name, content, message
    ):
        response = post_import(client, name, content)
        assert response.status_code == 400 and message in page(response)
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("skus.csv", "code,name,brand\nS1,兰州(硬珍品),兰州\n".encode("utf-8-sig")),
            ("skus.csv", "code,name,brand\nS1,兰州(硬珍品),兰州\n".encode("gbk")),
            ("skus.xlsx", xlsx_bytes([["code", "name", "brand"], ["S1", "兰州", "兰州"]])),
        ],
        ids=["utf8-csv", "gbk-csv", "xlsx"],
    )
    def test_a_good_file_is_accepted(self, client, admin_user, name, content):
        response = post_import(client, name, content)
        assert response.status_code == 302
        assert ImportJob.objects.get().filename == name

    @override_settings(IMPORT_MAX_BYTES=1000, FILE_UPLOAD_MAX_MEMORY_SIZE=100)
    def test_a_huge_upload_is_refused_by_its_real_size(self, client, admin_user):
        # larger than the in-memory size: goes through the capped temporary-file handler
        response = post_import(client, "skus.csv", b"code,name\n" + b"S1,x\n" * 2000)
        assert response.status_code == 400 and "9.8\xa0KB" in page(response)
        assert not ImportJob.objects.exists()

    def test_the_service_refuses_too(self, admin_user):
        with override_settings(IMPORT_MAX_BYTES=5), pytest.raises(ValidationError, match="太大"):
            import_job_create(
                kind="skus", filename="s.csv", content=b"code,name\n", dry_run=True, by=admin_user
            )
        with pytest.raises(ValidationError, match="只支持"):
            import_job_create(
                kind="skus", filename="s.png", content=PNG, dry_run=True, by=admin_user
            )
        assert not ImportJob.objects.exists()


class TestForecastImport:
    @override_settings(FORECAST_IMPORT_MAX_BYTES=500)
    def test_an_oversized_file_is_refused_on_the_plan_page(self, client, plan):
        response = post_forecast(
            client, "预测.csv", "客户编码,预测量\n".encode() + b"C-a1,1\n" * 100
        )
        assert response.status_code == 400
        text = page(response)
        assert "文件太大" in text and "上限 500" in text and "需求预测" in text
        assert not Forecast.objects.exists()

    @pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
    def test_a_file_that_is_not_a_table_is_refused(self, client, plan, name, content, message):
        response = post_forecast(client, name, content)
        assert response.status_code == 400 and message in page(response)
        assert not Forecast.objects.exists()

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("预测.csv", "客户编码,预测量\nC-a1,42\n".encode("utf-8-sig")),
            ("预测.xlsx", xlsx_bytes([["客户编码", "预测量"], ["C-a1", 42]])),
        ],
        ids=["csv", "xlsx"],
    )
    def test_a_good_file_is_accepted(self, client, plan, name, content):
        response = post_forecast(client, name, content)
        assert response.status_code == 302
        assert Forecast.objects.get(month=NOV).quantity == 42

    def test_the_service_refuses_too(self, plan):
        with pytest.raises(ValidationError, match="内容不是文本表格"):
            plan_forecasts_import(cycle=plan, by=plan.manager, content=PNG, filename="f.csv")
        assert not Forecast.objects.exists()


class TestChecks:
    def test_a_multibyte_character_cut_by_the_sample_is_still_text(self):
        # the sniff reads the first 64 KiB; "兰" is three bytes in UTF-8
        content = "客户编码,名称\n".encode() + "兰".encode() * 30_000
        check_content(content=content, filename="big.csv", max_bytes=10**6)

    def test_the_check_looks_at_the_name_case_insensitively(self):
        check_content(content=b"code\nS1\n", filename="SKUS.CSV", max_bytes=100)
        with pytest.raises(ValidationError, match="只支持"):
            check_content(content=b"code\nS1\n", filename="skus.txt", max_bytes=100)

    def test_an_empty_file_is_refused(self):
        # (the upload forms already refuse an empty file with Django's own message)
        with pytest.raises(ValidationError, match="文件是空的"):
            check_content(content=b"", filename="skus.csv", max_bytes=100)

    @override_settings(
        IMPORT_MAX_BYTES=1000, FORECAST_IMPORT_MAX_BYTES=10, PHOTO_MAX_UPLOAD_BYTES=20
    )
    def test_the_temporary_file_stops_growing_past_the_largest_limit(self):
        handler = CappedTemporaryFileUploadHandler()
        handler.new_file("file", "big.csv", "text/csv", 5000)
        received = 0
        for _ in range(5):
            handler.receive_data_chunk(b"x" * 1000, received)
            received += 1000
        upload = handler.file_complete(received)
        try:
            assert upload.size == 5000  # the real size, for the message
            assert os.path.getsize(upload.temporary_file_path()) == 1001
        finally:
            upload.close()
