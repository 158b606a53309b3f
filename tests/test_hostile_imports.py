"""Hostile import files (issue #12, points 1, 3 and 9).

An .xlsx bomb (a few KB expanding to 200,000 rows) is refused in seconds with bounded memory
by the admin import (import_file, import_data, the COPY path) and by a customer manager's
forecast import over HTTP; a file that compresses like a real sheet but holds too many rows
is refused at the row limit; long error lists are cut ("… 还有 N 处错误") with exact totals;
the forecast import reads the file before it locks the plan; control characters never reach
the database; the users import refuses a team that does not exist."""

from __future__ import annotations

import datetime as dt
import io
import struct
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

import cycle.services.plan_forecasts as forecast_service
from accounts.models import Role, Team, User
from customers.models import Customer
from cycle.services import plan_forecasts_import
from cycle.services.errors import NotAllowedNow
from imports.models import ImportJob
from imports.services import import_file
from markets.models import Forecast, OrderLine
from tests.factories import CustomerManagerFactory, CycleFactory, SkuFactory

NOV = dt.date(2026, 11, 1)
FORECAST_URL = "/plans/a1/2026-11/forecasts/import/"
BOMB_ROWS = 200_000
ORDER_HEADER = ["order_date", "customer_code", "sku_code", "quantity"]
FORECAST_HEADER = ["客户编码", "预测量"]
# What the old reader spent on such files: 16-18 s and hundreds of MB for 200k rows. The
# time is measured under tracemalloc (several times slower) on a shared machine.
SECONDS = 10
PEAK_BYTES = 50 * 1024 * 1024

_NS = "http://schemas.openxmlformats.org"
_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" '
        f'xmlns:r="{_NS}/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _cell(value) -> str:
    if isinstance(value, int):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def xlsx(header: list, rows) -> bytes:
    """A workbook written the way a bomb is made: the sheet XML straight into the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{_NS}/spreadsheetml/2006/main"><sheetData>'.encode())
            for row in [header, *rows]:
                sheet.write(("<row>" + "".join(map(_cell, row)) + "</row>").encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def with_styles(content: bytes, formats: int) -> bytes:
    """The workbook with a styles part of ``formats`` cell formats, every tenth a date (not the first: the default)."""
    xfs = "".join(
        f'<xf numFmtId="{14 if i % 10 == 1 else i % 10}" fontId="{i * 7919 % 997}" '
        f'fillId="{i * 104_729 % 991}" borderId="{i % 7}"/>'
        for i in range(formats)
    )
    styles = (
        f'<styleSheet xmlns="{_NS}/spreadsheetml/2006/main">'
        f'<cellXfs count="{formats}">{xfs}</cellXfs></styleSheet>'
    )
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in source.infolist():
            archive.writestr(item, source.read(item))
        archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


def bomb(header: list) -> bytes:
    """The same tiny row 200,000 times: deflate's best case."""
    return xlsx(header, ([1] for _ in range(BOMB_ROWS)))


def many_rows(header: list, make_row, rows: int = BOMB_ROWS) -> bytes:
    """As many rows, all different: compresses like a real sheet (far under 100-fold), so
    only the row limit can stop it."""
    return xlsx(header, (make_row(i) for i in range(rows)))


