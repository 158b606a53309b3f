"""The printed visit sheet (拜访单) as a customer manager and a market manager meet it: the
day's customers with their actions and the SKUs to check, the week's days, who may print
whose sheet, and a query count that does not grow with the customers."""

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import CalendarDay
from cycle.models import PlanStatus
from cycle.visit_sheet import SheetCustomer, SkuCheck
from tests.factories import (
    SHANGHAI,
    CustomerFactory,
    CycleFactory,
    InventoryCheckFactory,
    MarketingActionFactory,
    OrderLineFactory,
    PlannedVisitFactory,
    PriceCheckFactory,
    SkuFactory,
)

NOV = dt.date(2026, 11, 1)
TUESDAY = dt.date(2026, 11, 3)
DAY_URL = "/visits/2026-11-03/sheet.pdf"
WEEK_URL = "/visits/week/2026-11-03/sheet.pdf"


def approved_cycle(manager, month=NOV):
    return CycleFactory(manager=manager, month=month, plan_status=PlanStatus.APPROVED)


def pdf_tool(tool: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return tool


def run_tool(tool: str, content: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    command = [pdf_tool(tool), *args, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def pages(content: bytes, tmp_path) -> int:
    info = run_tool("pdfinfo", content, tmp_path)
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


@pytest.fixture
def day(two_teams):
    """a1's approved November plan: on Tuesday 3rd one customer (C-a1) with an open action
    on a key SKU it sells, a temporary task, a done action and a removed one."""
    a1 = two_teams["cm"]["a1"]
    customer = two_teams["customers"]["a1"]
    customer.name, customer.address, customer.phone = "兴隆烟酒店", "城关区张掖路8号", "13909310001"
    customer.save()
    cycle = approved_cycle(a1)
    PlannedVisitFactory(cycle=cycle, customer=customer, date=TUESDAY)
    sku = SkuFactory(name="黄鹤楼(硬金砂)", is_key_brand=True, retail_price=Decimal("250"))
    OrderLineFactory(customer=customer, sku=sku, order_date=dt.date(2026, 10, 8))
    InventoryCheckFactory(customer=customer, sku=sku, quantity=7)
    PriceCheckFactory(customer=customer, sku=sku, price=Decimal("262.50"))
    MarketingActionFactory(cycle=cycle, customer=customer, text="调整陈列到黄金位置", sku=sku)
    MarketingActionFactory(cycle=cycle, customer=customer, text="回收破损条盒", temporary=True)
    MarketingActionFactory(
        cycle=cycle,
        customer=customer,
        text="张贴新品海报",
        done_at=dt.datetime(2026, 11, 3, 10, 30, tzinfo=SHANGHAI),
    )
    MarketingActionFactory(
        cycle=cycle,
        customer=customer,
        text="已经删掉的动作",
        removed_at=dt.datetime(2026, 11, 1, 9, tzinfo=SHANGHAI),
        removed_reason="重复",
    )
    return {"cycle": cycle, "customer": customer, "sku": sku}


def test_day_sheet_prints_customers_actions_and_last_checks(client, two_teams, day, tmp_path):
    client.force_login(two_teams["cm"]["a1"])
    response = client.get(DAY_URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert f"filename*=utf-8''{quote('拜访单-a1-2026-11-03.pdf')}" in disposition
    text = run_tool("pdftotext", response.content, tmp_path)
    assert "兴隆烟酒店" in text and "城关区张掖路8号" in text and "13909310001" in text
    assert "2026-11-03 星期二" in text
    assert "□☆ 调整陈列到黄金位置" in text
    assert "□● 回收破损条盒" in text
    assert "★ 张贴新品海报" in text  # done that day: no box to tick
    assert "已经删掉的动作" not in text
    layout = run_tool("pdftotext", response.content, tmp_path, "-layout")
    line = next(line for line in layout.splitlines() if "黄鹤楼(硬金砂)" in line)
    assert "上次 7条/262.5元" in line  # the last inventory and price seen before the day
    fonts = run_tool("pdffonts", response.content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes " in line for line in cjk), fonts  # embedded, subset


def test_actions_done_before_the_day_are_not_printed_again(client, two_teams, day, tmp_path):
    MarketingActionFactory(
        cycle=day["cycle"],
        customer=day["customer"],
        text="上周已完成的动作",
        done_at=dt.datetime(2026, 11, 2, 16, tzinfo=SHANGHAI),
    )
    client.force_login(two_teams["cm"]["a1"])
    text = run_tool("pdftotext", client.get(DAY_URL).content, tmp_path)
    assert "调整陈列到黄金位置" in text and "上周已完成的动作" not in text


@pytest.fixture
def thirty(two_teams):
    """a1's Tuesday with 30 customers of three actions each, like a real urban day."""
    a1 = two_teams["cm"]["a1"]
    cycle = approved_cycle(a1)
    customers = CustomerFactory.create_batch(
        30, manager=a1, address="城关区庆阳路100号（西关十字）", phone="13909310000"
    )
    for customer in customers:
        PlannedVisitFactory(cycle=cycle, customer=customer, date=TUESDAY)
        for text in ("检查重点品牌陈列", "核对库存，建议补货", "了解竞品动态并记录价格"):
            MarketingActionFactory(cycle=cycle, customer=customer, text=text)
    return customers


def test_thirty_customers_fill_three_to_four_pages(client, two_teams, thirty, tmp_path):
    client.force_login(two_teams["cm"]["a1"])
    response = client.get(DAY_URL)
    assert 3 <= pages(response.content, tmp_path) <= 4
    text = run_tool("pdftotext", response.content, tmp_path)
    assert all(c.name in text for c in thirty)


def test_every_page_repeats_the_header_and_the_column_heads(client, two_teams, thirty, tmp_path):
    client.force_login(two_teams["cm"]["a1"])
    content = client.get(DAY_URL).content
    total = pages(content, tmp_path)
    for page in range(1, total + 1):
        text = run_tool("pdftotext", content, tmp_path, "-f", str(page), "-l", str(page))
        assert "2026-11-03 星期二" in text and "30 户" in text
        assert "营销动作（完成在 □ 打勾）" in text and "进离店时间 / 临时任务 / 备注" in text
        assert f"{page}/{total}" in text.replace(" ", "")


def test_two_skus_share_a_line_only_when_their_fields_fit():
    """Each field has its column: one too wide for it would push the fields after it out of
    theirs, so such a SKU gets a line of its own."""
    seen = SkuCheck(SimpleNamespace(name="中华(硬)"), inventory=8, price=Decimal("255"))
    long = SkuCheck(SimpleNamespace(name="云烟(紫)"), inventory=120000, price=Decimal("99999.5"))
    customer = SheetCustomer(1, None, [], [seen, SkuCheck(), long, seen, SkuCheck()])
    seen_fields = ["□中华(硬)", "库存＿＿＿", "价格＿＿＿＿", "上次 8条/255元"]
    blank_fields = ["□＿＿＿＿＿", "库存＿＿＿", "价格＿＿＿＿", ""]
    assert customer.sku_rows == [
        seen_fields + blank_fields,
        ["□云烟(紫)", "库存＿＿＿", "价格＿＿＿＿", "上次 120000条/99999.5元"],
        seen_fields + blank_fields,
    ]


def test_a_long_sku_name_is_cut_to_its_column():
    name = "黄鹤楼(硬金砂天下名楼特别纪念版细支)"
    fields = SkuCheck(SimpleNamespace(name=name)).fields
    assert fields[0].startswith("□黄鹤楼(硬金砂") and fields[0].endswith("…")
    assert len(fields[0]) < len(name)


def test_the_columns_line_up_on_every_line(client, two_teams, thirty, tmp_path):
    """The sheet is set in columns of text (core/typeset.py): on every line of every page,
    the actions start under their column head, and each SKU field at its column."""
    client.force_login(two_teams["cm"]["a1"])
    boxes = run_tool("pdftotext", client.get(DAY_URL).content, tmp_path, "-bbox")
    words = [
        (float(m["x"]), m["word"])
        for m in re.finditer(r'xMin="(?P<x>[\d.]+)".*?>(?P<word>[^<]+)</word>', boxes)
    ]

    def starts(prefix):
        return [x for x, word in words if word.startswith(prefix)]

    def columns(xs):  # how many distinct starts, a third of a millimetre apart or more
        return 1 + sum(1 for a, b in zip(sorted(xs), sorted(xs)[1:], strict=False) if b - a > 1)

    heads = starts("营销动作")
    assert columns(heads) == 1  # the column head, at the same place on every page
    assert len(starts("□☆")) == 90 and columns(starts("□☆") + heads) == 1
    assert columns(starts("库存")) == 2 and columns(starts("价格")) == 2
    assert len(starts("进店")) == 30 and columns(starts("进店") + starts("进离店时间")) == 1


def test_the_longest_texts_stay_on_the_page(client, two_teams, day, tmp_path):
    """Every text as long as its field allows, without a space to break at: all of it is
    printed, and nothing runs past the page's right margin (the sheet's lines do not wrap by
    themselves: core/typeset.py wraps them)."""
    from cycle.models.plans import ACTION_TEXT_MAX_LENGTH

    customer = day["customer"]
    customer.name = "兴" * 100
    customer.address = "张掖路" * 66
    customer.phone = "1" * 32
    customer.save()
    MarketingActionFactory(
        cycle=day["cycle"], customer=customer, text="检" * ACTION_TEXT_MAX_LENGTH
    )
    client.force_login(two_teams["cm"]["a1"])
    content = client.get(DAY_URL).content
    text = run_tool("pdftotext", content, tmp_path)
    assert text.count("兴") == 100 and text.count("掖") == 66
    assert text.count("检") == ACTION_TEXT_MAX_LENGTH
    boxes = run_tool("pdftotext", content, tmp_path, "-bbox")
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes))
    assert right <= (210 - 9) / 25.4 * 72 + 1  # A4 less the 9 mm margin, in points


def test_query_count_does_not_grow_with_customers(
    client, two_teams, thirty, django_assert_max_num_queries
):
    client.force_login(two_teams["cm"]["a1"])
    with CaptureQueriesContext(connection) as thirty_customers:
        assert client.get(DAY_URL).status_code == 200
    with django_assert_max_num_queries(20):
        client.get(DAY_URL)
    # the same day of another manager with a single customer costs the same
    a2 = two_teams["cm"]["a2"]
    PlannedVisitFactory(
        cycle=approved_cycle(a2), customer=two_teams["customers"]["a2"], date=TUESDAY
    )
    client.force_login(a2)
    with CaptureQueriesContext(connection) as one_customer:
        assert client.get(DAY_URL).status_code == 200
    assert len(thirty_customers) == len(one_customer)


def test_week_sheet_prints_each_days_customers(client, two_teams, day, tmp_path):
    a1 = two_teams["cm"]["a1"]
    thursday = CustomerFactory(manager=a1, name="周四要去的超市")
    PlannedVisitFactory(cycle=day["cycle"], customer=thursday, date=dt.date(2026, 11, 5))
    outside = CustomerFactory(manager=a1, name="下周才去的商店")
    PlannedVisitFactory(cycle=day["cycle"], customer=outside, date=dt.date(2026, 11, 9))
    client.force_login(a1)
    response = client.get("/visits/week/2026-11-05/sheet.pdf")  # any day of the week
    assert response.status_code == 200
    assert quote("拜访单-a1-2026-11-02-11-08.pdf") in response["Content-Disposition"]
    text = run_tool("pdftotext", response.content, tmp_path)
    assert "2026-11-03 星期二" in text and "兴隆烟酒店" in text
    assert "2026-11-05 星期四" in text and "周四要去的超市" in text
    assert "下周才去的商店" not in text
    # workdays without an arranged customer are named, not filled with every customer due;
    # the weekend is off by the work calendar
    assert "11-02、11-04、11-06" in text and "11-07" not in text


def test_the_week_sheet_names_only_workdays_by_the_calendar(client, two_teams, day, tmp_path):
    """A holiday on a weekday is not to be printed on the day; a make-up Saturday is."""
    CalendarDay.objects.create(date=dt.date(2026, 11, 4), is_workday=False, name="节日")
    CalendarDay.objects.create(date=dt.date(2026, 11, 7), is_workday=True, name="调休上班")
    client.force_login(two_teams["cm"]["a1"])
    text = run_tool("pdftotext", client.get("/visits/week/2026-11-05/sheet.pdf").content, tmp_path)
    assert "11-02、11-05、11-06、11-07" in text
    assert "11-04" not in text and "11-08" not in text


def test_week_across_two_months_reads_both_plans(client, two_teams, tmp_path):
    a1 = two_teams["cm"]["a1"]
    november, december = approved_cycle(a1), approved_cycle(a1, dt.date(2026, 12, 1))
    last = CustomerFactory(manager=a1, name="月底客户")
    first = CustomerFactory(manager=a1, name="月初客户")
    PlannedVisitFactory(cycle=november, customer=last, date=dt.date(2026, 11, 30))
    PlannedVisitFactory(cycle=december, customer=first, date=dt.date(2026, 12, 2))
    client.force_login(a1)
    text = run_tool("pdftotext", client.get("/visits/week/2026-12-04/sheet.pdf").content, tmp_path)
    assert "月底客户" in text and "月初客户" in text


def test_a_plan_not_yet_approved_lists_the_day_by_visit_frequency(client, two_teams, tmp_path):
    a1 = two_teams["cm"]["a1"]
    CycleFactory(manager=a1, month=NOV)  # draft
    client.force_login(a1)
    text = run_tool("pdftotext", client.get(DAY_URL).content, tmp_path)
    assert two_teams["customers"]["a1"].name in text and "月计划尚未批准" in text
    week = run_tool("pdftotext", client.get(WEEK_URL).content, tmp_path)
    assert two_teams["customers"]["a1"].name not in week  # not seven days of everyone
    assert "这一周的周安排中没有客户" in week


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("a1", DAY_URL, 200),
        ("a1", WEEK_URL, 200),
        ("a2", DAY_URL + "?manager=a1", 404),
        ("b1", WEEK_URL + "?manager=a1", 404),
        ("mm_a", DAY_URL + "?manager=a1", 200),
        ("mm_a", WEEK_URL + "?manager=a1", 200),
        ("mm_a", DAY_URL, 404),  # a market manager has no round of their own
        ("mm_b", DAY_URL + "?manager=a1", 404),
        ("mm_b", DAY_URL + "?manager=nobody", 404),
    ],
)
def test_who_may_print_whose_sheet(client, two_teams, day, who, url, status):
    client.force_login(two_teams["cm"].get(who) or two_teams[who])
    assert client.get(url).status_code == status


def test_market_manager_gets_the_team_members_sheet(client, two_teams, day, tmp_path):
    client.force_login(two_teams["mm_a"])
    response = client.get(DAY_URL + "?manager=a1")
    assert "拜访单-a1-2026-11-03.pdf" in response["Content-Disposition"].replace(
        quote("拜访单"), "拜访单"
    )
    assert "兴隆烟酒店" in run_tool("pdftotext", response.content, tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "/visits/2026-13-01/sheet.pdf",
        "/visits/2026-02-30/sheet.pdf",
        "/visits/tomorrow/sheet.pdf",
        "/visits/0001-01-01/sheet.pdf",
        "/visits/week/2026-11-31/sheet.pdf",
    ],
)
def test_a_bad_date_is_not_found(client, two_teams, url):
    client.force_login(two_teams["cm"]["a1"])
    assert client.get(url).status_code == 404


