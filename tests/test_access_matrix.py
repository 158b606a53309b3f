"""Who gets what from every URL (DESIGN.md §2), as one explicit table.

``RULES`` maps every URL name of the project to how its arguments are built and what each
role gets for GET and POST. ``test_every_url_has_a_rule`` fails, naming it, for a URL
without a rule (or a rule without a URL); then one case per URL × target × role × method
asks the server and compares.

Roles: ``anon`` (not signed in), ``cm`` (customer manager a1 of team TA), ``mm`` (market
manager of TA), ``brand`` (brand manager), ``admin`` (superuser "boss").
Targets, for URLs that name someone's work: ``own`` = team TA's (a1's) object, ``other`` =
team TB's (b1's), ``mixed`` = a1's URL with b1's object id in it (tampering). URLs that
name nobody's work have the single target ``-``.

The expected answers come from the design, read in the views: selectors decide visibility
(another manager's or another team's row: 404), a role decorator refuses a role (403),
anonymous users are sent to the login page, a method a view does not take is 405.
Tokens used in the table (one per role; "a|b|c" = per target, in the rule's target order):

    200, 302      exactly that (302: a redirect that is not to a login page)
    login         302 to /login/?next=…          admin-login  302 to /admin/login/?next=…
    logout        302 to /login/ (LOGOUT_REDIRECT_URL)
    403, 404, 405 refused: role, visibility, method
    400           refused for the input, documented where used
    write         an allowed write: done (200/302) or its input refused (400) — the bodies
                  sent are empty or minimal, the point is the permission answer
    write409      as write, or 409 where the document's state forbids it now (documented
                  by ``cycle.services.NotAllowedNow``; the actor is checked before the state)

``LIKE_GET`` for POST: the view does not restrict the method and answers a POST as it
answers a GET (it writes nothing); a view that starts taking writes needs its own row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from brands.models import Category
from core.models import ExportJob, ExportStatus
from core.months import add_months, current_month
from cycle.models import (
    ArrangementTarget,
    Cycle,
    FeedEntry,
    Improvement,
    MarketingAction,
    ShelfPhoto,
    Visit,
)
from cycle.services import arrangement_post
from imports.models import ImportJob
from reports.models import IndicatorRun, RunStatus
from tests.conftest import two_teams
from tests.factories import (
    CategoryNodeFactory,
    CycleFactory,
    ImprovementFactory,
    MarketingActionFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anon", "cm", "mm", "brand", "admin")
ANY = ("-",)
OWN_OTHER = ("own", "other")
WITH_MIXED = ("own", "other", "mixed")

# URL names left out of the matrix, each with its reason. Anything else must have a rule.
SKIPPED_NAMESPACES = {
    # Django's own admin views (changelists, change forms, password, logout…): every one is
    # behind AdminSite.admin_view (is_active and is_staff); tests/test_admin.py renders
    # them. Only the admin's front door, admin:index, is in the matrix.
    "admin": "Django admin internals behind admin_view; see tests/test_admin.py",
}
# Static and media files are served by WhiteNoise middleware, not by the URLconf, and no
# third-party app other than django.conf.urls.i18n (set_language, in the matrix) adds URLs.


# --- the world the cases ask about -------------------------------------------------------


@dataclass
class World:
    users: dict
    sessions: dict  # role → session key, signed in once for the module
    managers: dict  # own / other → customer manager
    teams: dict
    customers: dict
    actions: dict
    improvements: dict
    arrangements: dict
    category: object
    sku: object
    import_job: object
    export_jobs: dict  # each role's own finished export (anon: the cm's), and "other": b1's
    photos: dict  # own / other → a shelf photo of a1's / b1's visit today
    month: str  # the plans' month, YYYY-MM (this month: execution open, plan a draft)
    first_day: str
    monday: str  # a Monday of a week of that month
    today: str
    computed: str  # a month with a successful indicator run

    # ``mixed`` names a1's work in the URL and b1's object in it
    def scope(self, target: str) -> str:
        return "other" if target == "other" else "own"

    def item(self, target: str) -> str:
        return "own" if target == "own" else "other"

    def plan(self, target: str) -> dict:
        return {"username": self.managers[self.scope(target)].username, "month": self.month}


def _build_world() -> World:
    base = two_teams.__wrapped__(None)  # the shared fixture's body, once for the module
    month = current_month()
    managers = {"own": base["cm"]["a1"], "other": base["cm"]["b1"]}
    customers = {"own": base["customers"]["a1"], "other": base["customers"]["b1"]}
    cycles = {k: CycleFactory(manager=m, month=month) for k, m in managers.items()}
    leads = {"own": base["mm_a"], "other": base["mm_b"]}
    now = timezone.now()
    computed = add_months(month, -1)
    IndicatorRun.objects.create(
        month=computed, status=RunStatus.SUCCEEDED, started_at=now, finished_at=now
    )
    monday = month - dt.timedelta(days=month.weekday())
    requesters = {
        "cm": managers["own"],
        "mm": base["mm_a"],
        "brand": base["brand"],
        "admin": base["admin"],
        "other": managers["other"],
    }
    export_jobs = {key: _finished_export(user) for key, user in requesters.items()}
    export_jobs["anon"] = export_jobs["cm"]
    users = {
        "anon": None,
        "cm": managers["own"],
        "mm": base["mm_a"],
        "brand": base["brand"],
        "admin": base["admin"],
    }
    return World(
        users=users,
        sessions={role: _session(user) for role, user in users.items() if user is not None},
        managers=managers,
        teams={"own": base["team_a"], "other": base["team_b"]},
        customers=customers,
        actions={k: MarketingActionFactory(cycle=cycles[k], customer=customers[k]) for k in cycles},
        improvements={k: ImprovementFactory(cycle=cycles[k]) for k in cycles},
        arrangements={
            k: arrangement_post(
                manager=managers[k],
                by=leads[k],
                text="本周重点走访城网客户",
                target=ArrangementTarget.MONTH_PLAN,
                month=month,
            )
            for k in managers
        },
        category=CategoryNodeFactory(),
        sku=SkuFactory(),
        import_job=ImportJob.objects.create(
            kind="customers", filename="customers.csv", content=b"", created_by=base["admin"]
        ),
        export_jobs=export_jobs,
        photos={k: _shelf_photo(cycles[k], customers[k]) for k in cycles},
        month=f"{month:%Y-%m}",
        first_day=month.isoformat(),
        monday=monday.isoformat(),
        today=timezone.localdate().isoformat(),
        computed=f"{computed:%Y-%m}",
    )


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _shelf_photo(cycle, customer) -> ShelfPhoto:
    visit, _new = Visit.objects.get_or_create(
        cycle=cycle, customer=customer, date=timezone.localdate()
    )
    photo = ShelfPhoto(
        visit=visit,
        taken_at=timezone.now(),
        width=1,
        height=1,
        bytes=3,
        uploaded_by=cycle.manager,
    )
    photo.image.save("photos/x.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.thumbnail.save("photos/x_t.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    return photo


def _finished_export(user) -> ExportJob:
    job = ExportJob.objects.create(
        kind="customers",
        requested_by=user,
        status=ExportStatus.SUCCEEDED,
        filename="customers.xlsx",
        finished_at=timezone.now(),
    )
    job.file.save("customers.xlsx", ContentFile(b"PK stub"), save=True)
    return job


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once; every case runs in a savepoint inside this transaction (pytest-django's
    per-test atomic nests), so a write a case makes is gone before the next one."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module", autouse=True)
def no_pdf_rendering():
    """The PDFs' HTML is still built from the view's data; only the (slow) layout into PDF
    is skipped — what is checked here is who gets an answer."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("weasyprint.HTML.write_pdf", lambda self, *a, **k: b"%PDF-1.7 stub")
        yield