@contextmanager
def bounded():
    """Asserts the block took under SECONDS and its allocations peaked under PEAK_BYTES."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    assert peak < PEAK_BYTES, f"peaked at {peak / 2**20:.0f} MB"


@pytest.fixture
def plan_page(two_teams, client):
    """a1 signed in on their November plan, the page opened once (so the first request's
    imports of every URL module are not measured)."""
    client.force_login(two_teams["cm"]["a1"])
    CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)
    assert client.get(FORECAST_URL.removesuffix("import/")).status_code == 200
    return client


@pytest.fixture
def master(db):
    cm = CustomerManagerFactory(username="cm01")
    SkuFactory(code="S1")
    Customer.objects.create(code="C1", name="店一", manager=cm, visit_method="onsite")
    return cm


class TestBombs:
    def test_the_bomb_really_expands_to_200k_rows(self):
        content = bomb(ORDER_HEADER)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheet = archive.getinfo("xl/worksheets/sheet1.xml")
            xml = archive.read(sheet)
        assert len(content) < 20_000 and sheet.file_size > 5_000_000
        assert xml.count(b"<row>") == BOMB_ROWS + 1

    @pytest.mark.parametrize("use_copy", [False, True], ids=["portable", "copy"])
    def test_admin_import_refuses_it_in_seconds(self, master, use_copy):
        if use_copy and connection.vendor != "postgresql":
            pytest.skip("the COPY path needs PostgreSQL")
        content = bomb(ORDER_HEADER)
        with bounded():
            result = import_file(
                kind="orders", content=content, filename="orders.xlsx", use_copy=use_copy
            )
        assert "解压后膨胀了" in result.file_error and "不超过 100 倍" in result.file_error
        assert result.rows_total == 0 and not OrderLine.objects.exists()

    def test_the_upload_page_refuses_it_before_queueing(self, two_teams, client):
        client.force_login(two_teams["admin"])
        assert client.get("/imports/").status_code == 200
        upload = SimpleUploadedFile("orders.xlsx", bomb(ORDER_HEADER))
        with bounded():
            response = client.post("/imports/", {"kind": "orders", "file": upload})
        assert response.status_code == 400 and "解压后膨胀了" in response.content.decode()
        assert not ImportJob.objects.exists()

    def test_import_data_refuses_it(self, master, tmp_path):
        path = tmp_path / "orders.xlsx"
        path.write_bytes(bomb(ORDER_HEADER))
        with bounded(), pytest.raises(CommandError, match="解压后膨胀了"):
            call_command("import_data", "orders", str(path), stdout=io.StringIO())

    def test_the_forecast_import_refuses_it_on_the_page(self, plan_page):
        client = plan_page
        upload = SimpleUploadedFile("预测.xlsx", bomb(FORECAST_HEADER))
        with bounded():
            response = client.post(FORECAST_URL, {"file": upload})
        assert response.status_code == 400
        assert "解压后膨胀了" in response.content.decode()
        assert not Forecast.objects.exists()

    def test_a_zip_that_lies_about_its_sizes_is_refused_when_read(self, master):
        """The check trusts the sizes in the zip's directory: a part that inflates past
        its declared size fails instead of expanding."""
        content = bytearray(
            xlsx(ORDER_HEADER, (["2026-10-01", "C1", "S1", i] for i in range(50_000)))
        )
        entry = content.rfind(b"PK\x01\x02", 0, content.find(b"PK\x05\x06"))
        assert content[entry + 46 : entry + 46 + 24] == b"xl/worksheets/sheet1.xml"
        struct.pack_into("<I", content, entry + 24, 1000)  # declared uncompressed size
        with bounded():
            result = import_file(
                kind="orders", content=bytes(content), filename="o.xlsx", use_copy=False
            )
        assert "无法读取 Excel 文件" in result.file_error
        assert not OrderLine.objects.exists()

    def test_a_huge_styles_part_is_read_in_bounded_memory(self, master):
        """The parts around the sheet are streamed too: 200,000 cell formats (13 MB, not a
        bomb) cost openpyxl's style reader 4.5 s and 200 MB."""
        rows = [["2026-10-01", "C1", "S1", 1]]
        content = with_styles(xlsx(ORDER_HEADER, rows), 200_000)
        with bounded():
            result = import_file(kind="orders", content=content, filename="o.xlsx", use_copy=False)
        assert result.ok, result.file_error or result.errors


