"""Customer list, detail, edit, Excel export and the printable card, for every role."""

import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from core.months import add_months, previous_month
from customers.models import CustomerChange
from markets.models import PriceCheck, ShelfCheck
from tests.factories import CustomerFactory, OrderLineFactory, SkuFactory
from tests.test_charts import charts_in

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def variety(two_teams):
    """Customers of a1 that differ in every filterable attribute."""
    a1 = two_teams["cm"]["a1"]
    return {
        "big": CustomerFactory(
            manager=a1,
            code="V-big",
            name="大成超市",
            tier=28,
            business_format="supermarket",
            market_type="urban",
            trade_area="火车站商圈",
            visit_method="onsite",
        ),
        "small": CustomerFactory(
            manager=a1,
            code="V-small",
            name="小林食杂店",
            tier=3,
            business_format="grocery",
            market_type="rural",
            trade_area="乡镇集市",
            visit_method="phone",
        ),
        "gone": CustomerFactory(manager=a1, code="V-gone", name="关门便利店", status="inactive"),
    }


class TestList:
    def test_default_is_own_active_customers(self, client, two_teams, variety):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get("/customers/"))
        assert "V-big" in page and "V-small" in page and "C-a1" in page
        assert "V-gone" not in page and "C-a2" not in page
        assert "共 3 个客户" in page

    @pytest.mark.parametrize(
        ("query", "shown", "hidden"),
        [
            ("tier_band=A", ["V-big"], ["V-small"]),
            ("business_format=grocery", ["V-small"], ["V-big"]),
            ("market_type=rural", ["V-small"], ["V-big"]),
            ("trade_area=乡镇集市", ["V-small"], ["V-big"]),
            ("visit_method=phone", ["V-small"], ["V-big"]),
            ("q=大成", ["V-big"], ["V-small"]),
            ("status=inactive", ["V-gone"], ["V-big"]),
            ("status=", ["V-gone", "V-big", "V-small"], []),
        ],
    )
    def test_filters(self, client, two_teams, variety, query, shown, hidden):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get(f"/customers/?{query}"))
        for code in shown:
            assert code in page
        for code in hidden:
            assert code not in page

    def test_sorting_by_tier(self, client, two_teams, variety):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get("/customers/?o=-tier"))
        assert page.index("V-big") < page.index("C-a1") < page.index("V-small")
        page = html(client.get("/customers/?o=tier"))
        assert page.index("V-small") < page.index("V-big")

    def test_htmx_returns_the_results_partial_with_links_keeping_the_filter(
        self, client, two_teams, variety
    ):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get("/customers/?market_type=urban", HTTP_HX_REQUEST="true"))
        assert "<html" not in page and 'id="results"' in page
        assert "V-big" in page and "V-small" not in page
        # export and sort links carry the filter, so the URL can be bookmarked or shared
        assert "export.xlsx?market_type=urban" in page
        assert "market_type=urban&amp;o=code" in page or "o=code&amp;market_type=urban" in page

    def test_market_manager_sees_team_and_filters_by_manager(self, client, two_teams):
        client.force_login(two_teams["mm_a"])
        page = html(client.get("/customers/"))
        assert "C-a1" in page and "C-a2" in page and "C-b1" not in page
        a2 = two_teams["cm"]["a2"]
        page = html(client.get(f"/customers/?manager={a2.pk}"))
        assert "C-a2" in page and "C-a1" not in page
        # a manager of another team is not a valid choice: nothing leaks
        b1 = two_teams["cm"]["b1"]
        page = html(client.get(f"/customers/?manager={b1.pk}"))
        assert "C-b1" not in page

    def test_brand_manager_sees_all_read_only(self, client, two_teams):
        client.force_login(two_teams["brand"])
        page = html(client.get("/customers/?status="))
        assert all(code in page for code in ("C-a1", "C-a2", "C-b1"))
        assert "只读" in page

    def test_query_count_does_not_grow_with_rows(
        self, client, two_teams, django_assert_max_num_queries
    ):
        client.force_login(two_teams["mm_a"])
        with django_assert_max_num_queries(9):
            html(client.get("/customers/?per_page=500"))
        CustomerFactory.create_batch(60, manager=two_teams["cm"]["a2"])
        with django_assert_max_num_queries(9):
            page = html(client.get("/customers/?per_page=500"))
        assert "共 62 个客户" in page


