"""The role-aware menu: one list per role, each entry a URL name and a label."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role
from accounts.policy import role_of


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    staff_only: bool = False
    also_under: tuple[str, ...] = ()  # URL names of other pages this entry stands for
    counts_unread: bool = False  # shows the unread count of the interaction feed


_HOME = NavItem("accounts:home", _("首页"))
_SKUS = NavItem("brands:sku_list", _("单品"))
_CATALOGUE = [
    NavItem("brands:categories", _("品类结构"), also_under=("brands:mapping",)),
    _SKUS,
    NavItem("brands:brand_list", _("品牌")),
]

_ANALYSIS = NavItem("reports:home", _("分析"))
_ANNUAL = NavItem("reports:annual", _("年度评价"))
_FEED = NavItem("feed:index", _("三员互动"), counts_unread=True)
_TEAM_BOARD = NavItem("team:board", _("团队看板"))
_SATISFACTION = NavItem("surveys:overview", _("满意度"), also_under=("surveys:callbacks",))
_STRATEGY = NavItem("strategy:library", _("策略库"))
# the 使用说明 page (home/help.py), last in every menu
HELP = NavItem("accounts:help", _("使用说明"))

MENUS: dict[str, list[NavItem]] = {
    Role.CUSTOMER_MANAGER: [
        _HOME,
        _ANALYSIS,
        _SATISFACTION,
        NavItem("plans:home", _("月计划")),
        NavItem("visits:today", _("今日拜访")),
        _FEED,
        NavItem("customers:list", _("我的客户")),
        _SKUS,
        HELP,
    ],
    Role.MARKET_MANAGER: [
        _HOME,
        _TEAM_BOARD,
        _ANALYSIS,
        _SATISFACTION,
        NavItem("plans:queue", _("计划审批"), also_under=("plans:home",)),
        NavItem("plans:guidance", _("预测指导")),
        NavItem("visits:audit", _("拜访稽核")),
        _STRATEGY,
        _FEED,
        NavItem("customers:list", _("团队客户")),
        _SKUS,
        HELP,
    ],
    Role.BRAND_MANAGER: [
        _HOME,
        _ANALYSIS,
        _ANNUAL,
        _SATISFACTION,
        NavItem("brand_tasks:list", _("品牌培育")),
        _FEED,
        NavItem("customers:list", _("客户（只读）")),
        *_CATALOGUE,
        HELP,
    ],
    Role.ADMIN: [
        _HOME,
        _TEAM_BOARD,
        _ANALYSIS,
        _ANNUAL,
        _SATISFACTION,
        NavItem("customers:list", pgettext_lazy("list", "客户")),
        NavItem("visits:audit", _("拜访稽核")),
        _STRATEGY,
        *_CATALOGUE,
        NavItem("imports:upload", _("数据导入")),
        NavItem("admin:index", _("后台管理"), staff_only=True),
        HELP,
    ],
}


def menu_for(user, current_path: str, unread: int = 0) -> list[dict]:
    items = []
    for item in MENUS.get(role_of(user), [_HOME, HELP]):
        if item.staff_only and not user.is_staff:
            continue
        url = reverse(item.url_name)
        if item is _HOME:
            match = len(url) if current_path == url else 0
        else:
            prefixes = [url, *(reverse(name) for name in item.also_under)]
            match = max((len(p) for p in prefixes if current_path.startswith(p)), default=0)
        badge = unread if item.counts_unread else 0
        items.append({"url": url, "label": item.label, "match": match, "badge": badge})
    # Only the most specific entry is active (/brands/skus/ is under /brands/ too).
    best = max((i["match"] for i in items), default=0)
    for i in items:
        match = i.pop("match")
        i["active"] = best > 0 and match == best
    return items
