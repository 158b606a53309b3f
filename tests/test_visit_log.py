"""The visit log page (拜访记录) as a customer manager uses it on a phone: one field saved
per request with htmx, everything at once without JS, refusals shown beside the field with
what was typed kept, and a closed month shown read-only."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from core.months import day_bounds, month_start
from cycle.models import MarketingAction, PlanStatus, Visit
from markets.models import InventoryCheck, MarketInfo, PriceCheck, ShelfCheck
from tests.factories import (
    CycleFactory,
    InventoryCheckFactory,
    MarketingActionFactory,
    PriceCheckFactory,
    SkuFactory,
    VisitFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def log(client, two_teams, today):
    """a1 on the log of their customer C-a1 today, with one key SKU and one planned action."""
    a1 = two_teams["cm"]["a1"]
    customer = two_teams["customers"]["a1"]
    cycle = CycleFactory(manager=a1, month=month_start(today))
    sku = SkuFactory(is_key_brand=True, name="云烟(紫)")
    action = MarketingActionFactory(cycle=cycle, customer=customer, text="推荐云烟(紫)上柜")
    client.force_login(a1)
    url = f"/visits/{today.isoformat()}/{customer.pk}/"
    return {
        **two_teams,
        "client": client,
        "a1": a1,
        "customer": customer,
        "cycle": cycle,
        "sku": sku,
        "action": action,
        "url": url,
        "field": lambda name: f"{url}save/{name}/",
    }


def post_field(log, name, data=None):
    return log["client"].post(log["field"](name), data or {}, **HTMX)


# --- opening ------------------------------------------------------------------------------


def test_opening_the_log_shows_every_section_and_creates_no_visit(log, today):
    """The first save creates the visit (tests/test_safe_gets.py); the browser's copy of
    unsent input is keyed by the day and the customer, which exist before the visit."""
    page = html(log["client"].get(log["url"]))
    assert not Visit.objects.exists()
    for text in (
        "进店签到",
        "拜访方式",
        "推荐云烟(紫)上柜",
        "添加临时任务",
        "云烟(紫)",
        "市场信息",
    ):
        assert text in page, text
    assert "日感受" in page and "全部保存" in page
    assert 'src="/static/js/visit_log.js"' in page
    assert f'data-visit="{today.isoformat()}:{log["customer"].pk}"' in page


def test_jump_links_lead_to_each_section_without_script(log):
    """On a phone the page is several screens: a row of in-page anchors at the top reaches
    each section, 市场信息 and 日感受 included."""
    page = html(log["client"].get(log["url"]))
    nav = re.search(r'<nav class="jump-links"[^>]*>(.*?)</nav>', page, re.S)
    assert nav, "no jump links"
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', nav.group(1))
    assert [label for _, label in links] == [
        "签到",
        "动作",
        "品牌检查",
        "市场信息",
        "日感受",
        "照片",
    ]
    after_nav = page[nav.end() :]
    for target, label in links:
        assert page.count(f'id="{target}"') == 1, target
        # the target comes after the links and holds its section's heading or label
        section = after_nav[after_nav.index(f'id="{target}"') :][:600]
        heading = {
            "签到": "签到签离",
            "动作": "营销动作",
            "品牌检查": "重点品牌检查",
            "照片": "货架照片",
        }
        assert heading.get(label, label) in section, label
    assert "<script" not in nav.group(1)
    # each link is a thumb-sized target (≥ 44 px) however short its label
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    rule = re.search(r"\.jump-links a \{([^}]*)\}", css)
    assert rule and "min-height: 44px" in rule.group(1) and "min-width: 44px" in rule.group(1)


@pytest.mark.parametrize("who", ["a2", "b1", "mm_a", "admin"])
def test_nobody_else_finds_the_log(client, log, who):
    user = log["cm"].get(who) or log[who]
    client.force_login(user)
    assert client.get(log["url"]).status_code == 404
    assert client.post(log["field"]("feeling"), {"feeling": "x"}, **HTMX).status_code == 404
    assert not Visit.objects.exists()


def test_another_managers_customer_is_404_for_the_manager_too(log, today):
    other = log["customers"]["a2"]
    assert log["client"].get(f"/visits/{today.isoformat()}/{other.pk}/").status_code == 404


def test_a_future_day_is_refused_without_creating_a_visit(log, today):
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = log["client"].get(f"/visits/{tomorrow}/{log['customer'].pk}/")
    assert response.status_code == 400 and "不能记录未来日期的拜访" in html(response)
    assert not Visit.objects.exists()


def test_the_last_inventory_and_price_before_the_day_are_hints(log, today):
    before = day_bounds(today)[0] - dt.timedelta(days=3)
    InventoryCheckFactory(customer=log["customer"], sku=log["sku"], observed_at=before, quantity=17)
    PriceCheckFactory(
        customer=log["customer"], sku=log["sku"], observed_at=before, price=Decimal("152.00")
    )
    page = html(log["client"].get(log["url"]))
    assert f"上次 17 条（{before:%m-%d}）" in page and "上次 152.00 元" in page
    # a hint, not a value: the field for today is still empty
    assert f'name="inventory_{log["sku"].pk}" value=""' in page


def test_a_past_day_has_no_check_in_button_but_can_be_filled_in(log, today):
    yesterday = today - dt.timedelta(days=1)
    if yesterday.month != today.month:
        CycleFactory(manager=log["a1"], month=month_start(yesterday))
    page = html(log["client"].get(f"/visits/{yesterday.isoformat()}/{log['customer'].pk}/"))
    assert "进店签到" not in page and "只能在拜访当天" in page


# --- one field at a time (htmx) -----------------------------------------------------------


def test_check_in_then_out_shows_the_times(log):
    response = post_field(log, "checkin")
    assert response.status_code == 200 and "离店签离" in html(response)
    visit = Visit.objects.get()
    assert visit.checked_in_at is not None
    local = timezone.localtime(visit.checked_in_at)
    assert local.strftime("%H:%M:%S") in html(response)
    response = post_field(log, "checkout")
    assert response.status_code == 200 and "重新签离" in html(response)
    assert Visit.objects.get().checked_out_at is not None


def test_check_out_before_check_in_is_refused_where_the_buttons_are(log):
    response = post_field(log, "checkout")
    assert response.status_code == 200  # htmx swaps only 2xx: the partial carries the refusal
    assert 'id="times"' in html(response) and "请先进店签到" in html(response)
    assert not Visit.objects.exists()  # a refused first save creates no visit


def test_a_short_visit_is_flagged_with_a_warning(log, today):
    post_field(log, "checkin")
    start = day_bounds(today)[0] + dt.timedelta(hours=9)
    Visit.objects.update(checked_in_at=start, checked_out_at=start + dt.timedelta(seconds=25))
    page = html(log["client"].get(log["url"]))
    assert "拜访时长不足 1 分钟" in page and "25 秒" in page


def test_a_saved_field_answers_with_saved_next_to_it(log):
    response = post_field(log, "feeling", {"feeling": "店主对新品兴趣很大"})
    body = html(response)
    assert response.status_code == 200 and 'id="st-feeling"' in body
    assert "已保存" in body and 'data-saved="1"' in body
    assert Visit.objects.get().feeling == "店主对新品兴趣很大"
    post_field(log, "method", {"method": "phone"})
    post_field(log, "info", {"info": "对面新开便利店"})
    assert Visit.objects.get().method == "phone"
    assert MarketInfo.objects.get().content == "对面新开便利店"


def test_checks_are_saved_corrected_and_cleared(log):
    sku = log["sku"].pk
    assert post_field(log, f"shelf_{sku}", {f"shelf_{sku}": "1"}).status_code == 200
    post_field(log, f"inventory_{sku}", {f"inventory_{sku}": "12"})
    post_field(log, f"inventory_{sku}", {f"inventory_{sku}": "9"})
    post_field(log, f"price_{sku}", {f"price_{sku}": "148.5"})
    assert list(InventoryCheck.objects.values_list("quantity", flat=True)) == [9]
    assert ShelfCheck.objects.get().on_shelf is True
    assert PriceCheck.objects.get().price == Decimal("148.50")
    post_field(log, f"inventory_{sku}", {f"inventory_{sku}": ""})
    assert not InventoryCheck.objects.exists()
    page = html(log["client"].get(log["url"]))
    assert f'name="price_{sku}" value="148.50"' in page
    assert re.search(rf'name="shelf_{sku}" value="1" checked', page)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("inventory", "十二", "库存请填写整数"),
        ("inventory", "-1", "库存请填写整数"),
        ("price", "1,50", "零售价请填写数字"),
        ("price", "150.555", "零售价最多两位小数"),
    ],
)
def test_an_invalid_check_answers_with_the_message_beside_it(log, kind, value, message):
    name = f"{kind}_{log['sku'].pk}"
    response = post_field(log, name, {name: value})
    body = html(response)
    assert response.status_code == 200 and f'id="st-{name}"' in body and message in body
    assert "data-saved" not in body
    assert not InventoryCheck.objects.exists() and not PriceCheck.objects.exists()


def test_a_field_posted_without_htmx_goes_back_to_the_page_with_the_message(log):
    name = f"inventory_{log['sku'].pk}"
    response = log["client"].post(log["field"](name), {name: "abc"}, follow=True)
    assert response.redirect_chain == [(log["url"], 302)]
    assert "库存请填写整数" in html(response)


def test_an_unknown_field_is_404(log):
    assert post_field(log, "colour", {"colour": "red"}).status_code == 404
    assert post_field(log, "inventory_x", {}).status_code == 404


def test_an_action_is_marked_done_and_undone_in_one_tap(log):
    pk = log["action"].pk
    response = post_field(log, "mark", {"mark": f"{pk}:1"})
    body = html(response)
    assert response.status_code == 200 and f'id="act-{pk}"' in body
    assert "★" in body and "撤销" in body
    action = MarketingAction.objects.get(pk=pk)
    assert action.done_at is not None and action.done_visit == Visit.objects.get()
    body = html(post_field(log, "mark", {"mark": f"{pk}:0"}))
    assert "☆" in body and "完成" in body
    assert MarketingAction.objects.get(pk=pk).done_at is None


def test_another_managers_action_cannot_be_marked(log):
    a2 = log["cm"]["a2"]
    foreign = MarketingActionFactory(
        cycle=CycleFactory(manager=a2, month=log["cycle"].month), customer=log["customers"]["a2"]
    )
    assert post_field(log, "mark", {"mark": f"{foreign.pk}:1"}).status_code == 404
    assert MarketingAction.objects.get(pk=foreign.pk).done_at is None


def test_a_temporary_task_is_added_to_the_list(log, today):
    response = post_field(log, "task", {"task": "店主要求调整陈列"})
    body = html(response)
    assert response.status_code == 200 and 'id="actions"' in body
    assert "店主要求调整陈列" in body and "●" in body and "已添加" in body
    task = MarketingAction.objects.get(temporary=True)
    assert task.customer == log["customer"] and task.visit_date == today


def test_an_empty_temporary_task_is_refused(log):
    response = post_field(log, "task", {"task": "  "})
    assert "请填写临时任务内容" in html(response) and "已添加" not in html(response)
    assert not MarketingAction.objects.filter(temporary=True).exists()


# --- the whole page without JS ------------------------------------------------------------


def page_data(log, **changes):
    sku = log["sku"].pk
    data = {
        "op": "save",
        "method": "onsite",
        "feeling": "",
        "info": "",
        f"shelf_{sku}": "",
        f"inventory_{sku}": "",
        f"price_{sku}": "",
        "task": "",
    }
    data.update({k.replace("SKU", str(sku)): v for k, v in changes.items()})
    return data


def test_the_whole_form_saves_everything_at_once(log):
    log["client"].get(log["url"])
    data = page_data(
        log,
        feeling="顺利",
        info="竞品降价",
        shelf_SKU="0",
        inventory_SKU="5",
        price_SKU="150",
        task="补货",
        method="online",
    )
    response = log["client"].post(log["url"], data)
    assert response.status_code == 302 and response["Location"] == log["url"]
    visit = Visit.objects.get()
    assert (visit.feeling, visit.method) == ("顺利", "online")
    assert MarketInfo.objects.get().content == "竞品降价"
    assert ShelfCheck.objects.get().on_shelf is False
    assert InventoryCheck.objects.get().quantity == 5
    assert PriceCheck.objects.get().price == Decimal("150")
    assert MarketingAction.objects.get(temporary=True).text == "补货"
    assert "已保存" in html(log["client"].get(log["url"]))


def test_the_whole_form_with_one_error_writes_nothing_and_keeps_what_was_typed(log):
    log["client"].get(log["url"])
    data = page_data(
        log, feeling="今天很有收获", inventory_SKU="很多", price_SKU="150", task="补货"
    )
    response = log["client"].post(log["url"], data)
    body = html(response)
    assert response.status_code == 400
    assert "库存请填写整数" in body and "没有保存" in body
    assert "今天很有收获" in body and 'value="很多"' in body and 'value="补货"' in body
    assert not Visit.objects.exists()  # not even the visit the save would have begun
    assert not PriceCheck.objects.exists()
    assert not MarketingAction.objects.filter(temporary=True).exists()


def test_the_whole_form_buttons_check_in_and_mark(log):
    log["client"].get(log["url"])
    response = log["client"].post(log["url"], page_data(log, op="checkin"))
    assert response.status_code == 302 and response["Location"].endswith("#times")
    assert Visit.objects.get().checked_in_at is not None
    data = page_data(log) | {"mark": f"{log['action'].pk}:1"}
    assert log["client"].post(log["url"], data).status_code == 302
    assert MarketingAction.objects.get(pk=log["action"].pk).mark == "★"


def test_the_whole_form_add_button_with_no_task_says_what_is_missing(log):
    log["client"].get(log["url"])
    response = log["client"].post(log["url"], page_data(log, op="task"))
    assert response.status_code == 400 and "请填写临时任务内容" in html(response)


def test_unchanged_fields_are_not_written_again(log):
    log["client"].get(log["url"])
    post_field(log, f"price_{log['sku'].pk}", {f"price_{log['sku'].pk}": "150.00"})
    first = PriceCheck.objects.get()
    log["client"].post(log["url"], page_data(log, price_SKU="150"))
    assert PriceCheck.objects.get().pk == first.pk


# --- a closed month -----------------------------------------------------------------------


@pytest.fixture
def closed(log, today):
    VisitFactory(cycle=log["cycle"], customer=log["customer"], date=today)
    log["cycle"].evaluation_status = PlanStatus.SUBMITTED
    log["cycle"].save()
    return log


def test_a_closed_month_shows_the_log_read_only_with_the_reason(closed):
    response = closed["client"].get(closed["url"])
    body = html(response)
    assert response.status_code == 200
    assert "不能再修改" in body and "本页只读" in body
    assert "<fieldset" in body and " disabled" in body
    assert "visit_log.js" not in body and "全部保存" not in body


def test_a_closed_month_refuses_each_field_and_the_whole_form(closed):
    sku = closed["sku"].pk
    for name, data in (
        ("feeling", {"feeling": "晚了"}),
        ("checkin", {}),
        (f"inventory_{sku}", {f"inventory_{sku}": "3"}),
        ("task", {"task": "晚了"}),
        ("mark", {"mark": f"{closed['action'].pk}:1"}),
    ):
        # a stale tab: the whole page opens afresh (read-only) with the reason at the top
        response = post_field(closed, name, data)
        assert response.status_code == 409 and response["HX-Redirect"] == closed["url"], name
        reloaded = html(closed["client"].get(closed["url"]))
        assert re.search(r'class="messages"><li class="error">[^<]*不能再修改', reloaded), name
        assert "本页只读" in reloaded and "visit_log.js" not in reloaded
    response = closed["client"].post(closed["url"], page_data(closed, feeling="晚了"))
    assert response.status_code == 409
    visit = Visit.objects.get()
    assert visit.feeling == "" and visit.checked_in_at is None
    assert not InventoryCheck.objects.exists()
    assert MarketingAction.objects.get().done_at is None


def test_a_closed_month_without_a_visit_still_shows_the_page(log, today):
    log["cycle"].evaluation_status = PlanStatus.APPROVED
    log["cycle"].save()
    response = log["client"].get(log["url"])
    assert response.status_code == 200 and "本页只读" in html(response)
    assert not Visit.objects.exists()


def test_the_day_page_does_not_load_the_log_script(log):
    assert "visit_log.js" not in html(log["client"].get("/visits/"))