class TestRowLimits:
    def test_a_forecast_file_holds_one_row_per_customer_and_a_margin(self, plan_page):
        client = plan_page
        content = many_rows(FORECAST_HEADER, lambda i: [f"C-{i}", i])
        assert len(content) > 200_000  # not a bomb: passes the zip check
        upload = SimpleUploadedFile("预测.xlsx", content)
        with override_settings(FORECAST_IMPORT_EXTRA_ROWS=20), bounded():
            response = client.post(FORECAST_URL, {"file": upload})
        text = response.content.decode()
        assert response.status_code == 400
        # a1 owns one active customer: 1 + 20 rows
        assert "文件超过 21 行的上限" in text and "您名下有 1 个有效客户" in text
        assert not Forecast.objects.exists()

    def test_the_margin_leaves_room_for_row_errors(self, two_teams, client):
        client.force_login(two_teams["cm"]["a1"])
        CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)
        text = "客户编码,预测量\nC-a1,5\nC-b1,6\n"
        response = client.post(
            FORECAST_URL, {"file": SimpleUploadedFile("预测.csv", text.encode())}
        )
        assert response.status_code == 400
        assert "第 3 行 [customer_code]：不是您名下的有效客户" in response.content.decode()

    @override_settings(IMPORT_MAX_ROWS=1000)
    def test_an_admin_xlsx_over_the_limit_is_refused_as_it_is_read(self, master):
        content = many_rows(ORDER_HEADER, lambda i: ["2026-10-01", f"C{i}", "S1", i])
        with bounded():
            result = import_file(kind="orders", content=content, filename="o.xlsx")
        assert result.file_error == "文件超过 1,000 行的上限（不含表头），未导入。"

    @pytest.mark.parametrize("use_copy", [False, True], ids=["portable", "copy"])
    @override_settings(IMPORT_MAX_ROWS=1000)
    def test_an_admin_csv_over_the_limit_is_refused(self, master, use_copy):
        if use_copy and connection.vendor != "postgresql":
            pytest.skip("the COPY path needs PostgreSQL")
        lines = "".join(f"2026-10-01,C{i},S1,{i}\n" for i in range(BOMB_ROWS))
        content = ("order_date,customer_code,sku_code,quantity\n" + lines).encode()
        with bounded():
            result = import_file(
                kind="orders", content=content, filename="o.csv", use_copy=use_copy
            )
        assert "文件超过 1,000 行的上限" in result.file_error
        assert not OrderLine.objects.exists()

    @override_settings(IMPORT_MAX_ROWS=3)
    def test_at_the_limit_is_accepted_and_blank_rows_do_not_count(self, master):
        content = "order_date,customer_code,sku_code,quantity\n" + "2026-10-0{},C1,S1,1\n,,,\n" * 3
        result = import_file(
            kind="orders",
            content=content.format(1, 2, 3).encode(),
            filename="o.csv",
            use_copy=False,
        )
        assert result.ok, result.file_error or result.errors
        assert result.rows_total == 3

    def test_import_data_can_raise_the_limit(self, master, tmp_path):
        path = tmp_path / "o.csv"
        path.write_text(
            "order_date,customer_code,sku_code,quantity\n"
            + "".join(f"2026-10-{d:02d},C1,S1,1\n" for d in range(1, 6))
        )
        with override_settings(IMPORT_MAX_ROWS=3):
            with pytest.raises(CommandError, match="文件超过 3 行的上限"):
                call_command("import_data", "orders", str(path), "--dry-run")
            out = io.StringIO()
            call_command(
                "import_data", "orders", str(path), "--dry-run", "--max-rows=5", stdout=out
            )
        assert "共 5 行" in out.getvalue()


