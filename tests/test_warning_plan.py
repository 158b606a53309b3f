"""加入计划 on the analysis page (issue #17 point 4): each warning's suggested action goes into
its manager's next plan once — clicking twice adds one action and shows 已在计划中 —, the same
action 生成营销动作 would add (neither path duplicates the other); an approved plan takes it as a
temporary task; a plan waiting for approval refuses (409, a stale tab); only the owner clicks,
their market manager sees the state."""

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse

from cycle.models import ActionSource, Cycle, MarketingAction, PlanStatus
from cycle.services import plan_generate
from reports.services import indicators_compute
from tests.factories import CustomerFactory, OrderLineFactory, SkuFactory

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)  # the analysed month
N = dt.date(2026, 11, 1)  # the plan it feeds
P = dt.date(2026, 9, 1)


def on_commit(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


@pytest.fixture
def world(two_teams):
    """a1's customer C-drop fell 90 % in M (volume_drop, its action 上门分析原因)."""
    sku = SkuFactory(code="S1", name="测试烟", price_class=3)
    a1 = two_teams["cm"]["a1"]
    falling = CustomerFactory(manager=a1, code="C-drop", name="下滑便利店")
    OrderLineFactory(customer=falling, sku=sku, order_date=P.replace(day=8), quantity=100)
    OrderLineFactory(customer=falling, sku=sku, order_date=M.replace(day=8), quantity=10)
    on_commit(indicators_compute, month=M)
    return two_teams | {"a1": a1, "falling": falling}


def page(client, world):
    url = reverse("reports:manager", args=[world["a1"].username])
    return client.get(url, {"month": "2026-10", "rule": "volume_drop"}).content.decode()


def click(client, world, *, htmx=True, **extra):
    body = {"month": "2026-10", "customer": world["falling"].pk, "rule": "volume_drop"} | extra
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("reports:add_to_plan", args=[world["a1"].username])
    return client.post(url, body, headers=headers)


def actions(world):
    return MarketingAction.objects.filter(customer=world["falling"], cycle__month=N)


def test_clicking_twice_adds_one_action_and_shows_it_is_in_the_plan(world, client):
    client.force_login(world["a1"])
    assert "加入计划</button>" in page(client, world)
    first = click(client, world)
    assert first.status_code == 200 and "已在计划中" in first.content.decode()
    assert "<html" not in first.content.decode()  # the button's partial only
    second = click(client, world)
    assert second.status_code == 200 and "已在计划中" in second.content.decode()
    [action] = actions(world)
    assert action.source == ActionSource.WARNING and not action.temporary
    assert action.key == "w:volume_drop:" and action.rule.code == "volume_drop"
    assert "环比下降 90.0%" in action.detail
    text = page(client, world)
    assert "已在计划中" in text and "加入计划</button>" not in text


def test_without_javascript_the_form_redirects_back_with_a_message(world, client):
    client.force_login(world["a1"])
    response = click(client, world, htmx=False, page="1", filter="volume_drop")
    assert response.status_code == 302
    assert response["Location"].endswith("?month=2026-10&rule=volume_drop&page=1#warnings")
    followed = client.get(response["Location"]).content.decode()
    assert "已加入 2026-11 月计划" in followed and "已在计划中" in followed
    again = click(client, world, htmx=False)
    assert "已在计划中，未重复添加" in client.get(again["Location"]).content.decode()
    assert actions(world).count() == 1


def test_generating_after_a_click_and_a_click_after_generating_add_nothing_twice(world, client):
    client.force_login(world["a1"])
    click(client, world)
    cycle = Cycle.objects.get(manager=world["a1"], month=N)
    plan_generate(cycle=cycle, by=world["a1"])
    assert actions(world).filter(rule__code="volume_drop").count() == 1
    # the other way round, for another manager's generated plan: b1 has no such warning,
    # so take a1 again after removing everything
    actions(world).delete()
    plan_generate(cycle=cycle, by=world["a1"])
    before = actions(world).count()
    response = click(client, world)
    assert "已在计划中" in response.content.decode() and actions(world).count() == before


def test_an_approved_plan_takes_it_as_a_temporary_task(world, client):
    Cycle.objects.create(manager=world["a1"], month=N, plan_status=PlanStatus.APPROVED)
    client.force_login(world["a1"])
    assert "作为临时任务加入计划" in page(client, world)
    response = click(client, world)
    assert "已在计划中（临时任务）" in response.content.decode()
    [action] = actions(world)
    assert action.temporary and action.mark == "●"
    click(client, world)
    assert actions(world).count() == 1


def test_a_plan_waiting_for_approval_refuses_like_a_stale_tab(world, client):
    Cycle.objects.create(manager=world["a1"], month=N, plan_status=PlanStatus.SUBMITTED)
    client.force_login(world["a1"])
    text = page(client, world)
    assert "加入计划</button>" not in text and "计划待审批" in text
    response = click(client, world)
    assert response.status_code == 409 and "HX-Redirect" in response.headers
    assert not actions(world).exists()
    plain = click(client, world, htmx=False)
    assert plain.status_code == 409 and "计划待审批" in plain.content.decode()


def test_a_warning_no_longer_stored_is_refused_where_the_user_is(world, client):
    client.force_login(world["a1"])
    response = click(client, world, rule="forecast_error")
    assert response.status_code == 200 and "已不在最新的预警结果中" in response.content.decode()
    assert not actions(world).exists()
    other = click(client, world, customer=world["customers"]["b1"].pk)
    assert "请选择您名下的有效客户" in other.content.decode()
    assert click(client, world, customer="x").status_code == 302  # a tampered form


def test_the_market_manager_sees_the_state_but_no_button(world, client):
    client.force_login(world["a1"])
    click(client, world)
    client.force_login(world["mm_a"])
    text = page(client, world)
    assert "已在计划中" in text and "加入计划</button>" not in text
    assert click(client, world).status_code == 403
    client.force_login(world["cm"]["b1"])
    assert click(client, world).status_code == 404


def test_the_analysis_page_stays_bounded(world, client, django_assert_max_num_queries):
    client.force_login(world["a1"])
    click(client, world)
    with django_assert_max_num_queries(40):
        page(client, world)
