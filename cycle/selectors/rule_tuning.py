"""The tuning page of a warning rule (issue #17 point 3): the rule, its what-if preview per
team and its change history. The preview runs the engine's condition for this one rule
(``cycle.strategy.preview``) with the current and the candidate threshold over the month's
data; a market manager sees only the teams they lead. Nothing here writes."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.shortcuts import get_object_or_404

from accounts.models import Team, User
from accounts.policy import scope_of
from customers.selectors import active_customers

from ..models import WarningRule, WarningRuleChange
from ..strategy.engine import IndicatorsMissing
from ..strategy.preview import rule_flag_counts

HISTORY_ROWS = 20


def tunable_rule(*, code: str) -> WarningRule:
    """The rule of ``code`` (404 if none), with its standard action."""
    return get_object_or_404(WarningRule.objects.select_related("action"), code=code)


def tunable_rules() -> list[WarningRule]:
    return list(WarningRule.objects.select_related("action").order_by("position", "code"))


@dataclass(frozen=True)
class TeamRow:
    code: str
    name: str
    customers: int
    now: int  # customers flagged with the saved threshold
    new: int  # … with the candidate threshold
    now_warnings: int
    new_warnings: int

    @property
    def change(self) -> int:
        return self.new - self.now


@dataclass(frozen=True)
class Preview:
    month: dt.date
    current: Decimal | None
    candidate: Decimal | None
    rows: list[TeamRow] = field(default_factory=list)
    total: TeamRow | None = None
    skipped: str = ""  # the rule cannot be evaluated: why
    missing: str = ""  # the month's indicators are not computed: the message
    seconds: float = 0.0


def rule_preview(
    *, user: User, rule: WarningRule, candidate: Decimal | None, month: dt.date
) -> Preview:
    """Customers ``rule`` flags in ``month`` per team in ``user``'s scope, with its saved
    threshold and with ``candidate``."""
    started = time.perf_counter()
    scope = scope_of(user)
    owners = active_customers().order_by().values_list("manager_id", flat=True).distinct()
    managers = scope.managers(User.objects.filter(pk__in=owners))
    team_of = dict(managers.values_list("pk", "team_id"))
    teams = list(scope.teams(Team.objects.all()).order_by("code"))
    if not scope.everything:  # a manager outside the teams they lead: not theirs
        led = {t.pk for t in teams}
        team_of = {m: t for m, t in team_of.items() if t in led}
    base = {"month": month, "current": rule.threshold, "candidate": candidate}
    try:
        counts = rule_flag_counts(
            rule=rule,
            thresholds=[rule.threshold, candidate],
            month=month,
            manager_ids=sorted(team_of),
            team_of=team_of,
        )
    except IndicatorsMissing as exc:
        return Preview(**base, missing=exc.message)
    if counts.skipped:
        return Preview(**base, skipped=counts.skipped)
    (now, new), (now_w, new_w) = counts.flagged, counts.warnings
    labelled = [(t.pk, t.code, t.name) for t in teams]
    if scope.everything and None in counts.customers:
        labelled.append((None, "", ""))  # customers of managers without a team
    rows = [
        TeamRow(
            code=code,
            name=name,
            customers=counts.customers.get(pk, 0),
            now=now.get(pk, 0),
            new=new.get(pk, 0),
            now_warnings=now_w.get(pk, 0),
            new_warnings=new_w.get(pk, 0),
        )
        for pk, code, name in labelled
    ]
    total = TeamRow(
        code="",
        name="",
        **{
            name: sum(getattr(r, name) for r in rows)
            for name in ("customers", "now", "new", "now_warnings", "new_warnings")
        },
    )
    return Preview(**base, rows=rows, total=total, seconds=time.perf_counter() - started)


def rule_changes(*, rule: WarningRule, limit: int = HISTORY_ROWS) -> list[WarningRuleChange]:
    """The rule's latest recorded changes, newest first."""
    return list(WarningRuleChange.objects.filter(rule=rule).select_related("changed_by")[:limit])
