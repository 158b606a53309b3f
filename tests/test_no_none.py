"""Empty values show "—", never "None" (issue #12, point 7): every page every signed-in role
may open, and every PDF, in Chinese and in English, for a world where the nullable fields
are empty — plans without goals, a customer without tier, phone, trade area or coordinates,
no forecasts, indicators with empty rates (zero denominators), a month computed and one not,
an evaluation without figures, a visit checked in but not out, a SKU without prices.

The URLs, their arguments and who gets a page (a 200 to GET) come from the access matrix
(tests/test_access_matrix.py): a page added there is checked here too. HTML bodies are
searched for the word ``None``; PDFs are turned into text with ``pdftotext`` first. The
Django admin's index is in the matrix and is checked like the rest (its English
wording "None available" apart); the admin's other pages are Django's own.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from brands.models import Sku
from core.months import add_months
from core.templatetags.figures import number
from customers.models import CustomerChange
from cycle.models import PlannedVisit, Visit
from cycle.services import guidance_post
from reports.models import ManagerIndicator
from reports.services import indicators_compute
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    CycleFactory,
    MarketingActionFactory,
    OrderLineFactory,
    TeamFactory,
)
from tests.test_access_matrix import ROLES, RULES, Rule, World, _build_world, _pick, _rules

pytestmark = pytest.mark.django_db

NONE_WORD = re.compile(r"\bNone\b")
# The English Django admin index says "None available" of an empty recent-actions list: its
# own wording, not an empty value.
ADMIN_WORDING = "None available"


def _empty_world() -> World:
    """The access matrix's world, with its nullable fields left empty and its months
    computed where empty rates come from (a month's indicators over no forecasts, no
    stock, no prices)."""
    w = _build_world()
    own = w.customers["own"]
    own.tier = None
    own.latitude = own.longitude = None
    own.business_format = own.market_type = own.trade_area = own.visit_frequency = ""
    own.contact = own.phone = own.address = own.license_no = ""
    own.save()
    CustomerChange.objects.create(customer=own, field="tier", changed_by=None)
    sku = w.sku
    sku.price_class = sku.wholesale_price = sku.retail_price = sku.tar_mg = None
    sku.tar_mg_imported = None
    sku.is_key_brand = True
    sku.save()
    previous = add_months(dt.date.fromisoformat(w.first_day), -1)
    OrderLineFactory(customer=own, sku=sku, order_date=previous + dt.timedelta(days=3))
    # a team without a market manager, its manager with a customer and no cycle
    lone = CustomerManagerFactory(username="c1", team=TeamFactory(code="TC", market_manager=None))
    CustomerFactory(manager=lone, code="C-c1", tier=None, trade_area="")
    # a1's last month (computed, rates empty) besides this month (not computed): both plans
    # without goals, both evaluations with figures missing
    last_cycle = CycleFactory(manager=w.managers["own"], month=previous)
    MarketingActionFactory(cycle=last_cycle, customer=own)
    indicators_compute(month=previous)
    today = timezone.localdate()
    cycle = w.actions["own"].cycle
    PlannedVisit.objects.create(cycle=cycle, customer=own, date=today)
    # checked in, not out (the world's shelf photo may have opened today's visit already)
    Visit.objects.update_or_create(
        cycle=cycle,
        customer=own,
        date=today,
        defaults={"checked_in_at": timezone.now(), "checked_out_at": None},
    )
    guidance_post(manager=w.managers["own"], by=w.users["mm"], text="注意预测偏差")
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with media, django_db_blocker.unblock(), transaction.atomic():
        yield _empty_world()
        transaction.set_rollback(True)


def _last_month_pages(w: World) -> list[tuple[str, dict]]:
    """The plan pages of a1's computed month, which the matrix does not name."""
    month = add_months(dt.date.fromisoformat(w.first_day), -1)
    kwargs = {"username": w.managers["own"].username, "month": f"{month:%Y-%m}"}
    return [
        (name, kwargs)
        for name in ("plans:detail", "plans:forecasts", "plans:evaluation", "plans:plan_pdf")
        + ("plans:evaluation_pdf", "plans:schedule", "plans:tasks")
    ]


