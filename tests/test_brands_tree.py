"""The category tree (品类结构, issue #3 item 4): what the brand manager sees and may change."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from brands import services
from brands.models import CatalogChange, Category
from brands.selectors import category_tree
from brands.services import categories as category_services
from brands.tree import Tree
from tests.factories import BrandManagerFactory, CategoryNodeFactory, SkuFactory

pytestmark = pytest.mark.django_db

URL = "/brands/categories/"


@pytest.fixture
def tree(db):
    """卷烟 ─┬─ 一类烟 ─┬─ 常规 (2 SKUs)
              │          └─ 细支
              └─ 二类烟 ─── 常规 (1 SKU)
    雪茄 (empty root)"""
    root = CategoryNodeFactory(name="卷烟")
    first = CategoryNodeFactory(name="一类烟", parent=root)
    first_regular = CategoryNodeFactory(name="常规", parent=first)
    first_slim = CategoryNodeFactory(name="细支", parent=first)
    second = CategoryNodeFactory(name="二类烟", parent=root)
    second_regular = CategoryNodeFactory(name="常规", parent=second)
    cigars = CategoryNodeFactory(name="雪茄")
    skus = SkuFactory.create_batch(2, category=first_regular) + [
        SkuFactory(category=second_regular)
    ]
    return {
        "root": root,
        "first": first,
        "first_regular": first_regular,
        "first_slim": first_slim,
        "second": second,
        "second_regular": second_regular,
        "cigars": cigars,
        "skus": skus,
    }


def shape():
    return sorted(Category.objects.values_list("id", "name", "parent_id", "position"))


def positions(parent):
    return list(
        Category.objects.filter(parent=parent)
        .order_by("position")
        .values_list("position", flat=True)
    )


def names(parent):
    return list(
        Category.objects.filter(parent=parent).order_by("position").values_list("name", flat=True)
    )


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


class TestTreeAssembly:
    def test_one_query_builds_the_ordered_tree_with_counts(self, tree, django_assert_num_queries):
        with django_assert_num_queries(1):
            built = category_tree()
            rows = [(n.depth, n.name, n.sku_count, n.total_skus) for n in built]
        assert rows == [
            (0, "卷烟", 0, 3),
            (1, "一类烟", 0, 2),
            (2, "常规", 2, 2),
            (2, "细支", 0, 0),
            (1, "二类烟", 0, 1),
            (2, "常规", 1, 1),
            (0, "雪茄", 0, 0),
        ]
        assert built.path(tree["first_slim"].pk) == "卷烟 / 一类烟 / 细支"
        assert built.subtree_ids(tree["first"].pk) == {
            tree["first"].pk,
            tree["first_regular"].pk,
            tree["first_slim"].pk,
        }
        assert [n.name for n in built.leaves()] == ["常规", "细支", "常规", "雪茄"]

    def test_siblings_follow_position_then_id(self):
        built = Tree([(1, "a", None, 5), (2, "b", None, 0), (3, "c", None, 5), (4, "d", 2, 0)])
        assert [n.name for n in built] == ["b", "d", "a", "c"]
        assert built.is_in_subtree(4, 2) and not built.is_in_subtree(2, 4)


class TestPage:
    @pytest.mark.parametrize("who", ["cm", "mm", "brand", "admin"])
    def test_every_role_sees_the_tree_in_chinese(self, client, two_teams, tree, who):
        login(client, people(two_teams)[who])
        page = client.get(URL).content.decode()
        assert "品类结构" in page and "一类烟" in page and "雪茄" in page
        assert "2 个单品" in page and "共 3" in page
        detail = client.get(URL, {"node": tree["first"].pk}).content.decode()
        assert "卷烟 / 一类烟" in detail and "查看单品" in detail
        writes = "/brands/categories/create/" in detail or "/rename/" in detail
        assert writes == (who in ("brand", "admin"))

    def test_panel_says_why_a_node_cannot_be_deleted_or_get_children(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        page = client.get(URL, {"node": tree["first"].pk}).content.decode()
        assert "不能删除：下面还有 2 个下级品类。" in page
        page = client.get(URL, {"node": tree["first_regular"].pk}).content.decode()
        assert "不能删除：下面还有 2 个单品。" in page
        assert "不能再添加下级品类" in page
        page = client.get(URL, {"node": tree["cigars"].pk}).content.decode()
        assert "删除此品类" in page

    def test_move_choices_leave_out_the_subtree_and_mapped_leaves(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        page = client.get(URL, {"node": tree["first"].pk}).content.decode()
        select = page.split('name="new_parent"', 1)[1].split("</select>", 1)[0]
        assert f'value="{tree["cigars"].pk}"' in select
        assert f'value="{tree["first_slim"].pk}"' not in select  # its own descendant
        assert f'value="{tree["second_regular"].pk}"' not in select  # has SKUs
        assert f'value="{tree["root"].pk}"' not in select  # already there

    def test_htmx_gets_only_the_workspace(self, client, two_teams, tree):
        login(client, two_teams["cm"]["a1"])
        html = client.get(URL, {"node": tree["first"].pk}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in html and "一类烟" in html

    @pytest.mark.parametrize("size", [5, 50])
    def test_query_count_does_not_grow_with_the_tree(
        self, client, two_teams, size, django_assert_max_num_queries
    ):
        root = CategoryNodeFactory(name="卷烟")
        for i in range(size):
            parent = CategoryNodeFactory(name=f"分组{i}", parent=root)
            leaf = CategoryNodeFactory(name=f"节点{i}", parent=parent)
            SkuFactory(category=leaf)
        login(client, two_teams["brand"])
        with django_assert_max_num_queries(5):
            response = client.get(URL, {"node": parent.pk})
        assert response.status_code == 200
        assert f"节点{size - 1}" in response.content.decode()


class TestWriteAccess:
    @pytest.mark.parametrize("who", ["cm", "mm"])
    def test_customer_and_market_managers_get_403_on_every_write(
        self, client, two_teams, tree, who
    ):
        login(client, people(two_teams)[who])
        before = shape()
        pk = tree["cigars"].pk
        posts = [
            ("/brands/categories/create/", {"name": "新品类"}),
            (f"/brands/categories/{pk}/rename/", {"name": "改名"}),
            (f"/brands/categories/{pk}/move/", {"new_parent": tree["first_slim"].pk}),
            (f"/brands/categories/{pk}/reorder/", {"direction": "up"}),
            (f"/brands/categories/{pk}/delete/", {}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 403, url
            assert client.get(url).status_code == 403, url
        assert shape() == before
        assert not CatalogChange.objects.exists()

    def test_write_urls_answer_405_to_a_get_from_an_editor(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        assert client.get("/brands/categories/create/").status_code == 405
        assert client.get(f"/brands/categories/{tree['cigars'].pk}/delete/").status_code == 405

    @pytest.mark.parametrize("who", ["brand", "admin"])
    def test_brand_manager_and_admin_add_rename_and_delete(self, client, two_teams, tree, who):
        user = people(two_teams)[who]
        login(client, user)
        response = client.post(
            "/brands/categories/create/", {"parent": tree["first"].pk, "name": "中支"}
        )
        assert response.status_code == 302
        node = Category.objects.get(parent=tree["first"], name="中支")
        assert (
            node.position == 2
            and response.url == f"{URL}?node={tree['first'].pk}#node-{tree['first'].pk}"
        )
        page = client.get(response.url).content.decode()
        assert "已添加品类「中支」。" in page
        client.post(f"/brands/categories/{node.pk}/rename/", {"name": "中支烟"})
        node.refresh_from_db()
        assert node.name == "中支烟"
        client.post(f"/brands/categories/{node.pk}/delete/")
        assert not Category.objects.filter(pk=node.pk).exists()
        root = client.post("/brands/categories/create/", {"name": "电子烟"})
        new_root = Category.objects.get(parent=None, name="电子烟")
        assert new_root.position == 2 and f"node={new_root.pk}" in root.url
        assert list(
            CatalogChange.objects.filter(by=user).order_by("id").values_list("action", "field")
        ) == [("create", "name"), ("update", "name"), ("delete", "name"), ("create", "name")]


class TestMove:
    def test_move_under_a_descendant_is_refused_and_the_tree_is_unchanged(
        self, client, two_teams, tree
    ):
        login(client, two_teams["brand"])
        before = shape()
        response = client.post(
            f"/brands/categories/{tree['root'].pk}/move/",
            {"new_parent": tree["first_slim"].pk},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert (
            "「卷烟 / 一类烟 / 细支」是「卷烟」的下级品类，不能把「卷烟」移到它下面（会形成循环）。"
            in html
        )
        assert shape() == before

    def test_move_under_itself_is_refused(self, two_teams, tree):
        with pytest.raises(ValidationError, match="不能把「卷烟 / 一类烟」移到它自己下面"):
            services.category_move(
                node=tree["first"], new_parent=tree["first"], by=two_teams["brand"]
            )

    def test_move_renumbers_both_sibling_lists(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        response = client.post(
            f"/brands/categories/{tree['first'].pk}/move/", {"new_parent": tree["cigars"].pk}
        )
        assert response.status_code == 302
        tree["first"].refresh_from_db()
        assert tree["first"].parent == tree["cigars"] and tree["first"].position == 0
        assert names(tree["root"]) == ["二类烟"] and positions(tree["root"]) == [0]
        change = CatalogChange.objects.get(action="move")
        assert (change.old_value, change.new_value) == ("卷烟 / 一类烟", "雪茄 / 一类烟")

    def test_move_to_the_top_level(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        url = f"/brands/categories/{tree['second'].pk}/move/"
        response = client.post(url, {"new_parent": ""}, HTTP_HX_REQUEST="true")
        assert "请选择要移到哪个品类下。" in response.content.decode()
        client.post(url, {"new_parent": "root"})
        assert names(None) == ["卷烟", "雪茄", "二类烟"] and positions(None) == [0, 1, 2]
        with pytest.raises(ValidationError, match="「二类烟」已经在一级品类中，无需移动。"):
            services.category_move(node=tree["second"], new_parent=None, by=two_teams["brand"])

    def test_duplicate_name_among_the_new_siblings_is_refused(self, two_teams, tree):
        before = shape()
        with pytest.raises(ValidationError, match="「卷烟 / 二类烟」下已有名为「常规」的品类"):
            services.category_move(
                node=tree["first_regular"], new_parent=tree["second"], by=two_teams["brand"]
            )
        assert shape() == before

    def test_move_under_a_leaf_with_skus_is_refused(self, two_teams, tree):
        with pytest.raises(ValidationError, match="下已有 1 个单品，不能作为上级品类"):
            services.category_move(
                node=tree["cigars"], new_parent=tree["second_regular"], by=two_teams["brand"]
            )


class TestRules:
    def test_adding_a_child_to_a_mapped_leaf_is_refused(self, client, two_teams, tree):
        login(client, two_teams["admin"])
        before = shape()
        response = client.post(
            "/brands/categories/create/",
            {"parent": tree["first_regular"].pk, "name": "细分"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert "「卷烟 / 一类烟 / 常规」下已有 2 个单品，不能再添加下级品类" in html
        assert shape() == before

    def test_deleting_a_node_with_skus_is_refused(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        response = client.post(
            f"/brands/categories/{tree['first_regular'].pk}/delete/", HTTP_HX_REQUEST="true"
        )
        assert "不能删除「卷烟 / 一类烟 / 常规」：下面还有 2 个单品。" in response.content.decode()
        assert Category.objects.filter(pk=tree["first_regular"].pk).exists()

    def test_deleting_a_node_with_children_is_refused(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        response = client.post(f"/brands/categories/{tree['second'].pk}/delete/", follow=True)
        assert "不能删除「卷烟 / 二类烟」：下面还有 1 个下级品类。" in response.content.decode()
        assert Category.objects.filter(pk=tree["second"].pk).exists()

    def test_deleting_closes_the_gap(self, two_teams, tree):
        services.category_delete(node=tree["first_slim"], by=two_teams["brand"])
        extra = CategoryNodeFactory(name="中支", parent=tree["first"])
        assert positions(tree["first"]) == [0, 1] and extra.position == 1

    def test_duplicate_and_empty_names_are_refused(self, two_teams, tree):
        brand = two_teams["brand"]
        with pytest.raises(ValidationError, match="一级品类中已有名为「雪茄」的品类"):
            services.category_create(parent=None, name=" 雪茄 ", by=brand)
        with pytest.raises(ValidationError, match="「卷烟 / 一类烟」下已有名为「细支」"):
            services.category_rename(node=tree["first_regular"], name="细支", by=brand)
        with pytest.raises(ValidationError, match="请填写品类名称"):
            services.category_create(parent=tree["cigars"], name="  ", by=brand)

    def test_reorder_keeps_positions_dense(self, client, two_teams, tree):
        root = tree["root"]
        third = CategoryNodeFactory(name="三类烟", parent=root)
        # positions edited by hand in the admin site: gaps and a collision
        Category.objects.filter(pk=tree["first"].pk).update(position=3)
        Category.objects.filter(pk=tree["second"].pk).update(position=7)
        Category.objects.filter(pk=third.pk).update(position=7)
        login(client, two_teams["brand"])
        client.post(f"/brands/categories/{third.pk}/reorder/", {"direction": "up"})
        assert names(root) == ["一类烟", "三类烟", "二类烟"] and positions(root) == [0, 1, 2]
        client.post(f"/brands/categories/{third.pk}/reorder/", {"direction": "up"})
        assert names(root) == ["三类烟", "一类烟", "二类烟"] and positions(root) == [0, 1, 2]
        response = client.post(
            f"/brands/categories/{third.pk}/reorder/", {"direction": "up"}, HTTP_HX_REQUEST="true"
        )
        assert "「三类烟」已经排在最前。" in response.content.decode()
        assert names(root) == ["三类烟", "一类烟", "二类烟"]
        services.category_reorder(node=third, position=2, by=two_teams["brand"])
        assert names(root) == ["一类烟", "二类烟", "三类烟"] and positions(root) == [0, 1, 2]

    def test_htmx_write_returns_the_workspace_with_the_message(self, client, two_teams, tree):
        login(client, two_teams["brand"])
        response = client.post(
            f"/brands/categories/{tree['second'].pk}/reorder/",
            {"direction": "up"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert "已把「二类烟」上移。" in html and 'class="messages"' in html
        assert response["HX-Replace-Url"] == f"{URL}?node={tree['second'].pk}"
        assert names(tree["root"]) == ["二类烟", "一类烟"]


def test_concurrent_moves_cannot_make_a_cycle(transactional_db, postgres_only, monkeypatch):
    """Two brand managers at once: A moves P under Q while B moves Q under P. Each move is
    fine against the tree it started from; B must wait for A's lock and then be refused."""
    p, q = CategoryNodeFactory(name="P"), CategoryNodeFactory(name="Q")
    user = BrandManagerFactory()
    real_lock = category_services._lock_tree
    a_has_lock, a_may_finish = threading.Event(), threading.Event()

    def lock_tree():
        tree = real_lock()
        if threading.current_thread().name == "A":
            a_has_lock.set()
            a_may_finish.wait(10)
        return tree

    monkeypatch.setattr(category_services, "_lock_tree", lock_tree)
    errors = {}

    def move(node, parent):
        try:
            services.category_move(node=node, new_parent=parent, by=user)
        except ValidationError as exc:
            errors[threading.current_thread().name] = exc.messages
        finally:
            connection.close()

    a = threading.Thread(target=move, args=(p, q), name="A")
    b = threading.Thread(target=move, args=(q, p), name="B")
    a.start()
    assert a_has_lock.wait(10)
    b.start()
    time.sleep(0.3)
    assert b.is_alive()  # waiting for A's lock on the tree
    a_may_finish.set()
    a.join(10)
    b.join(10)
    assert "A" not in errors
    assert "会形成循环" in errors["B"][0]
    assert dict(Category.objects.values_list("name", "parent__name")) == {"P": "Q", "Q": None}