class TestErrorLists:
    @override_settings(IMPORT_MAX_ERRORS=200)
    def test_the_report_keeps_the_first_errors_and_counts_them_all(self, master, tmp_path):
        text = "month,customer_code,quantity\n" + "2026-11,NOPE,x\n" * 300
        result = import_file(kind="forecasts", content=text.encode(), filename="f.csv")
        # two errors a row: unknown customer and not a number; 299 duplicates
        assert (result.error_count, result.bad_row_count) == (899, 300)
        assert len(result.errors) == 200 and result.more_errors == 699
        assert [e.row for e in result.errors[:3]] == [2, 2, 3]
        path = tmp_path / "f.csv"
        path.write_text(text)
        err = io.StringIO()
        with pytest.raises(CommandError, match="300 行有错误（共 300 行）"):
            call_command("import_data", "forecasts", str(path), stdout=io.StringIO(), stderr=err)
        lines = err.getvalue().splitlines()
        assert len(lines) == 201 and lines[-1] == "… 还有 699 处错误"

    @override_settings(IMPORT_MAX_ERRORS=200)
    def test_the_upload_page_job_counts_every_error(
        self, two_teams, client, django_capture_on_commit_callbacks
    ):
        client.force_login(two_teams["admin"])
        text = "month,customer_code,quantity\n" + "2026-11,NOPE,x\n" * 300
        upload = SimpleUploadedFile("f.csv", text.encode())
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/imports/", {"kind": "forecasts", "file": upload})
        response = client.get(response["Location"])
        job = ImportJob.objects.get()
        assert job.error_count == 899 and len(job.errors) == 200
        page = response.content.decode()
        assert "发现 899 处错误" in page and "仅显示前 200 处，共 899 处" in page

    @override_settings(IMPORT_MAX_ERRORS=5)
    def test_the_forecast_page_cuts_its_list(self, two_teams, client):
        client.force_login(two_teams["cm"]["a1"])
        CycleFactory(manager=two_teams["cm"]["a1"], month=NOV)
        text = "客户编码,预测量\n" + "".join(f"X{i},1\n" for i in range(12))
        response = client.post(
            FORECAST_URL, {"file": SimpleUploadedFile("预测.csv", text.encode())}
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "文件有 12 处错误" in page and "… 还有 7 处错误" in page
        assert page.count("不是您名下的有效客户") == 5

    @override_settings(IMPORT_MAX_ERRORS=10)
    def test_the_copy_path_counts_all_and_keeps_the_first(self, master):
        if connection.vendor != "postgresql":
            pytest.skip("the COPY path needs PostgreSQL")
        lines = "".join(f"2026-10-01,NOPE{i},S1,1\n" for i in range(50))
        content = ("order_date,customer_code,sku_code,quantity\n" + lines).encode()
        result = import_file(kind="orders", content=content, filename="o.csv", use_copy=True)
        assert (result.error_count, result.bad_row_count, len(result.errors)) == (50, 50, 10)
        assert [e.row for e in result.errors] == list(range(2, 12))


class TestForecastLock:
    def test_the_file_is_read_before_the_plan_is_locked(self, two_teams):
        cm = two_teams["cm"]["a1"]
        cycle = CycleFactory(manager=cm, month=NOV)
        events = []
        real_read, real_lock = forecast_service.read_upload, forecast_service.plan_lock

        def read(*args, **kwargs):
            events.append("read")
            return real_read(*args, **kwargs)

        def lock(**kwargs):
            events.append("lock")
            return real_lock(**kwargs)

        with (
            mock.patch.object(forecast_service, "read_upload", read),
            mock.patch.object(forecast_service, "plan_lock", lock),
        ):
            result = plan_forecasts_import(
                cycle=cycle, by=cm, content="客户编码,预测量\nC-a1,7\n".encode(), filename="f.csv"
            )
        assert result.written == 1 and events == ["read", "lock"]
        assert Forecast.objects.get(month=NOV).quantity == 7

    def test_a_plan_submitted_while_the_file_was_read_is_not_written(self, two_teams):
        cm = two_teams["cm"]["a1"]
        cycle = CycleFactory(manager=cm, month=NOV)
        real_read = forecast_service.read_upload

        def read_while_submitted(*args, **kwargs):
            type(cycle).objects.filter(pk=cycle.pk).update(plan_status="submitted")
            return real_read(*args, **kwargs)

        submit_while_reading = mock.patch.object(
            forecast_service, "read_upload", read_while_submitted
        )
        with submit_while_reading, pytest.raises(NotAllowedNow, match="不能修改"):
            plan_forecasts_import(
                cycle=cycle, by=cm, content="客户编码,预测量\nC-a1,7\n".encode(), filename="f.csv"
            )
        assert not Forecast.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_another_connection_can_lock_the_plan_while_the_file_is_read(postgres_only, client):
    """PostgreSQL, committed rows: while the forecast file is being read, another session
    takes the plan's row lock without waiting (NOWAIT fails if the import held it)."""
    cm = CustomerManagerFactory(username="a1")
    Customer.objects.create(code="C-a1", name="店", manager=cm, visit_method="onsite")
    cycle = CycleFactory(manager=cm, month=NOV)
    client.force_login(cm)
    real_read, locked_by_other = forecast_service.read_upload, []

    def read_and_probe(*args, **kwargs):
        other = connection.get_new_connection(connection.get_connection_params())
        try:
            with other.transaction():
                rows = other.execute(
                    "SELECT id FROM cycle_cycle WHERE id = %s FOR UPDATE NOWAIT", [cycle.pk]
                ).fetchall()
                locked_by_other.append(rows == [(cycle.pk,)])
        finally:
            other.close()
        return real_read(*args, **kwargs)

    upload = SimpleUploadedFile("预测.csv", "客户编码,预测量\nC-a1,9\n".encode())
    with mock.patch.object(forecast_service, "read_upload", read_and_probe):
        response = client.post(FORECAST_URL, {"file": upload})
    assert locked_by_other == [True]
    assert response.status_code == 302 and Forecast.objects.get(month=NOV).quantity == 9


class TestControlCharacters:
    def test_a_customers_import_stores_clean_text(self, db, tmp_path):
        CustomerManagerFactory(username="cm01")
        path = tmp_path / "c.csv"
        path.write_text(
            "code,name,manager,address,visit_method,status\n"
            "C\x019,王记\x01便利店\x1b,cm01,城关区\x1b[31m建设路\x7f1号\x01,onsite,active\n",
            encoding="utf-8",
        )
        call_command("import_data", "customers", str(path), stdout=io.StringIO())
        customer = Customer.objects.get()
        assert (customer.code, customer.name, customer.address) == (
            "C9",
            "王记便利店",
            "城关区[31m建设路1号",
        )

    def test_tabs_and_line_breaks_are_kept_inside_a_cell(self, db):
        CustomerManagerFactory(username="cm01")
        text = 'code,name,manager,address,visit_method,status\nC1,店,cm01,"一楼\n\t二号",onsite,active\n'
        result = import_file(kind="customers", content=text.encode(), filename="c.csv")
        assert result.ok, result.errors
        assert Customer.objects.get().address == "一楼\n\t二号"


class TestUnknownTeams:
    def test_an_unknown_team_is_a_row_error_and_nothing_is_written(self, db, tmp_path):
        Team.objects.create(code="T01", name="一组")
        path = tmp_path / "users.csv"
        path.write_text(
            "username,name,role,team\ncm90,张三,customer_manager,T99\ncm91,李四,customer_manager,T01\n"
        )
        err = io.StringIO()
        with pytest.raises(CommandError, match="1 行有错误"):
            call_command("import_data", "users", str(path), stdout=io.StringIO(), stderr=err)
        assert "第 2 行 [team]：没有编码为 T99 的团队" in err.getvalue()
        assert not User.objects.filter(username__in=["cm90", "cm91"]).exists()
        assert not Team.objects.filter(code="T99").exists()

    def test_a_new_team_comes_with_its_market_manager(self, db):
        text = (
            "username,name,role,team\n"
            "cm90,张三,customer_manager,T10\n"
            "mm10,王经理,market_manager,T10\n"
        )
        result = import_file(kind="users", content=text.encode(), filename="users.csv")
        assert result.ok, result.errors
        team = Team.objects.get(code="T10")
        assert team.market_manager.username == "mm10"
        assert User.objects.get(username="cm90").team == team
        assert User.objects.get(username="mm10").role == Role.MARKET_MANAGER
