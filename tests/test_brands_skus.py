"""SKUs in the brand manager's workspace (issue #3 items 5–6): mapping SKUs to leaves, the SKU
list with its filters and bulk key-brand action, the SKU edit page, the brand pages."""

import io
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from brands import services
from brands.forms import SkuEditForm
from brands.models import CatalogChange, Sku
from tests.factories import BrandFactory, CategoryNodeFactory, SkuFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def people(two_teams):
    return {
        "cm": two_teams["cm"]["a1"],
        "mm": two_teams["mm_a"],
        "brand": two_teams["brand"],
        "admin": two_teams["admin"],
    }


@pytest.fixture
def catalogue(db):
    """卷烟 ─┬─ 一类烟 ─── 常规: 中华(硬)
              └─ 二类烟 ─── 细支: 玉溪(细支)
    unmapped: 云烟(紫) (key brand), 红河(硬甲) (discontinued)"""
    root = CategoryNodeFactory(name="卷烟")
    first = CategoryNodeFactory(name="一类烟", parent=root)
    first_regular = CategoryNodeFactory(name="常规", parent=first)
    second = CategoryNodeFactory(name="二类烟", parent=root)
    second_slim = CategoryNodeFactory(name="细支", parent=second)
    zhonghua = BrandFactory(name="中华", manufacturer="上海烟草集团")
    yuxi = BrandFactory(name="玉溪", manufacturer="红塔烟草集团")
    yunyan = BrandFactory(name="云烟", manufacturer="红云红河集团")
    skus = {
        "zh": SkuFactory(
            code="6901028001",
            name="中华(硬)",
            brand=zhonghua,
            price_class=1,
            category=first_regular,
            tar_mg=Decimal("11.0"),
            tar_mg_imported=Decimal("11.0"),
        ),
        "yx": SkuFactory(
            code="6901010002", name="玉溪(细支)", brand=yuxi, price_class=2, category=second_slim
        ),
        "yy": SkuFactory(
            code="6901012003", name="云烟(紫)", brand=yunyan, price_class=3, is_key_brand=True
        ),
        "hh": SkuFactory(
            code="6901012004", name="红河(硬甲)", brand=yunyan, price_class=5, status="discontinued"
        ),
    }
    return {
        "root": root,
        "first": first,
        "first_regular": first_regular,
        "second": second,
        "second_slim": second_slim,
        "brands": {"zh": zhonghua, "yx": yuxi, "yy": yunyan},
        "skus": skus,
    }


def codes(html: str, catalogue) -> set[str]:
    return {key for key, sku in catalogue["skus"].items() if sku.code in html}


