"""Sortable column heads look and announce themselves the same on every table
(includes/sort_th.html through core/templatetags/listing.py): a link styled as one, ↕ on a
column that can be sorted, ▲/▼ and ``aria-sort`` on the one the table is sorted by."""

import re

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def heads(page: str) -> dict[str, str]:
    """Each sortable ``<th>`` of the page's first table head, by its link text."""
    thead = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r'<th class="sortable[^"]*"[^>]*>.*?</th>', thead, re.S)
    return {re.search(r'class="sort-link[^"]*"[^>]*>([^<]+)<', th).group(1): th for th in cells}


def mark(th: str) -> str:
    return re.search(r'<span class="sort-mark" aria-hidden="true">(.)</span>', th).group(1)


def test_customer_list_heads_show_the_sorted_column_and_its_direction(client, two_teams):
    CustomerFactory.create_batch(2, manager=two_teams["cm"]["a1"])
    client.force_login(two_teams["mm_a"])
    cells = heads(client.get("/customers/?o=-tier&status=active").content.decode())
    assert set(cells) == {"客户编码", "客户名称", "档位", "商圈", "拜访频率", "客户经理"}
    tier = cells.pop("档位")
    assert 'aria-sort="descending"' in tier and mark(tier) == "▼"
    assert 'class="sort-link sorted"' in tier
    # clicking the sorted column reverses it, keeping the filter
    assert 'href="?o=tier&amp;status=active"' in tier
    for th in cells.values():
        assert "aria-sort" not in th and mark(th) == "↕"
        assert 'class="sort-link"' in th and 'title="按' in th

    cells = heads(client.get("/customers/?o=name").content.decode())
    assert 'aria-sort="ascending"' in cells["客户名称"] and mark(cells["客户名称"]) == "▲"
    assert 'href="?o=-name"' in cells["客户名称"]
    assert mark(cells["档位"]) == "↕"


def test_customer_list_unsorted_has_no_aria_sort(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    page = client.get("/customers/").content.decode()
    cells = heads(page)
    assert "客户经理" not in cells  # a customer manager's own list has no manager column
    assert all(mark(th) == "↕" for th in cells.values())
    assert "aria-sort" not in page


def test_the_english_heads_say_sort_by(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    page = client.get("/en/customers/?o=code").content.decode()
    cells = heads(page)
    assert 'title="Sort by Customer code"' in cells["Customer code"]
    assert 'aria-sort="ascending"' in cells["Customer code"]


def test_team_board_heads_use_the_same_affordance(client, two_teams):
    client.force_login(two_teams["mm_a"])
    page = client.get("/team/?sort=visits&dir=asc").content.decode()
    ranking = page[page.index('id="ranking"') :]
    cells = heads(ranking)
    assert len(cells) == 6
    visits = cells.pop("拜访")
    assert 'aria-sort="ascending"' in visits and mark(visits) == "▲"
    assert 'class="sortable num"' in visits  # figures stay right-aligned
    assert 'hx-get="/team/?part=ranking&amp;sort=visits"' in visits
    for th in cells.values():
        assert "aria-sort" not in th and mark(th) == "↕"
    assert 'class="sortable"' in cells["客户经理"]  # the name column is text

    # the default order (completion, highest first) is marked too
    ranking = client.get("/team/").content.decode().split('id="ranking"', 1)[1]
    completion = heads(ranking)["完成率"]
    assert 'aria-sort="descending"' in completion and mark(completion) == "▼"
