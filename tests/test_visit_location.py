"""Check-in location (签到位置, issue #18 point 3): optional per company
(settings.VISIT_LOCATION_ENABLED); the browser's position and accuracy stored on the visit at
check-in; the visit audit lists check-ins more than 500 m from the customer's coordinates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.geo import haversine_m
from core.months import month_start
from cycle.models import Visit
from cycle.selectors.visit_audit import visit_audit
from tests.factories import CustomerFactory, CycleFactory, VisitFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
HOME = (Decimal("36.061000"), Decimal("103.834000"))  # the customer's shop
DEGREE_M = haversine_m(0, 0, 1, 0)  # a degree of latitude, metres


def north(metres: float) -> Decimal:
    """The latitude ``metres`` north of HOME, to the 6 decimals stored."""
    return (HOME[0] + Decimal(metres / DEGREE_M)).quantize(Decimal("0.000001"))


def test_the_haversine_reference():
    assert round(DEGREE_M) == 111_195  # 2πR / 360 with the mean earth radius
    assert haversine_m(36.0, 103.8, 36.0, 103.8) == 0
    # a degree of longitude at 60° north is half a degree of latitude
    assert haversine_m(60, 10, 60, 11) == pytest.approx(DEGREE_M / 2, rel=0.002)
    assert haversine_m(0, 0, 0, 180) == pytest.approx(DEGREE_M * 180, rel=1e-9)


# --- at check-in --------------------------------------------------------------------------


@pytest.fixture
def checkin(client, two_teams):
    a1 = two_teams["cm"]["a1"]
    today = timezone.localdate()
    CycleFactory(manager=a1, month=month_start(today))
    customer = two_teams["customers"]["a1"]
    client.force_login(a1)
    url = f"/visits/{today.isoformat()}/{customer.pk}/"
    return {"client": client, "url": url, "field": url + "save/checkin/"}


POSITION = {"latitude": "36.065123", "longitude": "103.834567", "accuracy_m": "23.6"}


def test_the_position_is_stored_with_the_check_in_when_the_company_records_it(checkin, settings):
    settings.VISIT_LOCATION_ENABLED = True
    response = checkin["client"].post(checkin["field"], POSITION, **HTMX)
    assert response.status_code == 200
    visit = Visit.objects.get()
    assert visit.checked_in_at is not None
    assert (visit.checkin_latitude, visit.checkin_longitude) == (
        Decimal("36.065123"),
        Decimal("103.834567"),
    )
    assert visit.checkin_accuracy_m == 24
    # checking in again keeps the first time and place
    checkin["client"].post(checkin["field"], {"latitude": "1", "longitude": "2"}, **HTMX)
    assert Visit.objects.get().checkin_latitude == Decimal("36.065123")


def test_the_page_loads_the_location_script_only_when_the_company_records_it(checkin, settings):
    assert "visit_location.js" not in checkin["client"].get(checkin["url"]).content.decode()
    settings.VISIT_LOCATION_ENABLED = True
    assert "visit_location.js" in checkin["client"].get(checkin["url"]).content.decode()


def test_no_position_is_stored_when_the_company_does_not_record_it(checkin, settings):
    settings.VISIT_LOCATION_ENABLED = False
    checkin["client"].post(checkin["field"], POSITION, **HTMX)
    visit = Visit.objects.get()
    assert visit.checked_in_at is not None and visit.checkin_latitude is None


def test_a_check_in_without_a_position_still_checks_in(checkin, settings):
    """Refused or timed-out geolocation: the browser sends no position."""
    settings.VISIT_LOCATION_ENABLED = True
    checkin["client"].post(checkin["field"], {}, **HTMX)
    visit = Visit.objects.get()
    assert visit.checked_in_at is not None and visit.checkin_latitude is None


def test_the_plain_form_check_in_carries_the_position_too(checkin, settings):
    settings.VISIT_LOCATION_ENABLED = True
    response = checkin["client"].post(checkin["url"], {"op": "checkin", **POSITION})
    assert response.status_code == 302
    assert Visit.objects.get().checkin_longitude == Decimal("103.834567")


@pytest.mark.parametrize(
    "position",
    [
        {"latitude": "91", "longitude": "103"},
        {"latitude": "36", "longitude": "-181"},
        {"latitude": "north", "longitude": "103"},
        {"latitude": "36", "longitude": ""},
        {"latitude": "NaN", "longitude": "Infinity"},
    ],
)
def test_a_position_that_is_none_is_refused_beside_the_buttons(checkin, settings, position):
    settings.VISIT_LOCATION_ENABLED = True
    response = checkin["client"].post(checkin["field"], position, **HTMX)
    assert response.status_code == 200 and "签到位置无效" in response.content.decode()
    assert not Visit.objects.filter(checked_in_at__isnull=False).exists()


# --- the audit's distance rule ------------------------------------------------------------


@pytest.fixture
def far_month(two_teams, settings):
    settings.VISIT_LOCATION_ENABLED = True
    a1 = two_teams["cm"]["a1"]
    today = timezone.localdate()
    cycle = CycleFactory(manager=a1, month=month_start(today))
    at = timezone.now().replace(microsecond=0)

    def visit(code: str, *, position: tuple | None, home: tuple | None = HOME, accuracy=15):
        customer = CustomerFactory(
            manager=a1,
            code=code,
            latitude=home[0] if home else None,
            longitude=home[1] if home else None,
        )
        return VisitFactory(
            cycle=cycle,
            customer=customer,
            date=today,
            checked_in_at=at,
            checked_out_at=at + dt.timedelta(minutes=5),
            checkin_latitude=position[0] if position else None,
            checkin_longitude=position[1] if position else None,
            checkin_accuracy_m=accuracy if position else None,
        )

    visits = {
        "far": visit("FAR", position=(north(510), HOME[1]), accuracy=30),
        "farther": visit("FARTHER", position=(north(2400), HOME[1])),
        "near": visit("NEAR", position=(north(490), HOME[1])),
        "here": visit("HERE", position=HOME),
        "no_position": visit("NOPOS", position=None),
        "no_home": visit("NOHOME", position=(north(5000), HOME[1]), home=None),
    }
    return {**two_teams, "visits": visits, "month": month_start(today)}


def test_check_ins_over_500_m_from_the_customer_are_listed_farthest_first(far_month):
    audit = visit_audit(user=far_month["mm_a"], month=far_month["month"])
    listed = list(audit.far_checkins())
    assert [v.customer.code for v in listed] == ["FARTHER", "FAR"]
    far = listed[1]
    assert far.distance_m == pytest.approx(510, abs=0.5)
    reference = haversine_m(
        float(far.checkin_latitude or north(510)), float(HOME[1]), float(HOME[0]), float(HOME[1])
    )
    assert far.distance_m == pytest.approx(reference, abs=0.01)


def test_the_audit_page_lists_them_with_the_distance_and_accuracy(far_month, client):
    client.force_login(far_month["mm_a"])
    html = client.get("/visits/audit/").content.decode()
    assert "离客户超过 500 米的签到" in html
    assert "相距 510 米" in html and "精度 ±30 米" in html and "相距 2400 米" in html
    for code in ("NEAR", "HERE", "NOPOS", "NOHOME"):
        assert f">{code}<" not in html, code
    # another team's market manager sees none of it
    client.force_login(far_month["mm_b"])
    assert "FARTHER" not in client.get("/visits/audit/").content.decode()


def test_the_section_is_absent_when_the_company_does_not_record_positions(
    far_month, client, settings
):
    settings.VISIT_LOCATION_ENABLED = False
    client.force_login(far_month["mm_a"])
    html = client.get("/visits/audit/").content.decode()
    assert "离客户超过" not in html and "FARTHER" not in html


def test_the_far_section_pages_with_htmx(far_month, client):
    client.force_login(far_month["mm_a"])
    response = client.get("/visits/audit/?part=far&fp=1", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="far"' in html and "<html" not in html
    assert "相距 510 米" in html
