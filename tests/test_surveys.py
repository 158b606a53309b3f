"""Customer satisfaction (issue #16 point 1): the import, the customer's QR link, the phone
callbacks, the figures (pages and export) and the "dissatisfied customer" rule."""

import datetime as dt
import io
import re
import subprocess

import openpyxl
import pytest
import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.months import add_months
from imports.services import import_file
from surveys.links import LinkRefused, customer_links, link_for, link_open, qr_svg, token_for
from surveys.models import Channel, Response, Score
from surveys.selectors import callback_sample_ids, summary
from surveys.services import AlreadyAnswered, response_record
from tests.factories import CustomerFactory, CustomerManagerFactory, answer_make, survey_make

pytestmark = pytest.mark.django_db

ALL5 = {"supply": 5, "brands_prices": 5, "service": 5, "delivery": 5, "ordering": 5, "overall": 5}


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@pytest.fixture
def current(db):
    """The survey period open today."""
    return survey_make(quarter_start(timezone.localdate()))


@pytest.fixture
def past(db):
    return survey_make(add_months(quarter_start(timezone.localdate()), -3))


# --- the import ----------------------------------------------------------------------------

GOOD = """调查日期,客户编码,维度,评分
{d},C-a1,总体满意,5
{d},C-a1,supply,3
{d},C-a2,客户经理服务,4
"""


def _rows(text: str, day: dt.date) -> bytes:
    return text.format(d=f"{day:%Y-%m-%d}").encode()


def test_satisfaction_import_writes_answers_with_their_channel_and_again_changes_nothing(
    two_teams, current
):
    day = current.start + dt.timedelta(days=10)
    result = import_file(kind="satisfaction", content=_rows(GOOD, day), filename="s.csv")
    assert result.ok and result.counts.created == 3
    answers = Response.objects.filter(survey=current)
    assert sorted(answers.values_list("customer__code", "channel")) == [
        ("C-a1", Channel.IMPORT),
        ("C-a2", Channel.IMPORT),
    ]
    assert Score.objects.get(response__customer__code="C-a1", dimension__code="supply").score == 3
    again = import_file(kind="satisfaction", content=_rows(GOOD, day), filename="s.csv")
    assert again.ok and (again.counts.created, again.counts.unchanged) == (0, 3)


def test_a_satisfaction_import_with_one_bad_row_changes_nothing(two_teams, current):
    day = current.start + dt.timedelta(days=10)
    bad = GOOD + "{d},C-a2,总体满意,6\n"
    result = import_file(kind="satisfaction", content=_rows(bad, day), filename="s.csv")
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(5, "score")]
    assert "不能大于 5" in result.errors[0].message
    assert not Response.objects.exists() and not Score.objects.exists()


def test_the_import_names_unknown_customers_dimensions_periods_and_repeats(two_teams, current):
    day = current.start + dt.timedelta(days=10)
    text = (
        "survey_date,customer_code,dimension,score\n"
        f"{day},NOPE,overall,4\n"
        f"{day},C-a1,服务态度,4\n"
        "1999-01-05,C-a1,overall,4\n"
        f"{day},C-b1,overall,4\n"
        f"{day},C-b1,总体满意,5\n"
    )
    result = import_file(kind="satisfaction", content=text.encode(), filename="s.csv")
    messages = {e.row: e.message for e in result.errors}
    assert "未知的客户编码" in messages[2]
    assert "未知的维度" in messages[3]
    assert "调查期" in messages[4]
    assert "与第 5 行重复" in messages[6]  # overall by code and by name is one key
    assert not Response.objects.exists()


def test_the_import_refuses_a_customer_who_answered_through_another_channel(two_teams, current):
    answer_make(current, two_teams["customers"]["a1"], ALL5, channel=Channel.QR)
    day = current.start + dt.timedelta(days=10)
    result = import_file(kind="satisfaction", content=_rows(GOOD, day), filename="s.csv")
    assert not result.ok and {e.row for e in result.errors} == {2, 3}
    assert Response.objects.count() == 1