# --- the table ---------------------------------------------------------------------------

LIKE_GET = "like GET"


def row(anon: str, cm: str, mm: str, brand: str, admin: str) -> tuple[str, ...]:
    return (anon, cm, mm, brand, admin)


def none(w: World, t: str) -> dict:
    return {}


@dataclass(frozen=True)
class Rule:
    get: tuple[str, ...]
    post: tuple[str, ...] | str
    kwargs: Callable[[World, str], dict] = none
    query: Callable[[World, str], dict] = none
    body: Callable[[World, str], dict] = none
    targets: tuple[str, ...] = ANY
    variant: str = ""  # several rules for one name (e.g. the transition's name)
    # for objects that belong to a user rather than a team (export jobs): (world, target,
    # role) → kwargs, used instead of ``kwargs``
    role_kwargs: Callable[[World, str, str], dict] | None = None
    note: str = field(default="", compare=False)


def plan(w, t):
    return w.plan(t)


def plan_with(**extra) -> Callable[[World, str], dict]:
    return lambda w, t: w.plan(t) | {key: make(w, t) for key, make in extra.items()}


def customer_pk(w, t):
    return {"pk": w.customers[w.item(t)].pk}


def visible(
    *, post=LIKE_GET, cm="200|404", mm="200|404", others="200", kwargs=plan, **more
) -> Rule:
    """A page of one customer manager's work: they and their market manager see it, other
    managers and other teams get 404; brand managers and admins see everyone's."""
    get = row("login", cm, mm, others, others)
    return Rule(get, post, kwargs, targets=OWN_OTHER, **more)


