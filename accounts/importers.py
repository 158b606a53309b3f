"""The ``users`` import (DESIGN.md §6). A team named in the file must exist already, or be
created by the same file together with its market manager (a market_manager row naming
it); any other unknown team code is a row error, so a typing mistake cannot create a team
nobody leads. A market manager listed with a team becomes that team's market manager. New
users get no usable password: an admin sets one (admin site or ``manage.py
changepassword``)."""

import pandas as pd
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from core.tabular.columns import DUPLICATE_IN_FILE, Column, Table
from core.tabular.upsert import WriteCounts, upsert_frame

from .models import Role, Team, User

COLUMNS = [
    Column("username", ("用户名", "账号"), required=True),
    Column("name", ("姓名",), required=True),
    Column("role", ("角色",), required=True),
    Column("team", ("团队", "团队编码")),
    Column("email", ("邮箱", "电子邮件")),
]


def validate(table: Table) -> pd.DataFrame:
    username = table.text("username", required=True, max_length=150)
    table.flag(
        (username != "") & ~username.str.fullmatch(r"[\w.@+-]+"),
        "username",
        _("只能包含字母、数字和 @/./+/-/_"),
    )
    clean = pd.DataFrame(
        {
            "username": username,
            "name": table.text("name", required=True, max_length=50),
            "role": table.choice("role", Role, required=True),
        }
    )
    if table.has("team"):
        clean["team"] = table.text("team", max_length=32)
        leads = clean[(clean["role"] == Role.MARKET_MANAGER) & (clean["team"] != "")]
        table.flag(
            leads.duplicated("team", keep="first").reindex(clean.index, fill_value=False),
            "team",
            _("同一团队在文件中有多个市场经理"),
        )
        _flag_unknown_teams(table, clean["team"], led=set(leads["team"]))
    if table.has("email"):
        email = table.text("email", max_length=254)
        table.flag(
            (email != "") & ~email.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
            "email",
            _("邮箱格式不正确"),
        )
        clean["email"] = email
    table.unique(["username"], DUPLICATE_IN_FILE)
    return clean


def _flag_unknown_teams(table: Table, teams: pd.Series, *, led: set[str]) -> None:
    named = teams[teams != ""]
    known = set(Team.objects.filter(code__in=set(named)).values_list("code", flat=True))
    unknown = named[~named.isin(known | led)]
    for code, rows in unknown.groupby(unknown, sort=True).groups.items():
        message = _("没有编码为 %(code)s 的团队；新团队须与它的市场经理在同一文件中导入")
        table.flag(pd.Series(True, index=rows), "team", message % {"code": code})


def write(clean: pd.DataFrame) -> WriteCounts:
    fields = ["name", "role", "is_staff", "is_superuser"]
    frame = clean.copy()
    frame["is_staff"] = frame["role"] == Role.ADMIN
    frame["is_superuser"] = frame["role"] == Role.ADMIN
    if "team" in frame:
        codes = sorted(set(frame["team"]) - {""})
        # validate() let a new team through only with its market manager in the file
        existing_codes = set(Team.objects.filter(code__in=codes).values_list("code", flat=True))
        Team.objects.bulk_create([Team(code=c, name=c) for c in codes if c not in existing_codes])
        team_ids = dict(Team.objects.filter(code__in=codes).values_list("code", "id"))
        frame["team_id"] = (
            frame["team"].map(team_ids).astype(object).where(frame["team"] != "", None)
        )
        fields.append("team_id")
    if "email" in frame:
        fields.append("email")
    counts = upsert_frame(
        model=User,
        frame=frame,
        key=["username"],
        fields=fields,
        existing=User.objects.all(),
        defaults_for_new={"password": make_password(None)},
    )
    if "team" in frame:
        leads = frame[(frame["role"] == Role.MARKET_MANAGER) & (frame["team"] != "")]
        ids = dict(
            User.objects.filter(username__in=list(leads["username"])).values_list("username", "id")
        )
        for code, username in zip(leads["team"], leads["username"], strict=True):
            Team.objects.filter(code=code).exclude(market_manager_id=ids[username]).update(
                market_manager_id=ids[username]
            )
    return counts