class TestExport:
    def test_exports_exactly_the_filtered_rows_with_chinese_headers(
        self, client, two_teams, variety
    ):
        client.force_login(two_teams["cm"]["a1"])
        response = client.get("/customers/export.xlsx?market_type=urban&o=-tier")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.values)
        assert rows[0][:3] == ("客户编码", "客户名称", "许可证号")
        assert [r[0] for r in rows[1:]] == ["V-big", "C-a1"]
        assert "超市" in rows[1] and "城网" in rows[1] and "实地拜访" in rows[1]

    def test_export_is_scoped_like_the_list(self, client, two_teams):
        client.force_login(two_teams["cm"]["a2"])
        response = client.get("/customers/export.xlsx?status=")
        codes = [
            r[0]
            for r in list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)[1:]
        ]
        assert codes == ["C-a2"]


@pytest.fixture
def with_history(two_teams):
    customer = two_teams["customers"]["a1"]
    key = SkuFactory(name="黄鹤楼(硬金砂)", is_key_brand=True, retail_price=Decimal("200"))
    month = previous_month()
    for day in (3, 10, 17):
        OrderLineFactory(customer=customer, sku=key, order_date=month.replace(day=day), quantity=4)
    now = timezone.now()
    ShelfCheck.objects.create(customer=customer, sku=key, observed_at=now, on_shelf=False)
    PriceCheck.objects.create(customer=customer, sku=key, observed_at=now, price=Decimal("220"))
    return customer