def own_write(*, kwargs=plan, targets=OWN_OTHER, cm=None, **more) -> Rule:
    """A POST only the customer manager makes on their own work (role_required(CM) and
    require_POST; plan_for/cycle_for 404 on anyone else's)."""
    if cm is None:
        cm = "|".join(["write"] + ["404"] * (len(targets) - 1))
    return Rule(
        get=row("login", "405", "403", "403", "403"),
        post=row("login", cm, "403", "403", "403"),
        kwargs=kwargs,
        targets=targets,
        **more,
    )


# Read pages open to every signed-in role, no object in the URL.
SIGNED_IN = Rule(row("login", "200", "200", "200", "200"), LIKE_GET)
# The catalogue's writes (brands.permissions.CATALOG_EDITORS; role first, then require_POST).
CATALOG_WRITE = Rule(
    get=row("login", "403", "403", "405", "405"),
    post=row("login", "403", "403", "write", "write"),
)
# Catalogue pages: a POST without htmx is answered by a redirect to the page (no write).
CATALOG_PAGE = Rule(row("login", "200", "200", "200", "200"), row("login", *["302"] * 4))


def category(w, t):
    return {"pk": w.category.pk}


def sku(w, t):
    return {"pk": w.sku.pk}


def catalog_write(kwargs=none, body=none) -> Rule:
    return Rule(CATALOG_WRITE.get, CATALOG_WRITE.post, kwargs, body=body)


def month_only(w, t):
    return {"month": w.computed}


