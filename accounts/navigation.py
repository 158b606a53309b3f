"""The role-aware menu: one list per role, each entry a URL name and a label."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    staff_only: bool = False


_HOME = NavItem("accounts:home", _("首页"))

MENUS: dict[str, list[NavItem]] = {
    Role.CUSTOMER_MANAGER: [_HOME, NavItem("customers:list", _("我的客户"))],
    Role.MARKET_MANAGER: [_HOME, NavItem("customers:list", _("团队客户"))],
    Role.BRAND_MANAGER: [_HOME, NavItem("customers:list", _("客户（只读）"))],
    Role.ADMIN: [
        _HOME,
        NavItem("customers:list", pgettext_lazy("list", "客户")),
        NavItem("imports:upload", _("数据导入")),
        NavItem("admin:index", _("后台管理"), staff_only=True),
    ],
}


def menu_for(user, current_path: str) -> list[dict]:
    role = Role.ADMIN if user.is_superuser else user.role
    items = []
    for item in MENUS.get(role, [_HOME]):
        if item.staff_only and not user.is_staff:
            continue
        url = reverse(item.url_name)
        active = current_path == url if item is _HOME else current_path.startswith(url)
        items.append({"url": url, "label": item.label, "active": active})
    return items
