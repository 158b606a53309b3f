"""The demo logins table, printed by ``seed_demo`` and on every start of ``bin/dev``."""

import re
import unicodedata

from django.utils.translation import gettext as _

from accounts.models import Role, Team, User

from .people import PASSWORD, Person

_DEMO_USERNAME = re.compile(r"^(admin|brand1|mm\d+|cm\d+)$")
# Past this many customer managers, one line per team instead of one per person.
_FOLD_AFTER = 12


def demo_people() -> tuple[list[Person], dict[str, str]]:
    """The demo accounts present in the database, and team code → name."""
    users = User.objects.filter(username__regex=_DEMO_USERNAME.pattern).select_related("team")
    order = {Role.ADMIN: 0, Role.BRAND_MANAGER: 1, Role.MARKET_MANAGER: 2, Role.CUSTOMER_MANAGER: 3}
    people = sorted(
        (Person(u.username, u.name, u.role, u.team.code if u.team else None) for u in users),
        key=lambda p: (order.get(p.role, 9), len(p.username), p.username),
    )
    return people, dict(Team.objects.values_list("code", "name"))


def login_lines(people: list[Person], teams: dict[str, str]) -> list[str]:
    header = [_("用户名"), _("角色"), _("姓名"), _("团队"), _("密码")]
    managers = [p for p in people if p.role == Role.CUSTOMER_MANAGER]
    fold = len(managers) > _FOLD_AFTER
    team_label = {code: f"{code} {name}" for code, name in teams.items()}
    rows = [
        [p.username, str(Role(p.role).label), p.name, team_label.get(p.team or "", ""), PASSWORD]
        for p in people
        if not (fold and p.role == Role.CUSTOMER_MANAGER)
    ]
    if fold:
        for code in dict.fromkeys(p.team for p in managers):
            team = [p for p in managers if p.team == code]
            rows.append(
                [
                    f"{team[0].username}–{team[-1].username}",
                    str(Role.CUSTOMER_MANAGER.label),
                    _("%(count)d 人") % {"count": len(team)},
                    team_label.get(code or "", ""),
                    PASSWORD,
                ]
            )
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    title = _("演示账号（密码均为 %(password)s）：") % {"password": PASSWORD}
    return [title] + [
        "  " + "  ".join(_pad(str(c), w) for c, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