RULES: dict[str, Rule | tuple[Rule, ...]] = {
    # --- outside the language prefix ---
    "healthz": Rule(row(*["200"] * 5), LIKE_GET),
    "livez": Rule(row(*["200"] * 5), LIKE_GET),
    # the installable app (core/pwa.py): public like the static files it lists; GET only
    "service_worker": Rule(row(*["200"] * 5), row(*["405"] * 5)),
    "manifest": Rule(row(*["200"] * 5), row(*["405"] * 5)),
    # Django's set_language: a redirect (to ``next``) for everyone, signed in or not.
    "set_language": Rule(
        row(*["302"] * 5),
        row(*["302"] * 5),
        body=lambda w, t: {"language": "en", "next": "/"},
    ),
    # --- accounts ---
    "accounts:home": SIGNED_IN,
    # 使用说明: every signed-in role reads every role's page (home/help.py)
    "accounts:help": SIGNED_IN,
    # LoginView(redirect_authenticated_user=True); a refused login re-renders with 200.
    "accounts:login": Rule(
        row("200", "302", "302", "302", "302"),
        row("200", "302", "302", "302", "302"),
    ),
    # Django 5+: logout is POST only.
    "accounts:logout": Rule(row(*["405"] * 5), row(*["logout"] * 5)),
    # the admin's front door: staff only (boss); everyone else to the admin's login
    "admin:index": Rule(
        row("admin-login", "admin-login", "admin-login", "admin-login", "200"),
        LIKE_GET,
    ),
    # --- customers (customers.selectors.customers_visible_to) ---
    "customers:list": SIGNED_IN,
    # the page's button POSTs; a big list then becomes an export job (a GET of a big list
    # only offers that button: tests/test_safe_gets.py), a small one downloads either way
    "customers:export": Rule(SIGNED_IN.get, row("login", "200", "200", "200", "200")),
    "customers:detail": visible(kwargs=customer_pk, cm="200|404", mm="200|404"),
    "customers:card": visible(kwargs=customer_pk),
    # only the owning customer manager edits (customer_can_edit): a visible customer is 403
    # to the others, an invisible one 404
    "customers:edit": Rule(
        get=row("login", "200|404", "403|404", "403", "403"),
        post=row("login", "write|404", "403|404", "403", "403"),
        kwargs=customer_pk,
        targets=OWN_OTHER,
    ),
    # --- brands: read pages for everyone, writes for brand managers and admins ---
    "brands:brand_list": SIGNED_IN,
    # downloads: GET only
    "brands:brand_export": Rule(SIGNED_IN.get, row("login", "405", "405", "405", "405")),
    "brands:brand_detail": Rule(
        SIGNED_IN.get, LIKE_GET, kwargs=lambda w, t: {"pk": w.sku.brand_id}
    ),
    "brands:categories": CATALOG_PAGE,
    "brands:category_create": catalog_write(body=lambda w, t: {"name": "新品类"}),
    "brands:category_rename": catalog_write(category, lambda w, t: {"name": "改名品类"}),
    "brands:category_move": catalog_write(category, lambda w, t: {"new_parent": "root"}),
    "brands:category_reorder": catalog_write(category, lambda w, t: {"direction": "up"}),
    "brands:category_delete": catalog_write(category),
    "brands:mapping": CATALOG_PAGE,
    "brands:mapping_assign": catalog_write(),
    "brands:mapping_unmap": catalog_write(),
    "brands:sku_list": CATALOG_PAGE,
    "brands:sku_export": Rule(SIGNED_IN.get, row("login", "405", "405", "405", "405")),
    "brands:sku_key_brand": catalog_write(),
    "brands:sku_edit": Rule(
        get=row("login", "403", "403", "200", "200"),
        post=row("login", "403", "403", "write", "write"),
        kwargs=sku,
    ),
    "brands:sku_reset_tar": catalog_write(sku),
    # --- imports: admins only ---
    "imports:upload": Rule(
        get=row("login", "403", "403", "403", "200"),
        post=row("login", "403", "403", "403", "write"),
    ),
    "imports:job": Rule(
        row("login", "403", "403", "403", "200"),
        LIKE_GET,
        kwargs=lambda w, t: {"pk": w.import_job.pk},
    ),
    "imports:template": Rule(
        get=row("login", "403", "403", "403", "200"),
        post=row("login", "403", "403", "403", "405"),
        kwargs=lambda w, t: {"kind": "customers"},
    ),
    # --- analysis (reports) ---
    "reports:home": Rule(row("login", "302", "302", "302", "302"), LIKE_GET),
    "reports:manager": visible(kwargs=lambda w, t: {"username": w.managers[t].username}),
    # the owner writes the problems; anyone else who sees them gets 403 before the input is
    # read (an empty body: 400 for the owner, 403 for the rest)
    "reports:problems": Rule(
        get=row("login", "405", "405", "405", "405"),
        post=row("login", "write|404", "403|404", "403", "403"),
        kwargs=lambda w, t: {"username": w.managers[t].username},
        targets=OWN_OTHER,
    ),
    # a team's analysis: its market manager, brand managers, admins; a customer manager
    # sees only their own territory, so even their own team's page is 404 (visible_team)
    "reports:team": Rule(
        row("login", "404", "200|404", "200", "200"),
        LIKE_GET,
        kwargs=lambda w, t: {"code": w.teams[t].code},
        targets=OWN_OTHER,
    ),
    "reports:brands": Rule(row("login", "403", "403", "200", "200"), LIKE_GET),
    # the annual brand evaluation (can_see_annual_brand_evaluation): company-wide, so brand
    # managers and admins; the page, its workbook and its PDF alike (GET only, writes nothing)
    "reports:annual": Rule(row("login", "403", "403", "200", "200"), LIKE_GET),
    "reports:annual_xlsx": Rule(row("login", "403", "403", "200", "200"), LIKE_GET),
    "reports:annual_pdf": Rule(row("login", "403", "403", "200", "200"), LIKE_GET),
    # market managers and admins start the monthly computation (can_recompute); the empty
    # body is refused by the form with a redirect back
    "reports:recompute": Rule(
        get=row("login", "405", "405", "405", "405"),
        post=row("login", "403", "write", "403", "write"),
    ),
    # computing a month's stored warnings: the same people (the empty body falls back to
    # the default month and redirects)
    "reports:compute_warnings": Rule(
        get=row("login", "405", "405", "405", "405"),
        post=row("login", "403", "write", "403", "write"),
    ),
    # 加入计划: only the owner (works_own_cycle, then access_manager: 404 on b1's page); the
    # empty body is refused with a redirect back
    "reports:add_to_plan": own_write(kwargs=lambda w, t: {"username": w.managers[t].username}),
    "reports:status": SIGNED_IN,
    # the warning rules' tuning pages: admins save, market managers read the preview of
    # their teams (can_tune_rules / can_preview_rules); the empty body is refused (400)
    "rules:index": Rule(row("login", "403", "200", "403", "200"), LIKE_GET),
    "rules:edit": Rule(
        get=row("login", "403", "200", "403", "200"),
        post=row("login", "403", "403", "403", "write"),
        kwargs=lambda w, t: {"code": "volume_drop"},
    ),
    # a scope the user may not export is 403 whether or not it exists (the view's comment:
    # "what does not exist and what may not be seen look the same")
    # (POST: the toolbar's buttons, as customers:export)
    "reports:export": Rule(
        row("login", "200|403", "200|403", "200", "200"),
        row("login", "200|403", "200|403", "200", "200"),
        query=lambda w, t: {
            "kind": "manager",
            "month": w.computed,
            "scope": f"manager:{w.managers[t].username}",
        },
        targets=OWN_OTHER,
    ),
    # --- customer satisfaction (surveys) ---
    # everyone with a role sees their scope's figures (own / team / company); a team's:
    # its market manager, brand managers and admins (a customer manager: 404, access_team)
    "surveys:overview": Rule(
        row("login", "404", "200|404", "200", "200"),
        LIKE_GET,
        query=lambda w, t: {"team": w.teams[t].code},
        targets=OWN_OTHER,
    ),
    "surveys:export": Rule(
        row("login", "404", "200|404", "200", "200"),
        LIKE_GET,
        query=lambda w, t: {"team": w.teams[t].code},
        targets=OWN_OTHER,
    ),
    # the phone callbacks: market managers (own team) and admins; the world has no survey
    # period, so an answer has nothing to go to (404) even for them
    "surveys:callbacks": Rule(row("login", "403", "200", "403", "200"), LIKE_GET),
    "surveys:callback_answer": Rule(
        get=row(*["405"] * 5),
        post=row("login", "403", "404", "403", "404"),
    ),
    # the customer's own questionnaire, outside login: a link that does not verify is 404
    # to everyone (tests/test_surveys.py answers through real links)
    "surveys:answer": Rule(
        row(*["404"] * 5), row(*["404"] * 5), kwargs=lambda w, t: {"token": "1-1.forged"}
    ),
    # --- the team board (G, issue 7): a market manager's team, any team for an admin ---
    "team:board": Rule(
        row("login", "403", "200|404", "403", "200"),
        LIKE_GET,
        query=lambda w, t: {"team": w.teams[t].code},
        targets=OWN_OTHER,
    ),
    "team:xlsx": Rule(
        row("login", "403", "200|404", "403", "200"),
        LIKE_GET,
        query=lambda w, t: {"team": w.teams[t].code},
        targets=OWN_OTHER,
    ),
    "team:pdf": Rule(
        row("login", "403", "200|404", "403", "200"),
        LIKE_GET,
        query=lambda w, t: {"team": w.teams[t].code},
        targets=OWN_OTHER,
    ),
    # --- the strategy library (issue 17): market managers and admins; another team's
    # scope in the query falls back to the company's rows ---
    "strategy:library": Rule(
        row("login", "403", "200", "403", "200"),
        LIKE_GET,
        query=lambda w, t: {"scope": f"team:{w.teams[t].code}"},
        targets=OWN_OTHER,
    ),
    # --- export jobs: the requester's only; anyone else's is 404, for admins too ---
    "exports:job": Rule(
        row("login", "200|404", "200|404", "200|404", "200|404"),
        LIKE_GET,
        role_kwargs=lambda w, t, role: {"pk": w.export_jobs[role if t == "own" else t].pk},
        targets=OWN_OTHER,
    ),
    "exports:download": Rule(
        row("login", "200|404", "200|404", "200|404", "200|404"),
        LIKE_GET,
        role_kwargs=lambda w, t, role: {"pk": w.export_jobs[role if t == "own" else t].pk},
        targets=OWN_OTHER,
    ),
    # --- plans ---
    "plans:home": Rule(row("login", "302", "302", "302", "302"), LIKE_GET),
    "plans:queue": Rule(row("login", "403", "200", "200", "200"), LIKE_GET),
    "plans:guidance": Rule(row("login", "403", "200", "403", "403"), LIKE_GET),
    "plans:guidance_xlsx": Rule(row("login", "403", "200", "403", "403"), LIKE_GET),
    "plans:detail": visible(),
    "plans:plan_pdf": visible(),
    # the plan's actions as a file: whoever sees the plan downloads it; GET only, no write
    "plans:actions_xlsx": visible(post=row("login", "405", "405", "405", "405")),
    "plans:evaluation_pdf": visible(),
    "plans:goals": own_write(),
    "plans:generate": own_write(),
    "plans:add_action": own_write(
        body=lambda w, t: {"customer": w.customers[w.item(t)].pk, "text": "陈列检查"}
    ),
    "plans:edit_action": own_write(
        kwargs=plan_with(pk=lambda w, t: w.actions[w.item(t)].pk), targets=WITH_MIXED
    ),
    "plans:remove_action": own_write(
        kwargs=plan_with(pk=lambda w, t: w.actions[w.item(t)].pk),
        targets=WITH_MIXED,
        body=lambda w, t: {"reason": "重复"},
    ),
    # submit: the owner only; approve: the owner's market manager only (the plan is a draft,
    # so the allowed approve is refused by its state: 409)
    "plans:transition": (
        Rule(
            get=row("login", "405", "405", "403", "403"),
            post=row("login", "write|404", "403|404", "403", "403"),
            kwargs=plan_with(name=lambda w, t: "submit"),
            targets=OWN_OTHER,
            variant="submit",
        ),
        Rule(
            get=row("login", "405", "405", "403", "403"),
            post=row("login", "403|404", "write409|404", "403", "403"),
            kwargs=plan_with(name=lambda w, t: "approve"),
            targets=OWN_OTHER,
            variant="approve",
        ),
    ),
    # everyone who sees the plan sees the grid; only the owner saves it (plan_lock: 403)
    "plans:forecasts": visible(
        post=row("login", "write|404", "403|404", "403", "403"),
        body=lambda w, t: {f"q{w.customers[w.item(t)].pk}": "12"},
    ),
    "plans:forecast_import": own_write(),
    # the grid as a file: whoever sees the grid downloads it; GET only, it writes nothing
    "plans:forecasts_xlsx": visible(post=row("login", "405", "405", "405", "405")),
    # another manager's customer in one's own grid is refused as input (400, the message
    # names no customer: "只能填写您名下有效客户的预测")
    "plans:forecast_cell": own_write(
        kwargs=plan_with(customer_id=lambda w, t: w.customers[w.item(t)].pk),
        targets=WITH_MIXED,
        cm="write|404|400",
        body=lambda w, t: {"quantity": "12"},
    ),
    "plans:schedule": visible(),
    # the day editor: everyone who sees the plan reads it; only the owner saves (plan_lock)
    "plans:schedule_day": visible(
        kwargs=plan_with(date=lambda w, t: w.first_day),
        post=row("login", "write|404", "403|404", "403", "403"),
        body=lambda w, t: {"customers": w.customers[w.item(t)].pk},
    ),
    "plans:tasks": visible(),
    "plans:tasks_xlsx": visible(),
    "plans:week_summary": own_write(
        kwargs=plan_with(date=lambda w, t: w.monday), body=lambda w, t: {"text": "本周小结"}
    ),
    "plans:evaluation": visible(),
    "plans:evaluation_summary": own_write(body=lambda w, t: {"summary": "本月总结"}),
    # as for the plan (submitting without a monthly summary is refused: 400)
    "plans:evaluation_transition": (
        Rule(
            get=row("login", "405", "405", "403", "403"),
            post=row("login", "write|404", "403|404", "403", "403"),
            kwargs=plan_with(name=lambda w, t: "submit"),
            targets=OWN_OTHER,
            variant="submit",
        ),
        Rule(
            get=row("login", "405", "405", "403", "403"),
            post=row("login", "403|404", "write409|404", "403", "403"),
            kwargs=plan_with(name=lambda w, t: "approve"),
            targets=OWN_OTHER,
            variant="approve",
        ),
    ),
    # GET without htmx goes to the evaluation page's section; POST adds an item (owner only)
    "plans:improvements": visible(
        cm="302|404",
        mm="302|404",
        others="302",
        post=row("login", "write|404", "403|404", "403", "403"),
    ),
    "plans:improvement_done": own_write(
        kwargs=plan_with(pk=lambda w, t: w.improvements[w.item(t)].pk),
        targets=WITH_MIXED,
        body=lambda w, t: {"done": "1"},
    ),
    "plans:improvement_edit": own_write(
        kwargs=plan_with(pk=lambda w, t: w.improvements[w.item(t)].pk), targets=WITH_MIXED
    ),
    # the team's market manager reviews (role_required(MM); another team's item is 404)
    "plans:improvement_review": Rule(
        get=row("login", "403", "405", "403", "403"),
        post=row("login", "403", "write|404|404", "403", "403"),
        kwargs=plan_with(pk=lambda w, t: w.improvements[w.item(t)].pk),
        body=lambda w, t: {"decision": "accept"},
        targets=WITH_MIXED,
    ),
    # --- the interaction feed ---
    "feed:index": Rule(row("login", "302", "200", "200", "200"), LIKE_GET),
    "feed:detail": visible(kwargs=lambda w, t: {"username": w.managers[t].username}),
    "feed:guidance": Rule(
        get=row("login", "403", "405", "403", "403"),
        post=row("login", "403", "write|404", "403", "403"),
        kwargs=lambda w, t: {"username": w.managers[t].username},
        body=lambda w, t: {"text": "注意预测偏差"},
        targets=OWN_OTHER,
    ),
    "feed:arrangement": Rule(
        get=row("login", "403", "405", "403", "403"),
        post=row("login", "403", "write|404", "403", "403"),
        kwargs=lambda w, t: {"username": w.managers[t].username},
        body=lambda w, t: {"text": "走访新店", "target": "month_plan", "month": w.month},
        targets=OWN_OTHER,
    ),
    "feed:feedback": own_write(
        kwargs=lambda w, t: {
            "username": w.managers[w.scope(t)].username,
            "pk": w.arrangements[w.item(t)].pk,
        },
        targets=WITH_MIXED,
        body=lambda w, t: {"text": "已完成"},
    ),
    # --- brand tasks: brand managers send; admins read ---
    "brand_tasks:list": Rule(
        get=row("login", "403", "403", "200", "200"),
        post=row("login", "403", "403", "write", "403"),
    ),
    "brand_tasks:count": Rule(row("login", "403", "403", "200", "200"), LIKE_GET),
    # --- visits ---
    "visits:today": SIGNED_IN,
    # a market manager's team, any team for an admin; a manager one may not see is 404
    "visits:audit": Rule(
        row("login", "403", "200|404", "403", "200"),
        LIKE_GET,
        query=lambda w, t: {"manager": w.managers[t].username},
        targets=OWN_OTHER,
    ),
    "visits:audit_xlsx": Rule(  # (POST: the page's button, as customers:export)
        row("login", "403", "200|404", "403", "200"),
        row("login", "403", "200|404", "403", "200"),
        query=lambda w, t: {"manager": w.managers[t].username},
        targets=OWN_OTHER,
    ),
    "visits:day": Rule(
        row("login", "200", "403", "403", "403"),
        LIKE_GET,
        kwargs=lambda w, t: {"date": w.today},
    ),
    # only the customer's own manager records; to anyone else the log does not exist
    "visits:log": Rule(
        get=row("login", "200|404", "404", "404", "404"),
        post=row("login", "write|404", "404", "404", "404"),
        kwargs=lambda w, t: {"date": w.today, "customer_id": w.customers[t].pk},
        targets=OWN_OTHER,
    ),
    "visits:log_field": Rule(
        get=row("login", "405", "405", "405", "405"),
        post=row("login", "write|404", "404", "404", "404"),
        kwargs=lambda w, t: {
            "date": w.today,
            "customer_id": w.customers[t].pk,
            "name": "feeling",
        },
        body=lambda w, t: {"feeling": "店主很配合"},
        targets=OWN_OTHER,
    ),
    # shelf photos: the owner adds to their own customer's visit (anyone else: 404, as the
    # log); the files are served to whoever may see the visit's work (404 otherwise), and
    # only the owner deletes (a market manager, brand manager or admin who sees it: 403)
    "visits:photo_add": Rule(
        get=row("login", "405", "405", "405", "405"),
        post=row("login", "write|404", "404", "404", "404"),
        kwargs=lambda w, t: {"date": w.today, "customer_id": w.customers[t].pk},
        targets=OWN_OTHER,
    ),
    "visits:photo": visible(kwargs=lambda w, t: {"pk": w.photos[t].pk}),
    "visits:photo_thumb": visible(kwargs=lambda w, t: {"pk": w.photos[t].pk}),
    "visits:photo_delete": Rule(
        get=row("login", "405", "405", "405", "405"),
        post=row("login", "write|404", "403|404", "403", "403"),
        kwargs=lambda w, t: {"pk": w.photos[t].pk},
        targets=OWN_OTHER,
    ),
    # one's own day is the editable page (a redirect there); a member's day read-only
    "visits:member_day": visible(
        cm="302|404",
        kwargs=lambda w, t: {"username": w.managers[t].username, "date": w.today},
    ),
    "visits:sheet": visible(
        kwargs=lambda w, t: {"date": w.today},
        query=lambda w, t: {"manager": w.managers[t].username},
    ),
    "visits:week_sheet": visible(
        kwargs=lambda w, t: {"date": w.today},
        query=lambda w, t: {"manager": w.managers[t].username},
    ),
}


