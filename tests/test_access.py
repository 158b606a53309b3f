"""Who sees what (DESIGN.md §2): home pages per role, navigation, customer scoping."""

import pytest

from customers.selectors import customers_visible_to
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    page = client.get("/login/").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page


def test_login_with_wrong_password_says_so_in_chinese(client, two_teams):
    response = client.post("/login/", {"username": "a1", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()


def test_login_and_logout(client, two_teams):
    response = client.post("/login/", {"username": "a1", "password": "pw-test-123"})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("who", "heading", "menu", "not_in_menu"),
    [
        ("cm", "客户经理", ["我的客户"], ["数据导入", "团队客户"]),
        ("mm_a", "市场经理", ["团队客户"], ["数据导入", "我的客户"]),
        ("brand", "品牌经理", ["客户（只读）"], ["数据导入"]),
        ("admin", "系统管理", ["数据导入", "后台管理"], ["我的客户"]),
    ],
)
def test_home_page_and_navigation_per_role(client, two_teams, who, heading, menu, not_in_menu):
    user = two_teams["cm"]["a1"] if who == "cm" else two_teams[who]
    page = login(client, user).get("/").content.decode()
    assert heading in page
    nav = page.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    for label in menu:
        assert label in nav
    for label in not_in_menu:
        assert label not in nav


def test_market_manager_home_lists_only_their_team(client, two_teams):
    page = login(client, two_teams["mm_a"]).get("/").content.decode()
    assert two_teams["cm"]["a1"].name in page and two_teams["cm"]["a2"].name in page
    assert two_teams["cm"]["b1"].name not in page


def test_english_through_url_prefix_and_language_switch(client, two_teams):
    login(client, two_teams["cm"]["a1"])
    page = client.get("/en/").content.decode()
    assert "My customers" in page and "我的客户" not in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert response.status_code == 302 and response.url == "/en/customers/"
    assert "Customers" in client.get(response.url).content.decode()


class TestCustomerScoping:
    def test_selector_returns_only_what_each_role_may_see(self, two_teams):
        c = two_teams["customers"]
        cms = two_teams["cm"]
        assert set(customers_visible_to(user=cms["a1"])) == {c["a1"]}
        assert set(customers_visible_to(user=two_teams["mm_a"])) == {c["a1"], c["a2"]}
        assert set(customers_visible_to(user=two_teams["mm_b"])) == {c["b1"]}
        assert set(customers_visible_to(user=two_teams["brand"])) == set(c.values())
        assert set(customers_visible_to(user=two_teams["admin"])) == set(c.values())

    def test_customer_manager_gets_404_for_another_managers_customer(self, client, two_teams):
        login(client, two_teams["cm"]["a1"])
        own, other = two_teams["customers"]["a1"], two_teams["customers"]["a2"]
        assert client.get(f"/customers/{own.pk}/").status_code == 200
        assert client.get(f"/customers/{other.pk}/").status_code == 404

    def test_market_manager_gets_404_outside_their_team(self, client, two_teams):
        login(client, two_teams["mm_a"])
        assert client.get(f"/customers/{two_teams['customers']['a2'].pk}/").status_code == 200
        assert client.get(f"/customers/{two_teams['customers']['b1'].pk}/").status_code == 404

    def test_brand_manager_sees_every_customer(self, client, two_teams):
        login(client, two_teams["brand"])
        for customer in two_teams["customers"].values():
            assert client.get(f"/customers/{customer.pk}/").status_code == 200

    def test_list_shows_own_active_customers_only(self, client, two_teams):
        CustomerFactory(manager=two_teams["cm"]["a1"], code="C-gone", status="inactive")
        page = login(client, two_teams["cm"]["a1"]).get("/customers/").content.decode()
        assert "C-a1" in page and "C-a2" not in page and "C-gone" not in page
        page = client.get("/customers/?status=").content.decode()
        assert "C-gone" in page

    def test_list_htmx_returns_only_the_table_partial(self, client, two_teams):
        login(client, two_teams["mm_a"])
        response = client.get("/customers/?q=a2", HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert "<html" not in html and "C-a2" in html and "C-a1" not in html

    def test_list_query_count_does_not_grow_with_rows(
        self, client, two_teams, django_assert_max_num_queries
    ):
        login(client, two_teams["cm"]["a1"])
        CustomerFactory.create_batch(40, manager=two_teams["cm"]["a1"])
        with django_assert_max_num_queries(8):
            assert client.get("/customers/").status_code == 200


def test_home_pages_use_a_constant_number_of_queries(
    client, two_teams, django_assert_max_num_queries
):
    CustomerFactory.create_batch(20, manager=two_teams["cm"]["a2"])
    for user in (two_teams["cm"]["a1"], two_teams["mm_a"], two_teams["brand"], two_teams["admin"]):
        login(client, user)
        with django_assert_max_num_queries(12):
            assert client.get("/").status_code == 200


def test_home_trend_comes_from_the_stored_indicators(client, two_teams):
    """The six-month trend sums the visible customers' stored indicators; a month whose
    indicators were never computed says so instead of showing zeros."""
    from django.utils import timezone

    from core.months import add_months, previous_month
    from reports.models import CustomerIndicator, IndicatorRun, ManagerIndicator, RunStatus

    last = previous_month()
    IndicatorRun.objects.create(month=last, status=RunStatus.SUCCEEDED, started_at=timezone.now())
    for key, volume, days in (("a1", 1200, 3), ("a2", 300, 0), ("b1", 9999, 5)):
        CustomerIndicator.objects.create(
            month=last,
            customer=two_teams["customers"][key],
            manager=two_teams["cm"][key],
            volume=volume,
            amount=volume * 10,
            order_days=days,
        )
    ManagerIndicator.objects.create(month=last, manager=two_teams["cm"]["a1"], volume=1200)
    page = login(client, two_teams["mm_a"]).get("/").content.decode()
    trend = page.split("团队客户近六个月订货", 1)[1]
    rows = trend.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert len(rows) == 6
    assert f"{last:%Y-%m}" in rows[-1] and "1,500" in rows[-1] and "15,000.00" in rows[-1]
    assert ">1</td>" in rows[-1]  # a2's customer ordered on no day
    earlier = f"{add_months(last, -1):%Y-%m}"
    assert earlier in rows[-2] and "本月指标尚未计算" in rows[-2]
    members = page.split("团队客户近六个月订货", 1)[0]
    assert "1,200" in members and "—" in members  # a2 has no stored month


def test_admin_home_counts_order_lines_exactly_while_few(client, two_teams):
    from tests.factories import OrderLineFactory

    OrderLineFactory.create_batch(3, customer=two_teams["customers"]["a1"])
    page = login(client, two_teams["admin"]).get("/").content.decode()
    stat = page.split("订单明细行", 1)[0].rsplit('class="stat-value">', 1)[1]
    assert stat.startswith("3<")


def test_admin_home_gives_the_planner_estimate_for_a_big_table(
    client, two_teams, postgres_only, monkeypatch
):
    from django.db import connection

    from markets import selectors
    from tests.factories import OrderLineFactory

    OrderLineFactory.create_batch(3, customer=two_teams["customers"]["a1"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE markets_orderline")
    monkeypatch.setattr(selectors, "EXACT_COUNT_BELOW", 2)  # stands for a million
    page = login(client, two_teams["admin"]).get("/").content.decode()
    stat = page.split("订单明细行", 1)[0].rsplit('class="stat-value">', 1)[1]
    assert stat.startswith("约 3<")
