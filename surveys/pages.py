"""What the satisfaction pages show, read through the selectors (the views stay thin):
which period and whose figures a query asks for, as the user may see them."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.policy import (
    access_manager,
    access_team,
    can_see_company,
    leads_team,
    works_own_cycle,
)
from accounts.selectors import managers_visible_to, teams_visible_to
from customers.models import Customer

from .forms import AnswerForm
from .models import Survey
from .selectors import (
    Figures,
    active_dimensions,
    callback_sample_ids,
    figures_by,
    summary,
    survey_answered_ids,
    survey_choices,
    survey_open_on,
)


def chosen_survey(query: QueryDict, surveys: list[Survey]) -> Survey | None:
    """The period named by ``survey`` (an id), else the one open today, else the latest."""
    wanted = query.get("survey", "").strip()
    if wanted:
        found = next((s for s in surveys if str(s.pk) == wanted), None)
        if found is None:
            raise Http404("no such survey period")
        return found
    today = timezone.localdate()
    return survey_open_on(today) or next((s for s in surveys if s.start <= today), None)


@dataclass
class BreakdownRow:
    label: str
    url_query: str  # the overview's query for this row's own figures
    figures: Figures | None


def overview_context(*, user: User, query: QueryDict) -> dict:
    surveys = survey_choices()
    survey = chosen_survey(query, surveys)
    manager = team = None
    if query.get("manager"):
        manager = access_manager(user, query["manager"])
    elif query.get("team"):
        team = access_team(user, query["team"])
    elif works_own_cycle(user):
        manager = user
    elif leads_team(user):
        team = teams_visible_to(user=user).order_by("code").first()
        if team is None:
            raise Http404("no team")
    elif not can_see_company(user):
        raise Http404("no scope")
    if manager is not None:
        scope_kind, scope_name = "manager", manager.display_name
    elif team is not None:
        scope_kind, scope_name = "team", team.name
    else:
        scope_kind, scope_name = "company", _("全公司")
    context = {
        "surveys": surveys,
        "survey": survey,
        "scope_kind": scope_kind,
        "scope_name": scope_name,
        "manager": manager,
        "team": team,
        "teams": list(teams_visible_to(user=user).order_by("code"))
        if not works_own_cycle(user)
        else [],
        "summary": None,
        "rows": [],
    }
    if survey is None:
        return context
    context["summary"] = summary(user=user, until=survey.start, manager=manager, team=team)
    context["rows"] = _breakdown(
        user=user, survey=survey, team=team, company=scope_kind == "company"
    )
    return context


def _breakdown(*, user: User, survey: Survey, team: Team | None, company: bool) -> list:
    """Per team (the company view) or per manager (a team's view), best rate first."""
    if company:
        groups = list(teams_visible_to(user=user).order_by("code"))
        found = figures_by(user=user, survey=survey, by="team")
        rows = [
            BreakdownRow(g.name, f"team={g.code}&survey={survey.pk}", found.get(g.pk))
            for g in groups
        ]
    elif team is not None:
        members = list(managers_visible_to(user=user).filter(team=team).order_by("username"))
        found = figures_by(user=user, survey=survey, by="manager", team=team)
        rows = [
            BreakdownRow(
                m.display_name, f"manager={m.username}&survey={survey.pk}", found.get(m.pk)
            )
            for m in members
        ]
    else:
        return []
    return sorted(
        rows,
        key=lambda r: (
            r.figures is None or r.figures.rate is None,
            -(r.figures.rate or 0) if r.figures else 0,
        ),
    )


@dataclass
class CallbackRow:
    customer: Customer
    answered: bool
    form: AnswerForm | None = None


def callback_context(*, user: User, query: QueryDict) -> dict:
    """The period's callback sample of the team (a market manager's own; an admin picks)."""
    teams = list(teams_visible_to(user=user).order_by("code"))
    code = query.get("team", "").strip()
    team = (
        next((t for t in teams if t.code == code), None) if code else (teams[0] if teams else None)
    )
    if code and team is None:
        raise Http404("no such team")
    surveys = survey_choices()
    survey = chosen_survey(query, surveys)
    context = {
        "teams": teams,
        "team": team,
        "surveys": surveys,
        "survey": survey,
        "dimensions": active_dimensions(),
        "rows": [],
        "open": survey is not None and survey.is_open_on(timezone.localdate()),
    }
    if team is None or survey is None:
        return context
    ids = callback_sample_ids(team=team, survey=survey)
    answered = survey_answered_ids(survey=survey, customer_ids=ids)
    customers = Customer.objects.filter(pk__in=ids).select_related("manager").order_by("code")
    context["rows"] = [CallbackRow(c, c.pk in answered) for c in customers]
    context["answered"] = len(answered)
    return context
