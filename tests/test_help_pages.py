"""使用说明: one help page per role, linked from every role's menu, in Chinese and English."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from home.help import MENU_NOTES, MONTH, ROLES, STEPS, TROUBLES
from home.navigation import HELP, MENUS

pytestmark = pytest.mark.django_db

USERS = {
    Role.CUSTOMER_MANAGER: lambda t: t["cm"]["a1"],
    Role.MARKET_MANAGER: lambda t: t["mm_a"],
    Role.BRAND_MANAGER: lambda t: t["brand"],
    Role.ADMIN: lambda t: t["admin"],
}
STEP_NAMES = ("分析", "计划", "实施", "评估", "改进")


def nav_of(page: str) -> str:
    return page.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]


def current_tab(page: str) -> str:
    tabs = page.split('class="tabs help-roles"', 1)[1].split("</nav>", 1)[0]
    return re.search(r'aria-current="page">([^<]+)', tabs).group(1).strip()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_own_page_by_default(client, two_teams, role):
    client.force_login(USERS[role](two_teams))
    response = client.get(reverse("accounts:help"))
    assert response.status_code == 200
    page = response.content.decode()
    assert current_tab(page) == role.label
    assert f"{role.label}的一个月" in page
    # the page names the five steps and the three marks with their meaning
    for name in STEP_NAMES:
        assert f'<span class="step-no">{STEP_NAMES.index(name) + 1}</span> {name}' in page
    for mark, meaning in (("☆", "计划"), ("●", "临时任务"), ("★", "已完成")):
        assert f'<span class="mark" aria-hidden="true">{mark}</span> {meaning}</dt>' in page
    assert "谁审批什么" in page and "本团队的市场经理" in page
    # each moment of this role's month is on it, and what this role does in each step
    for moment in MONTH[role]:
        assert str(moment.what) in page
    for step in STEPS:
        assert str(step.by_role[role]) in page


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_the_help_link_in_its_menu(client, two_teams, role):
    client.force_login(USERS[role](two_teams))
    nav = nav_of(client.get(reverse("accounts:home")).content.decode())
    assert f'<a href="{reverse("accounts:help")}">使用说明</a>' in nav
    # and on the help page itself the entry is the current one
    nav = nav_of(client.get(reverse("accounts:help")).content.decode())
    assert (
        f'<a href="{reverse("accounts:help")}" class="active" aria-current="page">使用说明' in nav
    )


def test_the_menu_section_describes_every_entry_of_that_roles_menu(client, two_teams):
    """A menu entry added without a description here would fail this test."""
    client.force_login(two_teams["admin"])
    for role in ROLES:
        page = client.get(reverse("accounts:help"), {"role": role.value}).content.decode()
        menu = page.split('id="help-menu"', 1)[1].split("</section>", 1)[0]
        for item in MENUS[role]:
            if item is not HELP:
                assert str(item.label) in menu, (role, item.url_name)
        assert set(MENU_NOTES) >= {item.url_name for item in MENUS[role]}


def test_a_user_can_read_the_other_roles_pages(client, two_teams):
    client.force_login(two_teams["cm"]["a1"])
    page = client.get(reverse("accounts:help"), {"role": "market_manager"}).content.decode()
    assert current_tab(page) == "市场经理"
    assert "市场经理的一个月" in page and "这是市场经理的说明；您的角色是客户经理。" in page
    assert "在“计划审批”点“审阅”" in page
    # the market manager's menu is described, but not linked for a customer manager
    menu = page.split('id="help-menu"', 1)[1].split("</section>", 1)[0]
    assert "计划审批" in menu and reverse("plans:queue") not in menu
    # their own page links their own menu entries
    page = client.get(reverse("accounts:help")).content.decode()
    menu = page.split('id="help-menu"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="{reverse("plans:home")}">月计划</a>' in menu
    # every tab is there, their own marked
    assert page.count('class="tabs help-roles"') == 1
    for role in ROLES:
        assert f"?role={role.value}" in page
    assert '客户经理 <span class="help-own">（我）</span>' in page


def test_an_unknown_role_shows_the_users_own_page(client, two_teams):
    client.force_login(two_teams["brand"])
    page = client.get(reverse("accounts:help"), {"role": "nobody"}).content.decode()
    assert current_tab(page) == "品牌经理"


def test_import_and_export_failures_are_explained_per_role(client, two_teams):
    client.force_login(two_teams["admin"])
    page = client.get(reverse("accounts:help")).content.decode()
    assert "导入被拒绝（有错误行）" in page and "仅校验，不写入" in page
    client.force_login(two_teams["cm"]["a1"])
    page = client.get(reverse("accounts:help")).content.decode()
    assert "需求预测导入失败" in page and "导出失败或很慢" in page
    for role in ROLES:
        assert any("导出" in str(t.problem) for t in TROUBLES[role])


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("accounts:help"))
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("role", ROLES)
def test_english_page_is_in_english(client, two_teams, role):
    client.force_login(USERS[role](two_teams))
    response = client.get("/en" + reverse("accounts:help"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Help" in page
    for name in ("Analysis", "Plan", "Execution", "Evaluation", "Improvement"):
        assert f"</span> {name} <small" in page
    assert "Temporary task" in page and "Who approves what" in page
    # no Chinese left in the page's own text (user names and the language switch aside)
    main = page.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    chinese = re.findall(r"[\u4e00-\u9fff]+", main)
    assert chinese == [], chinese
    assert 'href="/en/help/"' in nav_of(page)