# --- the customer's QR link ----------------------------------------------------------------


def _post_answer(client, url, scores=ALL5):
    return client.post(url, {f"d_{code}": value for code, value in scores.items()})


def test_a_qr_link_answers_once_without_login_and_refuses_a_second_answer(two_teams, current):
    customer = two_teams["customers"]["a1"]
    url = reverse("surveys:answer", args=[token_for(survey=current, customer=customer)])
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="viewport" content="width=device-width' in html  # a phone page
    assert customer.name in html and "总体满意" in html and "csrfmiddlewaretoken" in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    scores = ALL5 | {"delivery": 2}
    data = {f"d_{code}": value for code, value in scores.items()} | {"csrfmiddlewaretoken": csrf}
    done = client.post(url, data)
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    response = Response.objects.get(survey=current, customer=customer)
    assert response.channel == Channel.QR and response.entered_by is None
    assert response.manager == customer.manager
    assert response.scores.get(dimension__code="delivery").score == 2
    # a second answer is refused, the first stays
    again = client.post(url, data | {"d_delivery": 5})
    assert "已经评价过" in again.content.decode()
    assert Response.objects.count() == 1
    assert response.scores.get(dimension__code="delivery").score == 2
    with pytest.raises(AlreadyAnswered):
        response_record(survey=current, customer=customer, channel=Channel.QR, scores=ALL5)


def test_a_post_without_the_csrf_token_is_refused(two_teams, current):
    customer = two_teams["customers"]["a1"]
    url = reverse("surveys:answer", args=[token_for(survey=current, customer=customer)])
    assert _post_answer(Client(enforce_csrf_checks=True), url).status_code == 403
    assert not Response.objects.exists()


def test_an_incomplete_answer_says_what_is_missing_and_writes_nothing(client, two_teams, current):
    url = reverse(
        "surveys:answer", args=[token_for(survey=current, customer=two_teams["customers"]["a1"])]
    )
    page = _post_answer(client, url, {"overall": 5})
    assert page.status_code == 400 and "请为“配送”打分" in page.content.decode()
    assert not Response.objects.exists()


def test_expired_forged_and_foreign_tokens_are_refused(client, two_teams, current, past):
    customer = two_teams["customers"]["a1"]
    expired = token_for(survey=past, customer=customer)
    good = token_for(survey=current, customer=customer)
    other = token_for(survey=current, customer=two_teams["customers"]["b1"])
    forged = f"{current.pk}-{two_teams['customers']['b1'].pk}.{good.rsplit('.', 1)[1]}"
    cases = {
        expired: "已经结束",
        forged: "链接无效",
        good[:-2] + "xx": "链接无效",
        "1-1": "链接无效",
        "garbage": "链接无效",
    }
    for token, message in cases.items():
        page = client.get(reverse("surveys:answer", args=[token]))
        assert page.status_code == 404, token
        assert message in page.content.decode(), token
        assert _post_answer(client, reverse("surveys:answer", args=[token])).status_code == 404
    assert not Response.objects.exists()
    # a token names its own customer only: another's works for that other customer
    assert link_open(other).customer == two_teams["customers"]["b1"]
    with pytest.raises(LinkRefused):
        link_open(good, today=current.end + dt.timedelta(days=1))
    with pytest.raises(LinkRefused):
        link_open(good, today=current.start - dt.timedelta(days=1))


@override_settings(SURVEY_LINK_MAX_FAILURES=3)
def test_repeated_wrong_links_from_one_address_are_throttled(client, two_teams, current):
    for n in range(3):
        assert client.get(reverse("surveys:answer", args=[f"x{n}"])).status_code == 404
    good = token_for(survey=current, customer=two_teams["customers"]["a1"])
    assert client.get(reverse("surveys:answer", args=[good])).status_code == 429