# The URLs that answer a printed document (found by their ``application/pdf`` response; the
# test fails on a PDF answered by a URL not listed). A document reads the same whoever opens
# it, and WeasyPrint is slow: each is printed for the first role that may open it.
DOCUMENTS = {
    "customers:card",
    "plans:plan_pdf",
    "plans:evaluation_pdf",
    "team:pdf",
    "visits:sheet",
    "visits:week_sheet",
    "reports:annual_pdf",
}


def _pages():
    """(name, rule, target, role) for every GET that answers a page (200) in the matrix."""
    for name in sorted(RULES):
        for rule in _rules(name):
            label = f"{name}[{rule.variant}]" if rule.variant else name
            for t_index, target in enumerate(rule.targets):
                roles = [
                    role
                    for r_index, role in enumerate(ROLES)
                    if role != "anon"
                    and _pick(rule.get[r_index], t_index, len(rule.targets)) == "200"
                ]
                for role in roles[:1] if name in DOCUMENTS else roles:
                    yield pytest.param(name, rule, target, role, id=f"{label}-{target}-{role}")


def _url(w: World, name: str, rule: Rule, target: str, role: str) -> str:
    kwargs = rule.role_kwargs(w, target, role) if rule.role_kwargs else rule.kwargs(w, target)
    url = reverse(name, kwargs=kwargs or None)
    query = rule.query(w, target)
    return f"{url}?{urlencode(query)}" if query else url


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True
        )
        return done.stdout.decode()
    if kind.startswith(("text/", "application/json")):
        return body.decode()
    return ""  # spreadsheets: an empty cell is empty, not a word


def _nones(text: str, url: str) -> list[str]:
    if "/admin/" in url:
        text = text.replace(ADMIN_WORDING, "")
    return [
        " ".join(text[max(m.start() - 60, 0) : m.end() + 30].split())
        for m in NONE_WORD.finditer(text)
    ]


def _get(client, w: World, role: str, url: str):
    client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[role]
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} as {role}: {response.status_code}"
    return response


@pytest.fixture(autouse=True, scope="module")
def _pdftotext():
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDFs")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("name", "rule", "target", "role"), list(_pages()))
def test_page_prints_no_none(world, client, name, rule, target, role, language):
    with translation.override(language):
        url = _url(world, name, rule, target, role)
    response = _get(client, world, role, url)
    is_pdf = response.get("Content-Type", "").startswith("application/pdf")
    assert is_pdf == (name in DOCUMENTS), f"{name}: add it to or remove it from DOCUMENTS"
    found = _nones(_text(response), url)
    assert not found, f"GET {url} as {role} prints None: {found}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", ["cm", "mm"])
def test_computed_month_prints_no_none(world, client, role, language):
    """a1's previous month: indicators computed, every rate empty, no goals."""
    found = {}
    for name, kwargs in _last_month_pages(world):
        with translation.override(language):
            url = reverse(name, kwargs=kwargs)
        nones = _nones(_text(_get(client, world, role, url)), url)
        if nones:
            found[url] = nones
    assert not found, f"as {role}, pages print None: {found}"


def test_the_world_has_empty_values(world):
    """The check above means something only if the values it is about are empty."""
    own = world.customers["own"]
    own.refresh_from_db()
    assert own.tier is None and own.latitude is None and own.phone == ""
    cycle = world.actions["own"].cycle
    assert cycle.goal_volume is None and cycle.goal_visits is None
    assert Sku.objects.filter(pk=world.sku.pk, retail_price__isnull=True, tar_mg=None).exists()
    last = ManagerIndicator.objects.get(manager=world.managers["own"], month__lt=cycle.month)
    assert last.forecast_accuracy is None and last.volume_growth_mom is None


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (None, None, "—"),
        ("", None, "—"),
        (0, None, "0"),  # a goal of 0 is a goal, not an empty value
        (12345, None, "12,345"),
        (Decimal("1234.5"), 2, "1,234.50"),
        (None, 2, "—"),
        (Decimal("0.00"), 2, "0.00"),
    ],
)
def test_number_filter(value, decimals, shown):
    assert number(value, decimals) == shown
