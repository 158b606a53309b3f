"""import_data and the upload page: every kind, all-or-nothing, idempotent, CSV and xlsx."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Role, Team, User
from brands.models import Brand, Sku
from customers.models import Customer
from imports.models import ImportJob, ImportStatus
from imports.services import import_file
from markets.models import Forecast, OrderLine
from tests.factories import CustomerFactory, CustomerManagerFactory, SkuFactory

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, name, text, bom=False):
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def run(kind, path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", kind, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(kind, path, *args):
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_data", kind, str(path), *args, stdout=io.StringIO(), stderr=err)
    return str(exc.value), err.getvalue()


@pytest.fixture
def master(db):
    cm = CustomerManagerFactory(username="cm01")
    customers = [CustomerFactory(code=f"C{i}", manager=cm) for i in range(1, 4)]
    skus = [SkuFactory(code=f"S{i}", wholesale_price=Decimal("100.50")) for i in range(1, 3)]
    return {"cm": cm, "customers": customers, "skus": skus}


ORDERS_OK = (
    "order_date,customer_code,sku_code,quantity,requested_quantity,amount\n"
    "2026-10-01,C1,S1,10,12,1005.00\n"
    "2026-10-01,C1,S2,5,,\n"
    "2026-10-31,C2,S1,0,3,0\n"
)


class TestOrders:
    @pytest.fixture(params=["portable", "copy"])
    def path_kind(self, request):
        if request.param == "copy" and connection.vendor != "postgresql":
            pytest.skip("the COPY path needs PostgreSQL")
        return request.param

    def test_good_file_imports_with_defaults(self, master, tmp_path, path_kind):
        result = import_file(
            kind="orders",
            content=ORDERS_OK.encode(),
            filename="o.csv",
            use_copy=path_kind == "copy",
        )
        assert result.ok, result.errors
        assert (result.counts.created, result.counts.updated) == (3, 0)
        line = OrderLine.objects.get(customer__code="C1", sku__code="S2")
        # requested defaults to quantity; amount to quantity × wholesale price
        assert line.requested_quantity == 5
        assert line.amount == Decimal("502.50")
        zero = OrderLine.objects.get(customer__code="C2")
        assert (zero.quantity, zero.requested_quantity, zero.order_date) == (
            0,
            3,
            dt.date(2026, 10, 31),
        )

    def test_reimport_changes_nothing_and_update_is_counted(self, master, tmp_path, path_kind):
        use_copy = path_kind == "copy"
        import_file(kind="orders", content=ORDERS_OK.encode(), filename="o.csv", use_copy=use_copy)
        before = list(OrderLine.objects.order_by("pk").values())
        again = import_file(
            kind="orders", content=ORDERS_OK.encode(), filename="o.csv", use_copy=use_copy
        )
        assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 3)
        assert list(OrderLine.objects.order_by("pk").values()) == before
        changed = ORDERS_OK.replace("2026-10-01,C1,S1,10,12", "2026-10-01,C1,S1,11,12")
        third = import_file(
            kind="orders", content=changed.encode(), filename="o.csv", use_copy=use_copy
        )
        assert (third.counts.created, third.counts.updated, third.counts.unchanged) == (0, 1, 2)
        assert OrderLine.objects.count() == 3

    def test_one_bad_row_rejects_file_and_names_every_bad_row(self, master, tmp_path, path_kind):
        import_file(
            kind="orders",
            content=ORDERS_OK.encode(),
            filename="o.csv",
            use_copy=path_kind == "copy",
        )
        before = list(OrderLine.objects.order_by("pk").values())
        bad = (
            "order_date,customer_code,sku_code,quantity\n"
            "2026-11-01,C1,S1,4\n"  # row 2 good
            "2026-11-01,NOPE,S1,4\n"  # row 3 unknown customer
            "2026-11-31,C1,S2,4\n"  # row 4 bad date (no 31 November)
            "2026-11-02,C2,S9,4\n"  # row 5 unknown SKU
            "2026-11-03,C3,S1,-2\n"  # row 6 negative quantity
            "2026-11-01,C1,S1,7\n"  # row 7 duplicate of row 2
            "2026/11/04,C3,S2,1.5\n"  # row 8 bad date and not an integer
        )
        result = import_file(
            kind="orders", content=bad.encode(), filename="bad.csv", use_copy=path_kind == "copy"
        )
        got = {(e.row, e.column) for e in result.errors}
        assert got == {
            (3, "customer_code"),
            (4, "order_date"),
            (5, "sku_code"),
            (6, "quantity"),
            (7, "order_date+customer_code+sku_code"),
            (8, "order_date"),
            (8, "quantity"),
        }
        messages = {e.row: e.message for e in result.errors}
        assert messages[3] == "未知的客户编码"
        assert messages[5] == "未知的商品编码"
        assert messages[6] == "不能为负数"
        assert messages[7] == "与第 2 行重复"
        assert list(OrderLine.objects.order_by("pk").values()) == before

    def test_missing_required_column_rejects_file(self, master, path_kind):
        result = import_file(
            kind="orders",
            content=b"order_date,customer_code,quantity\n2026-10-01,C1,1\n",
            filename="o.csv",
            use_copy=path_kind == "copy",
        )
        assert not result.ok
        assert "sku_code" in result.file_error
        assert OrderLine.objects.count() == 0

    def test_chinese_headers_and_bom(self, master, path_kind):
        text = "\ufeff订单日期,客户编码,商品编码,数量\n2026-10-02,C1,S1,3\n"
        result = import_file(
            kind="orders", content=text.encode(), filename="o.csv", use_copy=path_kind == "copy"
        )
        assert result.ok, (result.errors, result.file_error)
        assert OrderLine.objects.get().quantity == 3

    def test_sku_without_price_needs_an_amount(self, master, path_kind):
        SkuFactory(code="NOPRICE", wholesale_price=None)
        text = "order_date,customer_code,sku_code,quantity\n2026-10-02,C1,NOPRICE,3\n"
        result = import_file(
            kind="orders", content=text.encode(), filename="o.csv", use_copy=path_kind == "copy"
        )
        assert [(e.row, e.column) for e in result.errors] == [(2, "amount")]


def test_cli_bad_file_exits_with_row_report_and_writes_nothing(master, tmp_path):
    run("orders", write_csv(tmp_path, "good.csv", ORDERS_OK))
    count = OrderLine.objects.count()
    bad = write_csv(tmp_path, "bad.csv", ORDERS_OK + "2026-10-02,C1,S1,-5,,\n")
    message, stderr = run_failing("orders", bad)
    assert "第 5 行 [quantity]：不能为负数（值：-5）" in stderr
    assert "整个文件未导入" in message
    assert OrderLine.objects.count() == count


def test_cli_good_file_twice_same_count(master, tmp_path):
    path = write_csv(tmp_path, "good.csv", ORDERS_OK, bom=True)
    out, _ = run("orders", path)
    assert "新增 3" in out
    out, _ = run("orders", path)
    assert "新增 0，更新 0，未变 3" in out
    assert OrderLine.objects.count() == 3


def test_cli_dry_run_writes_nothing(master, tmp_path):
    out, _ = run("orders", write_csv(tmp_path, "good.csv", ORDERS_OK), "--dry-run")
    assert "试运行" in out
    assert OrderLine.objects.count() == 0


def test_cli_rejects_non_utf8(master, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        "order_date,customer_code,sku_code,quantity\n2026-10-01,客户,S1,1\n".encode("gbk")
    )
    message, _ = run_failing("orders", path)
    assert "UTF-8" in message


def test_users_import_creates_teams_leads_and_is_idempotent(db, tmp_path):
    text = (
        "username,name,role,team,email\n"
        "mm9,张经理,market_manager,T09,mm9@example.com\n"
        "cm91,李客户经理,客户经理,T09,\n"
        "boss,王管理,admin,,\n"
    )
    path = write_csv(tmp_path, "users.csv", text)
    out, _ = run("users", path)
    assert "新增 3" in out
    team = Team.objects.get(code="T09")
    assert team.market_manager.username == "mm9"
    cm = User.objects.get(username="cm91")
    assert (cm.role, cm.team, cm.has_usable_password()) == (Role.CUSTOMER_MANAGER, team, False)
    assert User.objects.get(username="boss").is_staff
    out, _ = run("users", path)
    assert "新增 0，更新 0，未变 3" in out


def test_users_import_unknown_role_rejected(db, tmp_path):
    path = write_csv(tmp_path, "users.csv", "username,name,role\nx1,某人,salesman\nx2,某人,admin\n")
    _, stderr = run_failing("users", path)
    assert "第 2 行 [role]：未知的选项" in stderr
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


CUSTOMERS = (
    "客户编码,客户名称,客户经理,许可证号,地址,经营业态,档位,市场类型,商圈,拜访方式,拜访频率,状态,纬度,经度\n"
    "620102000001,王记便利店,cm01,620102300001,城关区建设路1号,便利店,18,城网,火车站商圈,实地拜访,每周,有效,36.061,103.834\n"
    "620102000002,惠民超市,cm01,,七里河区西津路8号,supermarket,25,urban,西站商圈,onsite,,active,,\n"
)


def test_customers_import_with_chinese_headers_and_labels(db, tmp_path):
    CustomerManagerFactory(username="cm01")
    out, _ = run("customers", write_csv(tmp_path, "c.csv", CUSTOMERS))
    assert "新增 2" in out
    c = Customer.objects.get(code="620102000001")
    assert (c.business_format, c.market_type, c.visit_method, c.visit_frequency) == (
        "convenience",
        "urban",
        "onsite",
        "weekly",
    )
    assert c.latitude == Decimal("36.061000")
    out, _ = run("customers", write_csv(tmp_path, "c.csv", CUSTOMERS))
    assert "未变 2" in out


def test_customers_import_errors(db, tmp_path):
    CustomerManagerFactory(username="cm01")
    UserFactory = CustomerManagerFactory._meta.model
    UserFactory.objects.create(username="mmx", role=Role.MARKET_MANAGER)
    text = (
        "code,name,manager,visit_method,status,tier\n"
        "A1,店一,cm01,,active,5\n"  # visit method required
        "A2,店二,mmx,onsite,active,5\n"  # not a customer manager
        "A3,店三,cm01,onsite,open,31\n"  # unknown status, tier out of range
    )
    _, stderr = run_failing("customers", write_csv(tmp_path, "c.csv", text))
    assert "第 2 行 [visit_method]：必填，不能为空" in stderr
    assert "第 3 行 [manager]" in stderr
    assert "第 4 行 [status]" in stderr and "第 4 行 [tier]：不能大于 30" in stderr
    assert Customer.objects.count() == 0


def test_skus_import_from_xlsx_and_key_brand_default(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "code",
            "name",
            "brand",
            "manufacturer",
            "price_class",
            "wholesale_price",
            "retail_price",
            "tar_mg",
            "launch_date",
        ]
    )
    sheet.append(
        ["6901028000011", "中华(硬)", "中华", "上海烟草集团", 1, 450, 500, 11, dt.date(2020, 1, 1)]
    )
    sheet.append(["6901028000012", "云烟(紫)", "云烟", "红云红河", 3, "185.5", 210, 10, None])
    path = tmp_path / "skus.xlsx"
    book.save(path)
    out, _ = run("skus", path)
    assert "新增 2" in out
    sku = Sku.objects.get(code="6901028000012")
    assert (sku.is_key_brand, sku.wholesale_price, sku.tar_mg, sku.tar_mg_imported) == (
        False,
        Decimal("185.50"),
        Decimal("10.0"),
        Decimal("10.0"),
    )
    assert Brand.objects.get(name="中华").manufacturer == "上海烟草集团"
    out, _ = run("skus", path)
    assert "未变 2" in out


def test_skus_import_keeps_a_hand_edited_tar_value(db, tmp_path):
    path = write_csv(tmp_path, "s.csv", "code,name,brand,tar_mg\nS1,兰州(硬珍品),兰州,10\n")
    run("skus", path)
    Sku.objects.filter(code="S1").update(tar_mg=Decimal("9.0"))
    run("skus", write_csv(tmp_path, "s.csv", "code,name,brand,tar_mg\nS1,兰州(硬珍品),兰州,8\n"))
    sku = Sku.objects.get(code="S1")
    assert (sku.tar_mg, sku.tar_mg_imported) == (Decimal("9.0"), Decimal("8.0"))


def test_forecasts_import(master, tmp_path):
    text = "month,customer_code,quantity\n2026-11,C1,120\n2026-11,C2,80\n"
    out, _ = run("forecasts", write_csv(tmp_path, "f.csv", text))
    assert "新增 2" in out
    assert Forecast.objects.get(customer__code="C1").month == dt.date(2026, 11, 1)
    bad = "month,customer_code,quantity\n2026-11,C1,100\n2026-13,C2,80\n2026-11,C1,90\n"
    _, stderr = run_failing("forecasts", write_csv(tmp_path, "f.csv", bad))
    assert "第 3 行 [month]" in stderr and "第 4 行 [month+customer_code]：与第 2 行重复" in stderr
    assert Forecast.objects.get(customer__code="C1").quantity == 120


class TestUploadPage:
    def test_admin_uploads_and_sees_the_row_report(
        self, master, client, django_capture_on_commit_callbacks
    ):
        admin = User.objects.create(username="root", role=Role.ADMIN, is_staff=True)
        client.force_login(admin)
        bad = ORDERS_OK + "2026-10-02,ZZ,S1,1,,\n"
        upload = io.BytesIO(bad.encode())
        upload.name = "orders.csv"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/imports/", {"kind": "orders", "file": upload})
        job = ImportJob.objects.get()
        assert response.status_code == 302 and response.url.endswith(f"/imports/{job.pk}/")
        assert job.status == ImportStatus.REJECTED
        page = client.get(response.url).content.decode()
        assert "未知的客户编码" in page and "整个文件未写入" in page
        assert OrderLine.objects.count() == 0

    def test_good_upload_succeeds(self, master, client, django_capture_on_commit_callbacks):
        admin = User.objects.create(username="root", role=Role.ADMIN, is_staff=True)
        client.force_login(admin)
        upload = io.BytesIO(ORDERS_OK.encode())
        upload.name = "orders.csv"
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/imports/", {"kind": "orders", "file": upload})
        job = ImportJob.objects.get()
        assert (job.status, job.rows_created) == (ImportStatus.SUCCEEDED, 3)

    def test_wrong_file_type_is_refused_on_the_form(self, master, client):
        admin = User.objects.create(username="root", role=Role.ADMIN, is_staff=True)
        client.force_login(admin)
        upload = io.BytesIO(b"\x89PNG")
        upload.name = "picture.png"
        response = client.post("/imports/", {"kind": "orders", "file": upload})
        assert response.status_code == 400
        assert "只支持 .csv 或 .xlsx 文件" in response.content.decode()
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize(
        "role", [Role.CUSTOMER_MANAGER, Role.MARKET_MANAGER, Role.BRAND_MANAGER]
    )
    def test_other_roles_are_forbidden(self, db, client, role):
        client.force_login(User.objects.create(username="u", role=role))
        assert client.get("/imports/").status_code == 403
        assert client.post("/imports/", {"kind": "orders"}).status_code == 403


class TestOddFiles:
    def test_blank_rows_after_the_data_are_ignored(self, master):
        text = ORDERS_OK + ",,,,,\n,,,,,\n"
        result = import_file(kind="orders", content=text.encode(), filename="o.csv", use_copy=False)
        assert result.ok, result.errors
        assert result.rows_total == 3

    def test_a_repeated_column_is_refused(self, master):
        text = "order_date,customer_code,sku_code,quantity,quantity\n2026-10-01,C1,S1,1,2\n"
        result = import_file(kind="orders", content=text.encode(), filename="o.csv", use_copy=False)
        assert "quantity" in result.file_error and OrderLine.objects.count() == 0

    def test_a_row_with_an_extra_cell_is_a_format_error_not_shifted_values(self, master):
        text = "order_date,customer_code,sku_code,quantity\n2026-10-01,C1,S1,1,\n"
        result = import_file(kind="orders", content=text.encode(), filename="o.csv", use_copy=False)
        assert not result.ok
        assert "order_date" not in {e.column for e in result.errors}

    def test_quantities_beyond_the_column_are_row_errors(self, master):
        text = (
            "month,customer_code,quantity\n2026-11,C1,3000000000\n2026-11,C2,99999999999999999999\n"
        )
        result = import_file(kind="forecasts", content=text.encode(), filename="f.csv")
        assert [(e.row, e.message) for e in result.errors] == [
            (2, "不能大于 999999999"),
            (3, "不能大于 999999999"),
        ]

    def test_exponents_and_far_years_are_refused(self, master):
        text = (
            "order_date,customer_code,sku_code,quantity,amount\n"
            "2026-10-01,C1,S1,1,1e3\n"
            "0001-01-01,C1,S2,1,\n"
        )
        result = import_file(kind="orders", content=text.encode(), filename="o.csv", use_copy=False)
        assert {(e.row, e.column) for e in result.errors} == {(2, "amount"), (3, "order_date")}

    def test_excel_dates_for_months_and_formula_noise(self, master, tmp_path):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["month", "customer_code", "quantity"])
        sheet.append([dt.datetime(2026, 12, 1), "C1", 12])
        path = tmp_path / "f.xlsx"
        book.save(path)
        result = import_file(kind="forecasts", content=path.read_bytes(), filename="f.xlsx")
        assert result.ok, result.errors
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["order_date", "customer_code", "sku_code", "quantity", "amount"])
        sheet.append([dt.datetime(2026, 10, 3), "C1", "S1", 3, 3.3 * 3])
        book.save(path)
        result = import_file(
            kind="orders", content=path.read_bytes(), filename="o.xlsx", use_copy=False
        )
        assert result.ok, result.errors
        assert OrderLine.objects.get().amount == Decimal("9.90")

    @pytest.mark.parametrize("use_copy", [False, True])
    def test_header_only_file(self, master, use_copy):
        if use_copy and connection.vendor != "postgresql":
            pytest.skip("the COPY path needs PostgreSQL")
        result = import_file(
            kind="orders",
            content=b"order_date,customer_code,sku_code,quantity\n",
            filename="o.csv",
            use_copy=use_copy,
        )
        assert result.file_error == "文件没有数据行。"