def test_a_customer_manager_cannot_answer_for_a_customer(client, two_teams, current):
    client.force_login(two_teams["cm"]["a1"])
    url = reverse(
        "surveys:answer", args=[token_for(survey=current, customer=two_teams["customers"]["a1"])]
    )
    assert client.get(url).status_code == 403
    assert _post_answer(client, url).status_code == 403
    assert not Response.objects.exists()


@override_settings(SITE_URL="https://135.example.com")
def test_the_link_is_absolute_from_site_url_and_its_qr_is_an_svg(two_teams, current):
    url = link_for(survey=current, customer=two_teams["customers"]["a1"])
    assert url.startswith("https://135.example.com/s/") and url.endswith("/")
    assert qr_svg(url).startswith('<svg viewBox="0 0 ') and "<path" in qr_svg(url)
    # the QR of those who have not answered the period open that day
    a1, a2 = two_teams["customers"]["a1"], two_teams["customers"]["a2"]
    answer_make(current, a2, ALL5)
    links = customer_links(customer_ids=[a1.pk, a2.pk], day=current.start)
    assert list(links) == [a1.pk] and links[a1.pk].url == url
    assert customer_links(customer_ids=[a1.pk], day=current.start - dt.timedelta(days=1)) == {}


# --- the phone callbacks -------------------------------------------------------------------


@pytest.fixture
def big_team(two_teams):
    """Team TA with three managers of 20 customers each."""
    team = two_teams["team_a"]
    managers = [two_teams["cm"]["a1"], two_teams["cm"]["a2"], CustomerManagerFactory(team=team)]
    for manager in managers:
        for n in range(20):
            CustomerFactory(manager=manager, code=f"X-{manager.username}-{n:02d}")
    CustomerFactory(manager=managers[0], code="X-gone", status="inactive")
    return managers


@override_settings(SURVEY_CALLBACK_SAMPLE_SIZE=12)
def test_the_callback_sample_is_random_stable_and_drawn_from_every_manager(
    two_teams, big_team, current, past
):
    team = two_teams["team_a"]
    sample = callback_sample_ids(team=team, survey=current)
    assert len(sample) == 12 and len(set(sample)) == 12
    assert callback_sample_ids(team=team, survey=current) == sample  # stable in the period
    assert callback_sample_ids(team=team, survey=past) != sample  # drawn afresh per period
    from customers.models import Customer

    chosen = Customer.objects.filter(pk__in=sample)
    assert all(c.manager.team_id == team.pk and c.is_active for c in chosen)
    # not the first customers by code, nor one manager's: the whole team is eligible
    codes = sorted(
        Customer.objects.filter(manager__team=team, status="active").values_list("pk", flat=True)
    )
    assert sample != codes[:12]
    # every manager's customers are eligible: a sample as large as the team takes everyone
    everyone = callback_sample_ids(team=team, survey=current, size=1000)
    assert set(everyone) == set(codes)
    # over many periods, each manager's customers are drawn about a third of the time
    drawn = {m.pk: 0 for m in big_team}
    for year in range(2001, 2011):
        for month in (1, 4, 7, 10):
            survey = survey_make(dt.date(year, month, 1))
            for c in Customer.objects.filter(pk__in=callback_sample_ids(team=team, survey=survey)):
                if c.manager_id in drawn:
                    drawn[c.manager_id] += 1
    assert all(count > 100 for count in drawn.values()), drawn