# --- every page, every role -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["cm", "mm", "brand", "admin"])
def test_every_read_page_renders_in_chinese_for_every_role(client, two_teams, catalogue, who):
    login(client, people(two_teams)[who])
    leaf = catalogue["first_regular"].pk
    pages = {
        "/brands/": "生产企业",
        f"/brands/{catalogue['brands']['zh'].pk}/": "重点品牌单品",
        "/brands/categories/": "品类结构",
        f"/brands/mapping/?leaf={leaf}": "未归类单品",
        "/brands/skus/": "共 4 个单品",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert text in html and '<html lang="zh-hans"' in html, url
        editor = who in ("brand", "admin")
        writes = 'name="skus"' in html or "/edit/" in html or "/brands/mapping/assign/" in html
        if url != "/brands/" and url != "/brands/categories/":
            assert writes == editor, (url, who)


@pytest.mark.parametrize(
    ("who", "menu", "not_in_menu"),
    [
        ("cm", ["单品"], ["品类结构", "品牌"]),
        ("mm", ["单品"], ["品类结构", "品牌"]),
        ("brand", ["品类结构", "单品", "品牌"], []),
        ("admin", ["品类结构", "单品", "品牌"], []),
    ],
)
def test_navigation_entries_per_role(client, two_teams, who, menu, not_in_menu):
    login(client, people(two_teams)[who])
    page = client.get("/brands/skus/").content.decode()
    nav = page.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    labels = [part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in nav.split("<a ")[1:]]
    for label in menu:
        assert label in labels
    for label in not_in_menu:
        assert label not in labels
    active = [part for part in nav.split("<a ")[1:] if 'class="active"' in part]
    assert len(active) == 1 and ">单品</a>" in active[0]


@pytest.mark.parametrize("who", ["cm", "mm"])
def test_customer_and_market_managers_get_403_on_every_sku_write(client, two_teams, catalogue, who):
    login(client, people(two_teams)[who])
    sku = catalogue["skus"]["yy"]
    posts = [
        ("/brands/mapping/assign/", {"category": catalogue["first_regular"].pk, "skus": [sku.pk]}),
        ("/brands/mapping/unmap/", {"skus": [catalogue["skus"]["zh"].pk]}),
        ("/brands/skus/key-brand/", {"skus": [sku.pk], "value": "0"}),
        (f"/brands/skus/{sku.pk}/edit/", {"tar_mg": "1.0"}),
        (f"/brands/skus/{sku.pk}/reset-tar/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
        assert client.get(url).status_code == 403, url
    sku.refresh_from_db()
    assert sku.is_key_brand and sku.category is None and sku.tar_mg is None
    assert not CatalogChange.objects.exists()


# --- mapping SKUs to leaves -----------------------------------------------------------------


class TestMapping:
    def test_bulk_mapping_assigns_exactly_the_selected_skus(self, client, two_teams, catalogue):
        skus = catalogue["skus"]
        leaf = catalogue["first_regular"]
        login(client, two_teams["brand"])
        response = client.post(
            "/brands/mapping/assign/",
            {
                "category": leaf.pk,
                "skus": [skus["yy"].pk, skus["yx"].pk],
                "query": f"leaf={leaf.pk}&unmapped=1",
            },
        )
        assert response.status_code == 302
        assert response.url == f"/brands/mapping/?leaf={leaf.pk}&unmapped=1"
        assert set(Sku.objects.filter(category=leaf)) == {skus["zh"], skus["yy"], skus["yx"]}
        assert Sku.objects.get(pk=skus["hh"].pk).category is None  # not selected
        page = client.get(response.url).content.decode()
        assert "已把 2 个单品归入「常规」。" in page
        moved = CatalogChange.objects.get(object_id=skus["yx"].pk)
        assert (moved.action, moved.old_value, moved.new_value) == (
            "map",
            "卷烟 / 二类烟 / 细支",
            "卷烟 / 一类烟 / 常规",
        )
        assert CatalogChange.objects.get(object_id=skus["yy"].pk).old_value == ""

    def test_mapping_to_a_node_with_children_is_refused(self, client, two_teams, catalogue):
        login(client, two_teams["admin"])
        response = client.post(
            "/brands/mapping/assign/",
            {"category": catalogue["first"].pk, "skus": [catalogue["skus"]["yy"].pk]},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert "<html" not in html
        assert "「卷烟 / 一类烟」下有 1 个下级品类，单品只能归入叶子节点" in html
        assert Sku.objects.get(pk=catalogue["skus"]["yy"].pk).category is None
        with pytest.raises(ValidationError, match="单品只能归入叶子节点"):
            services.sku_map_to_category(
                skus=[catalogue["skus"]["yy"]], category=catalogue["root"], by=two_teams["brand"]
            )

    def test_unmap(self, client, two_teams, catalogue):
        login(client, two_teams["brand"])
        zh = catalogue["skus"]["zh"]
        response = client.post("/brands/mapping/unmap/", {"skus": [zh.pk]}, HTTP_HX_REQUEST="true")
        assert "已取消 1 个单品的归类。" in response.content.decode()
        zh.refresh_from_db()
        assert zh.category is None
        assert CatalogChange.objects.get(action="unmap").old_value == "卷烟 / 一类烟 / 常规"

    def test_nothing_selected_says_so(self, client, two_teams, catalogue):
        login(client, two_teams["brand"])
        response = client.post(
            "/brands/mapping/assign/",
            {"category": catalogue["first_regular"].pk},
            HTTP_HX_REQUEST="true",
        )
        assert "请至少选择一个单品。" in response.content.decode()

    def test_page_shows_the_leaf_its_skus_and_the_unmapped_count(
        self, client, two_teams, catalogue
    ):
        login(client, two_teams["brand"])
        leaf = catalogue["first_regular"]
        page = client.get("/brands/mapping/", {"leaf": leaf.pk}).content.decode()
        assert "「卷烟 / 一类烟 / 常规」中的单品" in page
        assert '<span class="stat-value">2</span><span class="stat-label">未归类单品' in page
        candidates = page.split('id="mapping-candidates"', 1)[1]
        assert codes(candidates, catalogue) == {"yx", "yy", "hh"}  # not those already there
        # leaves only in the picker
        picker = page.split('name="leaf"', 1)[1].split("</select>", 1)[0]
        assert f'value="{leaf.pk}"' in picker and f'value="{catalogue["first"].pk}"' not in picker

    def test_candidate_filters_update_in_place(self, client, two_teams, catalogue):
        login(client, two_teams["cm"]["a1"])
        leaf = catalogue["first_regular"]
        response = client.get(
            "/brands/mapping/",
            {"leaf": leaf.pk, "unmapped": "1", "brand": catalogue["brands"]["yy"].pk},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="mapping-candidates",
        )
        html = response.content.decode()
        assert "<html" not in html and "未归类单品" not in html  # the candidates partial only
        assert codes(html, catalogue) == {"yy", "hh"}
        html = client.get("/brands/mapping/", {"q": "玉溪"}).content.decode()
        assert codes(html.split('id="mapping-candidates"', 1)[1], catalogue) == {"yx"}

    @pytest.mark.parametrize("size", [5, 50])
    def test_query_count_does_not_grow_with_rows(
        self, client, two_teams, catalogue, size, django_assert_max_num_queries
    ):
        leaf = catalogue["first_regular"]
        SkuFactory.create_batch(size, category=leaf)
        SkuFactory.create_batch(size)
        login(client, two_teams["brand"])
        with django_assert_max_num_queries(9):
            assert client.get("/brands/mapping/", {"leaf": leaf.pk}).status_code == 200


# --- the SKU list ---------------------------------------------------------------------------


class TestSkuList:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, {"zh", "yx", "yy", "hh"}),
            ({"q": "6901012"}, {"yy", "hh"}),
            ({"q": "玉溪"}, {"yx"}),
            ({"brand": "yy"}, {"yy", "hh"}),
            ({"price_class": "2"}, {"yx"}),
            ({"key": "1"}, {"yy"}),
            ({"key": "0"}, {"zh", "yx", "hh"}),
            ({"category": "root"}, {"zh", "yx"}),  # a node includes its descendants
            ({"category": "second"}, {"yx"}),
            ({"category": "none"}, {"yy", "hh"}),
            ({"status": "discontinued"}, {"hh"}),
            ({"brand": "yy", "status": "active"}, {"yy"}),
            ({"price_class": "9", "key": "x", "brand": "abc"}, {"zh", "yx", "yy", "hh"}),
        ],
    )
    def test_filters(self, client, two_teams, catalogue, params, expected):
        query = dict(params)
        if query.get("brand") in catalogue["brands"]:
            query["brand"] = catalogue["brands"][query["brand"]].pk
        if query.get("category") in catalogue:
            query["category"] = catalogue[query["category"]].pk
        login(client, two_teams["cm"]["a1"])
        html = client.get("/brands/skus/", query).content.decode()
        table = html.split('id="sku-table"', 1)[1]
        assert codes(table, catalogue) == expected
        assert f"共 {len(expected)} 个单品" in table

    def test_filters_and_paging_update_in_place_and_stay_in_the_url(
        self, client, two_teams, catalogue
    ):
        SkuFactory.create_batch(60, brand=catalogue["brands"]["yy"])
        login(client, two_teams["mm_a"])
        page = client.get("/brands/skus/").content.decode()
        assert 'hx-push-url="true"' in page and 'hx-target="#sku-table"' in page
        brand = catalogue["brands"]["yy"].pk
        response = client.get("/brands/skus/", {"brand": brand, "page": 2}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert "<html" not in html and "共 62 个单品" in html and "第 2 / 2 页" in html
        assert f"/brands/skus/?brand={brand}&amp;page=1" in html

    def test_bulk_mark_and_unmark_key_brand(self, client, two_teams, catalogue):
        skus = catalogue["skus"]
        login(client, two_teams["brand"])
        response = client.post(
            "/brands/skus/key-brand/",
            {"skus": [skus["zh"].pk, skus["yy"].pk], "value": "1", "query": "status=active"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert "<html" not in html and "已把 1 个单品标为重点品牌。" in html
        assert codes(html, catalogue) == {"zh", "yx", "yy"}  # still filtered by status
        assert set(Sku.objects.filter(is_key_brand=True)) == {skus["zh"], skus["yy"]}
        response = client.post(
            "/brands/skus/key-brand/", {"skus": [skus["zh"].pk, skus["yx"].pk], "value": "0"}
        )
        assert response.status_code == 302 and response.url == "/brands/skus/"
        assert set(Sku.objects.filter(is_key_brand=True)) == {skus["yy"]}
        assert list(
            CatalogChange.objects.order_by("id").values_list("object_id", "old_value", "new_value")
        ) == [(skus["zh"].pk, "否", "是"), (skus["zh"].pk, "是", "否")]

    @pytest.mark.parametrize("size", [5, 50])
    def test_query_count_does_not_grow_with_rows(
        self, client, two_teams, catalogue, size, django_assert_max_num_queries
    ):
        SkuFactory.create_batch(size, category=catalogue["second_slim"])
        login(client, two_teams["brand"])
        with django_assert_max_num_queries(8):
            response = client.get("/brands/skus/", {"category": catalogue["root"].pk})
        assert response.status_code == 200


# --- the SKU edit page ----------------------------------------------------------------------


class TestSkuEdit:
    def test_edit_updates_tar_and_key_flag_and_the_source_label_switches(
        self, client, two_teams, catalogue
    ):
        zh = catalogue["skus"]["zh"]
        url = f"/brands/skus/{zh.pk}/edit/"
        login(client, two_teams["brand"])
        page = client.get(url).content.decode()
        assert "导入值 11.0 mg" in page and "手工修改" not in page and "恢复为导入值" not in page
        response = client.post(url, {"tar_mg": "8.5", "is_key_brand": "on"})
        assert response.status_code == 302
        zh.refresh_from_db()
        assert zh.tar_mg == Decimal("8.5") and zh.is_key_brand
        assert zh.tar_mg_imported == Decimal("11.0")
        page = client.get(response.url).content.decode()
        assert "已保存「中华(硬)（6901028001）」。" in page
        assert "手工修改（导入值 11.0 mg）" in page and "恢复为导入值 11.0 mg" in page
        assert "重点品牌：否 → 是" in page and "焦油含量（mg）：11.0 → 8.5" in page  # history
        changes = CatalogChange.objects.filter(object_id=zh.pk).order_by("field")
        assert [(c.field, c.old_value, c.new_value, c.by) for c in changes] == [
            ("is_key_brand", "否", "是", two_teams["brand"]),
            ("tar_mg", "11.0", "8.5", two_teams["brand"]),
        ]

    def test_reset_to_the_imported_value(self, client, two_teams, catalogue):
        zh = catalogue["skus"]["zh"]
        Sku.objects.filter(pk=zh.pk).update(tar_mg=Decimal("6.0"))
        login(client, two_teams["admin"])
        response = client.post(f"/brands/skus/{zh.pk}/reset-tar/", follow=True)
        zh.refresh_from_db()
        assert zh.tar_mg == Decimal("11.0")
        html = response.content.decode()
        assert "焦油含量已恢复为导入值 11.0 mg。" in html and "当前值来源：" in html
        assert "导入值 11.0 mg" in html and "手工修改（" not in html

    def test_bad_tar_is_refused_with_a_message(self, client, two_teams, catalogue):
        zh = catalogue["skus"]["zh"]
        login(client, two_teams["brand"])
        response = client.post(f"/brands/skus/{zh.pk}/edit/", {"tar_mg": "120"})
        assert response.status_code == 200 and "99.9" in response.content.decode()
        zh.refresh_from_db()
        assert zh.tar_mg == Decimal("11.0")
        with pytest.raises(ValidationError, match="最多保留一位小数"):
            services.sku_update(sku=zh, is_key_brand=False, tar_mg="8.25", by=two_teams["brand"])

    def test_back_link_keeps_the_list_filters_and_refuses_other_hosts(
        self, client, two_teams, catalogue
    ):
        zh = catalogue["skus"]["zh"]
        login(client, two_teams["brand"])
        page = client.get(f"/brands/skus/{zh.pk}/edit/?next=/brands/skus/%3Fkey%3D1").content
        assert b'href="/brands/skus/?key=1"' in page
        page = client.get(f"/brands/skus/{zh.pk}/edit/?next=https://evil.example/").content
        assert b'href="https://evil.example/"' not in page and b'href="/brands/skus/"' in page


# --- brands ---------------------------------------------------------------------------------


class TestBrands:
    def test_list_counts_skus_and_key_skus(self, client, two_teams, catalogue):
        login(client, two_teams["cm"]["a1"])
        html = client.get("/brands/").content.decode()
        assert "共 3 个品牌" in html
        row = html.split(">云烟</a>", 1)[1].split("</tr>", 1)[0]
        assert "红云红河集团" in row
        cells = [c.split("</td>", 1)[0] for c in row.split('<td class="num">')[1:]]
        assert cells[0] == "2" and "★ 1" in cells[1] and cells[2] == "1"
        html = client.get("/brands/", {"q": "红塔"}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in html and "玉溪" in html and "云烟" not in html

    def test_detail_lists_the_brands_skus(self, client, two_teams, catalogue):
        login(client, two_teams["brand"])
        html = client.get(f"/brands/{catalogue['brands']['yy'].pk}/").content.decode()
        assert codes(html, catalogue) == {"yy", "hh"}
        assert "停销" in html and "★ 重点" in html
        assert client.get("/brands/999999/").status_code == 404

    @pytest.mark.parametrize("size", [5, 50])
    def test_query_counts_do_not_grow_with_rows(
        self, client, two_teams, catalogue, size, django_assert_max_num_queries
    ):
        brand = catalogue["brands"]["yy"]
        SkuFactory.create_batch(size, brand=brand, category=catalogue["second_slim"])
        BrandFactory.create_batch(size)
        login(client, two_teams["brand"])
        # one query of each page is the navigation's unread count of the feed
        with django_assert_max_num_queries(5):
            assert client.get("/brands/").status_code == 200
        with django_assert_max_num_queries(6):
            assert client.get(f"/brands/{brand.pk}/").status_code == 200


# --- downloads: the SKU list and the brands as the page filters them ------------------------


def workbook(response):
    assert response.status_code == 200, response.content[:300]
    return load_workbook(io.BytesIO(response.content))


class TestExports:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, {"zh", "yx", "yy", "hh"}),
            ({"q": "6901012"}, {"yy", "hh"}),
            ({"category": "root"}, {"zh", "yx"}),
            ({"category": "none", "status": "active"}, {"yy"}),
            ({"key": "0", "page": "2"}, {"zh", "yx", "hh"}),  # every page, not the page shown
        ],
    )
    def test_the_sku_download_has_the_pages_filters(
        self, client, two_teams, catalogue, params, expected
    ):
        query = dict(params)
        if query.get("category") in catalogue:
            query["category"] = catalogue[query["category"]].pk
        login(client, two_teams["cm"]["a1"])
        response = client.get("/brands/skus/export.xlsx", query)
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''"
            + quote(f"卷烟规格_{timezone.localdate():%Y-%m-%d}.xlsx")
        )
        rows = list(workbook(response).active.values)
        by_code = {row[0]: row for row in rows[1:]}
        assert {key for key, sku in catalogue["skus"].items() if sku.code in by_code} == expected

    def test_the_sku_sheet_reads_as_the_page(self, client, two_teams, catalogue):
        login(client, two_teams["brand"])
        sheet = workbook(client.get("/brands/skus/export.xlsx")).active
        assert sheet.title == "卷烟规格"
        header = [c.value for c in sheet[1]]
        assert header == [
            "商品编码", "商品名称", "品牌", "生产企业", "价类", "批发价（元/条）",
            "建议零售价（元/条）", "焦油含量（mg）", "导入的焦油含量（mg）", "重点品牌",
            "上市日期", "状态", "品类",
        ]  # fmt: skip
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:M5"
        assert sheet.column_dimensions["B"].width >= 20 and sheet.column_dimensions["E"].width < 10
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
        zh = rows["6901028001"]
        assert [c.value for c in zh[:5]] == ["6901028001", "中华(硬)", "中华", "上海烟草集团", 1]
        assert zh[5].value == 120 and zh[5].number_format == "0.00"  # a number, not text
        assert zh[7].value == 11 and zh[9].value == "否" and zh[11].value == "在销"
        assert zh[12].value == "卷烟 / 一类烟 / 常规"
        yy, hh = rows["6901012003"], rows["6901012004"]
        assert yy[9].value == "是" and yy[12].value is None  # unmapped: empty
        assert hh[11].value == "停销"

    def test_the_brand_download_has_the_pages_search(self, client, two_teams, catalogue):
        login(client, two_teams["mm_a"])
        page = client.get("/brands/", {"q": "红"}, HTTP_HX_REQUEST="true").content.decode()
        assert 'href="/brands/export.xlsx?q=%E7%BA%A2"' in page
        response = client.get("/brands/export.xlsx", {"q": "红"})
        assert (
            quote(f"品牌_{timezone.localdate():%Y-%m-%d}.xlsx") in response["Content-Disposition"]
        )
        sheet = workbook(response).active
        rows = list(sheet.values)
        assert rows[0] == ("品牌", "生产企业", "单品数", "重点单品数", "在销单品数")
        assert rows[1:] == [("云烟", "红云红河集团", 2, 1, 1), ("玉溪", "红塔烟草集团", 1, 0, 1)]
        assert sheet.auto_filter.ref == "A1:E3" and sheet.freeze_panes == "A2"

    def test_the_list_links_the_download_with_its_filters(self, client, two_teams, catalogue):
        login(client, two_teams["cm"]["a1"])
        html = client.get(
            "/brands/skus/", {"status": "active", "page": "1"}, HTTP_HX_REQUEST="true"
        ).content.decode()
        assert 'href="/brands/skus/export.xlsx?status=active" download' in html
        assert client.post("/brands/skus/export.xlsx").status_code == 405

    def test_the_download_queries_do_not_grow_with_rows(
        self, client, two_teams, catalogue, django_assert_max_num_queries
    ):
        SkuFactory.create_batch(40, category=catalogue["second_slim"])
        BrandFactory.create_batch(40)
        login(client, two_teams["brand"])
        with django_assert_max_num_queries(5):
            assert len(list(workbook(client.get("/brands/skus/export.xlsx")).active.values)) == 45
        with django_assert_max_num_queries(4):
            assert len(list(workbook(client.get("/brands/export.xlsx")).active.values)) > 40


# --- labels and the SKU edit layout ---------------------------------------------------------


def test_labels_sit_above_their_fields_without_a_colon(client, two_teams, catalogue):
    """One rule for every form (core.forms.FormRenderer): no “：” or “:” after a label."""
    login(client, two_teams["brand"])
    page = client.get(f"/brands/skus/{catalogue['skus']['zh'].pk}/edit/").content.decode()
    assert '<label for="id_tar_mg">焦油含量（mg）</label>' in page
    tasks = client.get("/brand-tasks/").content.decode()
    assert '<label for="id_sku">重点单品</label>' in tasks
    assert '<label for="id_content">任务内容</label>' in tasks
    english = client.get("/en/brand-tasks/").content.decode()
    assert re.search(r'<label for="id_content">[^<:：]+</label>', english)
    # a field's own suffix is still honoured
    form = SkuEditForm()
    form.fields["tar_mg"].label_suffix = "？"
    assert form["tar_mg"].label_tag().endswith("？</label>")


def test_the_key_brand_checkbox_sits_with_its_label(client, two_teams, catalogue):
    login(client, two_teams["brand"])
    page = client.get(f"/brands/skus/{catalogue['skus']['yy'].pk}/edit/").content.decode()
    # the label wraps the box and its text; tests/e2e/test_form_layout.py measures the gap
    assert re.search(
        r'<div class="field">\s*<label class="check"><input type="checkbox" name="is_key_brand"'
        r' id="id_is_key_brand" checked><span>重点品牌</span></label>',
        page,
    )