# --- the URLs ----------------------------------------------------------------------------


def url_names() -> tuple[set[str], list[str]]:
    """Every URL name of the resolver (namespaced), and the routes that have no name."""
    names, unnamed = set(), []

    def walk(patterns, namespace: str, route: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                if inner:
                    inner = f"{namespace}:{inner}" if namespace else inner
                walk(pattern.url_patterns, inner or namespace, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if namespace.split(":")[0] in SKIPPED_NAMESPACES:
                    if pattern.name == "index":
                        names.add(f"{namespace}:index")
                    continue
                if pattern.name is None:
                    unnamed.append(route + str(pattern.pattern))
                else:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", "")
    return names, unnamed


def test_every_url_has_a_rule():
    names, unnamed = url_names()
    assert not unnamed, f"routes without a name cannot be given a rule: {unnamed}"
    missing = sorted(names - set(RULES))
    assert not missing, f"URLs without a rule in RULES (add one): {missing}"
    stale = sorted(set(RULES) - names)
    assert not stale, f"rules for URLs that no longer exist: {stale}"


# --- the cases ---------------------------------------------------------------------------


def _rules(name: str) -> tuple[Rule, ...]:
    rules = RULES[name]
    return rules if isinstance(rules, tuple) else (rules,)


def access_cases(methods=("GET", "POST")):
    """One pytest param per URL × target × role × method: (name, rule, target, role,
    method, token). tests/test_safe_gets.py asks the GET cases whether they write."""
    for name in sorted(RULES):
        for rule in _rules(name):
            label = f"{name}[{rule.variant}]" if rule.variant else name
            for t_index, target in enumerate(rule.targets):
                for r_index, role in enumerate(ROLES):
                    for method in methods:
                        tokens = rule.get if method == "GET" or rule.post == LIKE_GET else rule.post
                        token = _pick(tokens[r_index], t_index, len(rule.targets))
                        yield pytest.param(
                            name,
                            rule,
                            target,
                            role,
                            method,
                            token,
                            id=f"{label}-{target}-{role}-{method}",
                        )


def _pick(token: str, index: int, count: int) -> str:
    parts = token.split("|")
    if len(parts) == 1:
        return token
    assert len(parts) == count, f"{token!r} has {len(parts)} parts for {count} targets"
    return parts[index]


ALLOWED_WRITE = {200, 302, 400}


def answer_problem(response, token: str) -> str | None:
    """What is wrong with ``response`` for ``token``, or None."""
    status, location = response.status_code, response.get("Location", "")
    if token == "login":
        ok = status == 302 and location.startswith("/login/?next=")
    elif token == "admin-login":
        ok = status == 302 and location.startswith("/admin/login/?next=")
    elif token == "logout":
        ok = status == 302 and location == "/login/"
    elif token == "302":
        ok = status == 302 and "/login/" not in location
    elif token == "write":
        ok = status in ALLOWED_WRITE and "/login/" not in location
    elif token == "write409":
        ok = status in ALLOWED_WRITE | {409} and "/login/" not in location
    else:
        ok = status == int(token)
    if ok:
        return None
    return f"expected {token}, got {status}" + (f" → {location}" if location else "")


def case_url(world: World, name: str, rule: Rule, target: str, role: str) -> str:
    if rule.role_kwargs is not None:
        kwargs = rule.role_kwargs(world, target, role)
    else:
        kwargs = rule.kwargs(world, target)
    url = reverse(name, kwargs=kwargs or None)
    query = rule.query(world, target)
    return f"{url}?{urlencode(query)}" if query else url


def sign_in(client, world: World, role: str) -> None:
    """The session made once for the module (cheaper than force_login)."""
    if role != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]


def ask(client, world: World, name: str, rule: Rule, target: str, role: str, method: str):
    url = case_url(world, name, rule, target, role)
    sign_in(client, world, role)
    if method == "GET":
        return url, client.get(url)
    return url, client.post(url, rule.body(world, target))


@pytest.mark.parametrize(
    ("name", "rule", "target", "role", "method", "token"), list(access_cases())
)
def test_access(world, client, name, rule, target, role, method, token):
    url, response = ask(client, world, name, rule, target, role, method)
    problem = answer_problem(response, token)
    assert problem is None, f"{method} {url} as {role}: {problem}"


def test_each_case_started_from_the_world_as_built(world):
    """Runs after the cases (file order): the writes they made were rolled back, so no case
    saw another's — a plan submitted, a category deleted, an item reviewed."""
    a1 = world.managers["own"]
    assert Cycle.objects.get(manager=a1, month=f"{world.month}-01").plan_status == "draft"
    assert Category.objects.filter(pk=world.category.pk, name=world.category.name).exists()
    assert MarketingAction.objects.count() == 2
    assert FeedEntry.objects.count() == 2
    assert set(Improvement.objects.values_list("review_status", flat=True)) == {"pending"}