@override_settings(SURVEY_CALLBACK_SAMPLE_SIZE=5)
def test_the_market_manager_enters_a_callback_for_a_sampled_customer(
    client, two_teams, big_team, current
):
    from customers.models import Customer

    mm = two_teams["mm_a"]
    client.force_login(mm)
    page = client.get(reverse("surveys:callbacks"))
    assert page.status_code == 200
    sample = callback_sample_ids(team=two_teams["team_a"], survey=current)
    first = Customer.objects.get(pk=sample[0])
    assert first.name in page.content.decode()
    data = {f"d_{k}": v for k, v in ALL5.items()} | {
        "team": "TA",
        "survey": current.pk,
        "customer": first.pk,
    }
    done = client.post(reverse("surveys:callback_answer"), data)
    assert done.status_code == 302
    response = Response.objects.get(customer=first)
    assert response.channel == Channel.CALLBACK and response.entered_by == mm
    # a customer outside the sample: refused, nothing written
    outside = Customer.objects.filter(manager__team__code="TA").exclude(pk__in=sample).first()
    refused = client.post(reverse("surveys:callback_answer"), data | {"customer": outside.pk})
    assert refused.status_code == 404
    with pytest.raises(ValidationError):
        response_record(
            survey=current, customer=outside, channel=Channel.CALLBACK, scores=ALL5, by=mm
        )
    assert Response.objects.count() == 1


def test_nobody_but_the_teams_market_manager_or_an_admin_enters_a_callback(
    client, two_teams, current
):
    customer = two_teams["customers"]["a1"]
    for who in (two_teams["cm"]["a1"], two_teams["mm_b"], two_teams["brand"]):
        with pytest.raises(PermissionDenied):
            response_record(
                survey=current, customer=customer, channel=Channel.CALLBACK, scores=ALL5, by=who
            )
    client.force_login(two_teams["cm"]["a1"])
    assert client.get(reverse("surveys:callbacks")).status_code == 403
    data = {f"d_{k}": v for k, v in ALL5.items()} | {"survey": current.pk, "customer": customer.pk}
    assert client.post(reverse("surveys:callback_answer"), data).status_code == 403
    assert not Response.objects.exists()


# --- the figures -----------------------------------------------------------------------------


def _small_set(two_teams, survey):
    """Four answers, figures worked out by hand:
    a1's two customers: overall 5 and 3; a2's: overall 4; b1's: overall 2.
    supply: 4, 2, 3, 1 → team A mean 3.0, company 2.5."""
    a1, a2, b1 = (two_teams["customers"][k] for k in ("a1", "a2", "b1"))
    a1b = CustomerFactory(manager=two_teams["cm"]["a1"], code="C-a1b")
    rest = {"brands_prices": 4, "service": 5, "delivery": 4, "ordering": 4}
    answer_make(survey, a1, rest | {"supply": 4, "overall": 5})
    answer_make(survey, a1b, rest | {"supply": 2, "overall": 3})
    answer_make(survey, a2, rest | {"supply": 3, "overall": 4})
    answer_make(survey, b1, rest | {"supply": 1, "overall": 2, "service": 3})


def test_rates_and_means_match_a_hand_computation(two_teams, current):
    _small_set(two_teams, current)
    boss = two_teams["admin"]
    company = summary(user=boss, until=current.start).latest
    assert (company.responses, company.respondents, company.satisfied) == (4, 4, 2)
    assert company.rate == 0.5
    assert company.mean_of("supply") == 2.5
    assert company.mean_of("service") == 4.5
    assert company.weakest.dimension.code == "supply"
    team = summary(user=boss, until=current.start, team=two_teams["team_a"]).latest
    assert (team.respondents, team.satisfied, team.mean_of("supply")) == (3, 2, 3.0)
    a1 = summary(user=boss, until=current.start, manager=two_teams["cm"]["a1"]).latest
    assert (a1.respondents, a1.rate, a1.mean_of("supply")) == (2, 0.5, 3.0)