def test_signing_in_is_required(client, day):
    response = client.get(DAY_URL)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_skus_ordered_by_customer_sums_the_given_skus_in_the_months():
    """The sheet's "SKUs the customer sells": per customer, only the SKUs asked for, ordered
    in [first, before), most cartons first (the SKU filter is applied to the lines found by
    customer and date, not to the index scan: the answer must not change)."""
    from markets.selectors import skus_ordered_by_customer

    shop, other = CustomerFactory(), CustomerFactory()
    big, small, not_asked = SkuFactory(), SkuFactory(), SkuFactory()
    OrderLineFactory(customer=shop, sku=small, order_date=dt.date(2026, 9, 1), quantity=5)
    OrderLineFactory(customer=shop, sku=big, order_date=dt.date(2026, 10, 3), quantity=20)
    OrderLineFactory(customer=shop, sku=small, order_date=dt.date(2026, 11, 30), quantity=5)
    OrderLineFactory(customer=shop, sku=not_asked, order_date=dt.date(2026, 10, 3), quantity=99)
    # outside the months: the day before and the first day of the sheet's month
    OrderLineFactory(customer=shop, sku=small, order_date=dt.date(2026, 8, 31), quantity=50)
    OrderLineFactory(customer=shop, sku=small, order_date=dt.date(2026, 12, 1), quantity=50)
    OrderLineFactory(customer=other, sku=small, order_date=dt.date(2026, 10, 3), quantity=1)

    sold = skus_ordered_by_customer(
        customer_ids=[shop.pk],
        sku_ids=[big.pk, small.pk],
        first=dt.date(2026, 9, 1),
        before=dt.date(2026, 12, 1),
    )

    assert sold == {shop.pk: [big.pk, small.pk]}  # 20 cartons before 10; not_asked left out


