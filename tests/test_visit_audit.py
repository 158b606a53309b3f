"""The visit audit (拜访稽核) as a market manager meets it: short visits, customers without a
valid visit, valid visits per manager per day with the over-limit and empty days picked out;
who may open it, and a bounded number of queries however large the team."""

import datetime as dt
import re

import pytest

from tests.factories import SHANGHAI as SH
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    VisitFactory,
)

OCT = dt.date(2026, 10, 1)
URL = "/visits/audit/"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, second, tzinfo=SH)


def visit(cycle, customer, day: int, seconds: int | None, start: int = 9):
    checked_in = at(day, start)
    return VisitFactory(
        cycle=cycle,
        customer=customer,
        date=dt.date(2026, 10, day),
        checked_in_at=checked_in,
        checked_out_at=None if seconds is None else checked_in + dt.timedelta(seconds=seconds),
    )


def html(response) -> str:
    return response.content.decode()


def section(page: str, anchor: str) -> str:
    """The HTML of the page's <section id=anchor>."""
    match = re.search(rf'<section class="card" id="{anchor}">(.*?)</section>', page, re.S)
    assert match, anchor
    return match.group(1)


@pytest.fixture
def month(two_teams):
    """October 2026: a1 visits C-a1 properly on the 5th and in 59 s on the 6th; a2 visits
    C-a2 only in 42 s and an extra customer without checking out; b1 visits C-b1."""
    cm, c = two_teams["cm"], two_teams["customers"]
    cycles = {key: CycleFactory(manager=cm[key], month=OCT) for key in cm}
    c["a1"].name, c["a2"].name = "惠民便利店", "红星烟酒店"
    c["a1"].save(), c["a2"].save()
    visit(cycles["a1"], c["a1"], 5, 600)
    visit(cycles["a1"], c["a1"], 6, 59)  # one second short of valid
    visit(cycles["a2"], c["a2"], 5, 42)
    extra = CustomerFactory(manager=cm["a2"], code="C-a2x", name="阳光超市")
    visit(cycles["a2"], extra, 7, None)  # never checked out: neither valid nor short
    visit(cycles["b1"], c["b1"], 5, 300)
    return two_teams | {"cycles": cycles, "extra": extra}


def get(client, user, query=""):
    client.force_login(user)
    return client.get(URL + query)


@pytest.mark.parametrize(
    ("who", "status"), [("a1", 403), ("b1", 403), ("brand", 403), ("mm_a", 200), ("admin", 200)]
)
def test_only_market_managers_and_admins_audit(client, month, who, status):
    user = month["cm"].get(who) or month[who]
    assert get(client, user, "?month=2026-10").status_code == status


def test_a_market_manager_audits_their_own_team(client, month):
    page = html(get(client, month["mm_a"], "?month=2026-10"))
    summary = section(page, "summary")
    a1, a2 = month["cm"]["a1"].display_name, month["cm"]["a2"].display_name
    assert a1 in summary and a2 in summary
    assert month["cm"]["b1"].display_name not in page
    # the other team's manager is no choice either: a 404, not an empty page
    assert get(client, month["mm_a"], "?month=2026-10&manager=b1").status_code == 404
    assert get(client, month["mm_a"], "?month=2026-10&team=TB").status_code == 404


def test_short_visits_are_listed_with_their_seconds(client, month):
    short = section(html(get(client, month["mm_a"], "?month=2026-10")), "short")
    assert "2 次" in short
    assert "惠民便利店" in short and "10-06 09:00:00–09:00:59" in short and "59 秒" in short
    assert "红星烟酒店" in short and "42 秒" in short
    assert "阳光超市" not in short  # not checked out: not a short visit