def test_the_overview_page_and_its_export_show_the_same_figures(client, two_teams, current, past):
    _small_set(two_teams, current)
    answer_make(past, two_teams["customers"]["a1"], ALL5)
    client.force_login(two_teams["admin"])
    page = client.get(reverse("surveys:overview"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "50.0%" in html and "2.50" in html and "最弱" in html
    # the trend: the past period at 100%, this one at 50%, both in the chart's label
    assert re.search(r'aria-label="客户满意率：[^"]*100.0%[^"]*50.0%', html)
    # per team, best first: team A 2/3, team B 0/1
    breakdown = html[html.index('id="breakdown"') :]
    assert breakdown.index("66.7%") < breakdown.index(">0.0%")
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("surveys:export"), {"survey": current.pk}).content)
    )
    trend = workbook.worksheets[0]
    header = [c.value for c in trend[1]]
    last = dict(zip(header, [c.value for c in trend[trend.max_row]], strict=True))
    assert last["满意率"] == 0.5 and last["货源供应"] == 2.5 and last["答卷数"] == 4
    assert last["最弱维度"] == "货源供应"
    teams = workbook.worksheets[1]
    rows = {r[1]: r for r in teams.iter_rows(min_row=2, values_only=True)}
    assert rows[two_teams["team_a"].name][5] == pytest.approx(2 / 3)


def test_a_market_manager_sees_the_team_and_each_manager_but_not_the_company(
    client, two_teams, current
):
    _small_set(two_teams, current)
    client.force_login(two_teams["mm_a"])
    html = client.get(reverse("surveys:overview")).content.decode()
    assert two_teams["team_a"].name in html and "66.7%" in html
    assert two_teams["cm"]["a1"].display_name in html
    assert client.get(reverse("surveys:overview"), {"team": "TB"}).status_code == 404
    assert client.get(reverse("surveys:overview"), {"manager": "b1"}).status_code == 404
    client.force_login(two_teams["cm"]["a1"])
    own = client.get(reverse("surveys:overview")).content.decode()
    assert "50.0%" in own  # a1's own customers: 1 of 2
    assert client.get(reverse("surveys:overview"), {"manager": "a2"}).status_code == 404


# --- the "dissatisfied customer" rule ------------------------------------------------------

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def test_the_dissatisfied_rule_fires_on_the_last_answer_and_generates_the_action(two_teams):
    from cycle.models import ActionSource, MarketingAction
    from cycle.services import plan_generate
    from cycle.strategy.engine import warnings_evaluate
    from reports.services import indicators_compute
    from tests.factories import SHANGHAI, CycleFactory

    cm = two_teams["cm"]["a1"]
    q3, q4 = survey_make(dt.date(2026, 7, 1)), survey_make(OCT)
    unhappy = two_teams["customers"]["a1"]
    recovered = CustomerFactory(manager=cm, code="C-recovered")
    happy = CustomerFactory(manager=cm, code="C-happy")
    later = CustomerFactory(manager=cm, code="C-later")
    answer_make(q4, unhappy, ALL5 | {"delivery": 2, "supply": 1})
    answer_make(q3, recovered, ALL5 | {"service": 1})  # its last answer is fine
    answer_make(q4, recovered, ALL5)
    answer_make(q4, happy, ALL5 | {"supply": 3})
    # answered after October: not October's warning
    answer_make(q4, later, ALL5 | {"overall": 1}, at=dt.datetime(2026, 11, 3, 9, tzinfo=SHANGHAI))
    indicators_compute(month=OCT)

    warnings = [
        w for w in warnings_evaluate(manager=cm, month=OCT) if w.rule_code == "dissatisfied"
    ]

    assert [w.customer_code for w in warnings] == ["C-a1"]
    flag = warnings[0]
    assert flag.numbers["lowest"] == 1 and flag.numbers["dimensions"] == "货源供应、配送"
    assert flag.message == "2026-10-15 满意度评价中“货源供应、配送”评分最低 1 分（不高于 2 分）"
    assert flag.suggestion == "上门沟通、了解诉求" and flag.action_code == "visit_listen"

    november = CycleFactory(manager=cm, month=NOV)
    plan_generate(cycle=november, by=cm)
    action = MarketingAction.objects.get(
        cycle=november, source=ActionSource.WARNING, rule__code="dissatisfied"
    )
    assert action.customer == unhappy and action.text == "上门沟通、了解诉求"
    assert action.standard_action.code == "visit_listen"


# --- the QR on the visit sheet and the customer card ---------------------------------------