class TestDetail:
    def test_shows_profile_volume_chart_key_skus_and_observations(
        self, client, two_teams, with_history
    ):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get(f"/customers/{with_history.pk}/"))
        assert with_history.name in page and "<svg" in page
        assert "黄鹤楼(硬金砂)" in page and "12" in page  # three orders of 4 cartons
        assert "未上柜" in page and "1.10" in page  # price index 220 / 200
        assert "修改资料" in page

    def test_volume_chart_has_thirteen_labelled_months_for_desktop_and_phone(
        self, client, two_teams, with_history
    ):
        """Last month's 12 cartons and 30 cartons five months before it; the other months
        are real zeros (orders are read from the order lines, every month is known)."""
        OrderLineFactory(
            customer=with_history,
            order_date=add_months(previous_month(), -5).replace(day=8),
            quantity=30,
        )
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get(f"/customers/{with_history.pk}/"))
        wide, narrow = charts_in(page)
        expected = ["0"] * 7 + ["30"] + ["0"] * 4 + ["12"]
        for chart in (wide, narrow):
            assert chart.kind == "chart-columns"
            assert len(chart.bars) == 13 and chart.values == expected
            assert chart.texts("chart-axis")[-1] == f"{previous_month():%m}"
            assert f"{previous_month():%Y-%m} 12" in chart.label
        assert 'class="chart-wide"' in page and 'class="chart-narrow"' in page
        # the phone's chart is drawn about as wide as a phone shows it, so its 11-unit labels
        # read at about 11 px; the desktop's is wider with the same font size
        assert int(narrow.element.get("viewBox").split()[2]) <= 330
        assert int(wide.element.get("viewBox").split()[2]) >= 700

    def test_no_orders_says_so_instead_of_an_empty_chart(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get(f"/customers/{two_teams['customers']['a1'].pk}/"))
        assert charts_in(page) == [] and "近 13 个月没有订货。" in page

    def test_phone_numbers_are_tel_links(self, client, two_teams):
        customer = two_teams["customers"]["a1"]
        customer.phone = "0931-8888123 / 138 0000 1111"
        customer.save()
        client.force_login(two_teams["cm"]["a1"])
        page = html(client.get(f"/customers/{customer.pk}/"))
        assert '<a href="tel:09318888123" class="tel" aria-label="拨打 0931-8888123">' in page
        assert '<a href="tel:13800001111" class="tel"' in page and ">138 0000 1111</a>" in page

    @pytest.mark.parametrize("who", ["a2", "b1"])
    def test_other_customer_managers_get_404_everywhere(self, client, two_teams, who):
        client.force_login(two_teams["cm"][who])
        pk = two_teams["customers"]["a1"].pk
        for url in (f"/customers/{pk}/", f"/customers/{pk}/edit/", f"/customers/{pk}/card.pdf"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/customers/{pk}/edit/", {"visit_method": "phone"}).status_code == 404

    @pytest.mark.parametrize("who", ["mm_a", "brand", "admin"])
    def test_read_only_roles_see_but_cannot_edit(self, client, two_teams, who):
        client.force_login(two_teams[who])
        customer = two_teams["customers"]["a1"]
        page = html(client.get(f"/customers/{customer.pk}/"))
        assert "修改资料" not in page
        assert client.get(f"/customers/{customer.pk}/edit/").status_code == 403
        response = client.post(f"/customers/{customer.pk}/edit/", {"visit_method": "phone"})
        assert response.status_code == 403
        customer.refresh_from_db()
        assert customer.visit_method == "onsite"

    def test_query_count_is_constant(
        self, client, two_teams, with_history, django_assert_max_num_queries
    ):
        client.force_login(two_teams["cm"]["a1"])
        # 16: the page's own, plus its satisfaction link, stored gross profits, action
        # outcomes and latest shelf photos (a query each, whatever the data)
        with django_assert_max_num_queries(16):
            html(client.get(f"/customers/{with_history.pk}/"))
        for i in range(10):
            OrderLineFactory(
                customer=with_history,
                order_date=previous_month().replace(day=20),
                sku=SkuFactory(is_key_brand=i % 2 == 0),
            )
        with django_assert_max_num_queries(16):
            html(client.get(f"/customers/{with_history.pk}/"))


class TestEdit:
    FORM = {
        "contact": "王老板",
        "phone": "13800001111",
        "address": "城关区建设路1号",
        "latitude": "36.061000",
        "longitude": "103.834000",
        "business_format": "convenience",
        "trade_area": "西站商圈",
        "visit_method": "phone",
        "visit_frequency": "weekly",
    }

    def test_owner_edits_and_every_change_is_recorded_and_shown(self, client, two_teams):
        owner = two_teams["cm"]["a1"]
        customer = two_teams["customers"]["a1"]
        client.force_login(owner)
        response = client.post(
            f"/customers/{customer.pk}/edit/",
            {**self.FORM, "code": "HACKED", "license_no": "X", "manager": two_teams["cm"]["a2"].pk},
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert (customer.visit_method, customer.trade_area, customer.contact) == (
            "phone",
            "西站商圈",
            "王老板",
        )
        assert customer.code == "C-a1" and customer.manager == owner  # not editable here
        change = CustomerChange.objects.get(customer=customer, field="visit_method")
        assert (change.old_value, change.new_value, change.changed_by) == ("onsite", "phone", owner)
        page = html(client.get(f"/customers/{customer.pk}/"))
        assert "资料修改记录" in page and "实地拜访" in page and "电话拜访" in page
        assert "已保存" in page

    def test_saving_unchanged_form_records_nothing(self, client, two_teams):
        customer = two_teams["customers"]["a1"]
        client.force_login(two_teams["cm"]["a1"])
        client.post(f"/customers/{customer.pk}/edit/", self.FORM)
        count = CustomerChange.objects.count()
        client.post(f"/customers/{customer.pk}/edit/", self.FORM)
        assert CustomerChange.objects.count() == count

    def test_visit_method_is_required_with_a_clear_message(self, client, two_teams):
        customer = two_teams["customers"]["a1"]
        client.force_login(two_teams["cm"]["a1"])
        response = client.post(f"/customers/{customer.pk}/edit/", {**self.FORM, "visit_method": ""})
        assert response.status_code == 400
        assert "请选择拜访方式：拜访方式是必填项。" in response.content.decode()
        assert "王老板" in response.content.decode()  # what was typed is kept
        customer.refresh_from_db()
        assert customer.visit_method == "onsite" and customer.contact == ""
        assert not CustomerChange.objects.exists()

    def test_coordinates_come_in_pairs(self, client, two_teams):
        customer = two_teams["customers"]["a1"]
        client.force_login(two_teams["cm"]["a1"])
        response = client.post(f"/customers/{customer.pk}/edit/", {**self.FORM, "longitude": ""})
        assert response.status_code == 400
        assert "纬度和经度要同时填写" in response.content.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_customer_card_pdf_has_chinese_text_and_an_embedded_cjk_font(
    client, two_teams, with_history, tmp_path
):
    client.force_login(two_teams["mm_a"])
    response = client.get(f"/customers/{with_history.pk}/card.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "card.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert with_history.name in text and "黄鹤楼(硬金砂)" in text and "近 13 个月订货量" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded (a subset)