def test_customers_without_a_valid_visit(client, month):
    unvisited = section(html(get(client, month["mm_a"], "?month=2026-10")), "unvisited")
    a1, a2 = month["cm"]["a1"].display_name, month["cm"]["a2"].display_name
    # a1's only customer had a valid visit; a2's two had a 42 s visit and an unfinished one
    assert f"{a1}：0 户（共 1 户）" in unvisited
    assert f"{a2}：2 户（共 2 户）" in unvisited
    assert "红星烟酒店" in unvisited and "阳光超市" in unvisited
    assert "惠民便利店" not in unvisited
    # one manager: the whole list, a page at a time
    one = section(html(get(client, month["mm_a"], "?month=2026-10&manager=a2")), "unvisited")
    assert "2 户有效客户本月还没有有效拜访" in one and "阳光超市" in one


def test_the_day_table_counts_valid_visits_and_flags_bad_days(client, month):
    a1 = month["cm"]["a1"]
    cycle = month["cycles"]["a1"]
    # 31 valid visits on Friday 9 October: past the urban limit of 30
    for n in range(31):
        customer = CustomerFactory(manager=a1, code=f"BUSY{n:02d}")
        visit(cycle, customer, 9, 120, start=8 + n // 6)
    page = html(get(client, month["mm_a"], "?month=2026-10&manager=a1"))
    days = section(page, "days")
    rows = re.findall(r"<tr[^>]*>\s*<th>(\d+) .*?</th>(.*?)</tr>", days, re.S)
    cells = {int(day): re.search(r'<td class="num ([a-z]*)"[^>]*>(.*?)</td>', row, re.S).groups()
             for day, row in rows}  # fmt: skip
    assert cells[9][0] == "over" and cells[9][1].startswith("31")
    assert cells[5] == ("", "1")  # one valid visit
    assert cells[6][0] == "zero" and "<sup" in cells[6][1]  # a workday with only a short one
    assert cells[10][0] == ""  # Saturday: no visits is no flag
    summary = section(page, "summary")
    assert re.search(r">32</td>", summary)  # 1 + 31 valid visits in the month


def test_admins_audit_every_team_and_may_narrow_to_one(client, month):
    page = html(get(client, month["admin"], "?month=2026-10"))
    for key in ("a1", "a2", "b1"):
        assert month["cm"][key].display_name in section(page, "summary")
    team = section(html(get(client, month["admin"], "?month=2026-10&team=TB")), "summary")
    assert month["cm"]["b1"].display_name in team
    assert month["cm"]["a1"].display_name not in team


def test_an_htmx_page_of_short_visits_is_the_section_alone(client, month):
    client.force_login(month["mm_a"])
    response = client.get(URL + "?month=2026-10&part=short&sp=1", headers={"HX-Request": "true"})
    body = html(response)
    assert body.lstrip().startswith('<section class="card" id="short">')
    assert "59 秒" in body and "<html" not in body


def test_a_bad_month_is_a_404_and_no_month_is_this_month(client, month):
    assert get(client, month["mm_a"], "?month=2026-13").status_code == 404
    assert get(client, month["mm_a"]).status_code == 200


def test_the_menu_offers_the_audit_to_market_managers(client, month):
    page = html(get(client, month["mm_a"], "?month=2026-10"))
    assert re.search(r'<a href="/visits/audit/"[^>]*>拜访稽核</a>', page)
    client.force_login(month["cm"]["a1"])
    assert "拜访稽核" not in html(client.get("/"))


def test_queries_do_not_grow_with_the_team(client, month, django_assert_max_num_queries):
    client.force_login(month["mm_a"])
    with django_assert_max_num_queries(14) as small:
        assert client.get(URL + "?month=2026-10").status_code == 200
    team = month["team_a"]
    for n in range(6):
        manager = CustomerManagerFactory(username=f"more{n}", team=team)
        cycle = CycleFactory(manager=manager, month=OCT)
        for k in range(3):
            customer = CustomerFactory(manager=manager, code=f"M{n}-{k}")
            visit(cycle, customer, 5 + k, 30 if k == 0 else 400)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = html(client.get(URL + "?month=2026-10"))
    assert page.count("秒</span>") == 2 + 6  # every short visit listed, on one page