# the visit sheet's ``day`` fixture (a1's visit on 2026-11-03)
from tests.test_visit_sheet import DAY_URL, pdf_tool, run_tool  # noqa: E402
from tests.test_visit_sheet import day as sheet_day  # noqa: E402, F401


def test_the_visit_sheet_prints_the_qr_of_customers_who_have_not_answered(
    client,
    two_teams,
    sheet_day,  # noqa: F811
    tmp_path,
):
    survey = survey_make(dt.date(2026, 10, 1))
    client.force_login(two_teams["cm"]["a1"])
    content = client.get(DAY_URL).content
    assert "请客户扫码评价满意度" in run_tool("pdftotext", content, tmp_path)
    from cycle.visit_sheet import day_sheet, sheet_html

    sheet = day_sheet(user=two_teams["cm"]["a1"], username="a1", date=dt.date(2026, 11, 3))
    link = link_for(survey=survey, customer=two_teams["customers"]["a1"])
    assert f'<img src="qr:{link}"' in sheet_html(sheet)
    images = run_tool("pdfimages", content, tmp_path, "-list")
    assert len(images.splitlines()) == 3  # the heading, its rule and the one QR code
    # the printed code is the customer's link, module for module
    extract = [pdf_tool("pdfimages"), "-j", str(tmp_path / "sheet.pdf"), str(tmp_path / "qr")]
    subprocess.run(extract, check=True)
    printed = Image.open(next(tmp_path.glob("qr-*.jpg"))).convert("L")
    modules = segno.make(link, error="m").matrix
    assert printed.size == (len(modules) + 4, len(modules) + 4)  # two modules of margin
    dark = [
        [printed.getpixel((x + 2, y + 2)) < 128 for x in range(len(modules))]
        for y in range(len(modules))
    ]
    assert dark == [[bool(module) for module in row] for row in modules]
    answer_make(survey, two_teams["customers"]["a1"], ALL5)
    again = client.get(DAY_URL).content
    assert "请客户扫码评价满意度" not in run_tool("pdftotext", again, tmp_path)


def test_the_customer_card_and_page_show_the_qr_while_a_period_is_open(
    client, two_teams, current, tmp_path
):
    customer = two_teams["customers"]["a1"]
    client.force_login(two_teams["cm"]["a1"])
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'class="qr"' in page and "扫码评价" in page
    card = client.get(reverse("customers:card", args=[customer.pk])).content
    assert "扫码评价" in run_tool("pdftotext", card, tmp_path)
    answer_make(current, customer, ALL5)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'class="qr"' not in page


# --- the figures on the cycle's pages ------------------------------------------------------


def test_the_analysis_evaluation_and_team_board_pages_show_the_same_figures(
    client, two_teams, current
):
    _small_set(two_teams, current)
    month = f"{current.start:%Y-%m}"
    client.force_login(two_teams["mm_a"])
    manager = client.get(reverse("reports:manager", args=["a1"]), {"month": month})
    html = manager.content.decode()
    section = html[html.index('id="satisfaction"') :]
    assert "50.0%" in section and "3.00" in section  # a1: 1 of 2 satisfied, supply (4+2)/2
    team = client.get(reverse("reports:team", args=["TA"]), {"month": month}).content.decode()
    section = team[team.index('id="satisfaction"') :]
    assert "66.7%" in section  # team A: 2 of 3
    evaluation = client.get(reverse("plans:evaluation", args=["a1", month])).content.decode()
    assert "50.0%" in evaluation[evaluation.index('id="satisfaction"') :]
    board = client.get(reverse("team:board"), {"month": month}).content.decode()
    ranking = board[board.index('id="satisfaction-ranking"') :]
    a1, a2 = two_teams["cm"]["a1"].display_name, two_teams["cm"]["a2"].display_name
    assert ranking.index(a2) < ranking.index(a1)  # a2 100% before a1 50%
    assert "100.0%" in ranking and "50.0%" in ranking