def test_last_checks_before_each_moment_are_each_moments_own(db):
    """The week's sheet reads the last checks of all its days in one query per kind: for
    each day the checks before that day's start, as a day's own sheet reads them."""
    from markets.selectors import last_checks_before, last_checks_before_each

    customer = CustomerFactory()
    sku, other = SkuFactory(), SkuFactory()
    for day, quantity in ((2, 5), (4, 7), (6, 9)):
        at = dt.datetime(2026, 11, day, 10, tzinfo=SHANGHAI)
        InventoryCheckFactory(customer=customer, sku=sku, quantity=quantity, observed_at=at)
    PriceCheckFactory(
        customer=customer,
        sku=other,
        price=Decimal("255"),
        observed_at=dt.datetime(2026, 11, 3, 9, tzinfo=SHANGHAI),
    )
    befores = [dt.datetime(2026, 11, day, tzinfo=SHANGHAI) for day in range(1, 8)]
    ids = {"customer_ids": [customer.pk], "sku_ids": [sku.pk, other.pk]}
    each = last_checks_before_each(**ids, befores=befores)
    assert each == {before: last_checks_before(**ids, before=before) for before in befores}
    assert each[befores[0]] == {}
    assert each[befores[4]][(customer.pk, sku.pk)]["inventory"] == 7  # before the 5th
    assert each[befores[4]][(customer.pk, other.pk)]["price"] == Decimal("255")


def test_a_week_costs_the_queries_of_a_day(
    client, two_teams, thirty, django_assert_max_num_queries
):
    """Every day of the week is read at once: the week's sheet costs a fixed number of
    queries, not some per day printed."""
    a1 = two_teams["cm"]["a1"]
    cycle = a1.cycles.get(month=NOV)
    for i, customer in enumerate(CustomerFactory.create_batch(5, manager=a1)):
        PlannedVisitFactory(cycle=cycle, customer=customer, date=dt.date(2026, 11, 2 + i % 5))
    client.force_login(a1)
    with django_assert_max_num_queries(16):
        assert client.get(WEEK_URL).status_code == 200
