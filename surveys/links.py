"""The customer's personal satisfaction link (and its QR code): a token signed with the
deployment's secret, naming one customer and one survey period. It cannot be guessed or
altered (HMAC-SHA256), needs nothing stored (so printing a visit sheet writes nothing), and
is good from the period's first day to its last: the answer page checks the dates and that
the customer has not answered yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.qr import qr_src, qr_svg
from customers.models import Customer

from .models import Survey
from .selectors import survey_answered_ids, survey_open_on

SALT = "surveys.answer-link"
_SIGNER = signing.Signer(salt=SALT, sep=".")


class LinkRefused(Exception):
    """The link does not open the questionnaire; ``args[0]`` says why, for the customer."""


BAD_LINK = _("这个链接无效。请扫描客户经理提供的二维码，或直接联系您的客户经理。")
NOT_OPEN = _("本期满意度调查尚未开始，请在调查期内再打开。")
EXPIRED = _("本期满意度调查已经结束，链接已失效。感谢您的关注！")


def token_for(*, survey: Survey, customer: Customer) -> str:
    return _SIGNER.sign(f"{survey.pk}-{customer.pk}")


def link_for(*, survey: Survey, customer: Customer) -> str:
    """The absolute address of the answer page (SITE_URL: the QR leaves the intranet)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("surveys:answer", args=[token_for(survey=survey, customer=customer)])
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class CustomerLink:
    survey: Survey
    url: str

    @cached_property
    def qr(self) -> str:
        """The QR as an inline <svg> (the customer page and card); made when first asked."""
        return qr_svg(self.url)

    @property
    def qr_image(self) -> str:
        """The QR's address for an <img> of a printed document (the visit sheet)."""
        return qr_src(self.url)


def customer_links(*, customer_ids: list[int], day: dt.date) -> dict[int, CustomerLink]:
    """The satisfaction link and QR of each of ``customer_ids`` who has not answered the
    period open on ``day`` (none when no period is open): two queries. The QR is drawn
    when a template first asks for it (``qr`` or ``qr_image``)."""
    survey = survey_open_on(day)
    if survey is None or not customer_ids:
        return {}
    answered = survey_answered_ids(survey=survey, customer_ids=customer_ids)
    links = {}
    for pk in customer_ids:
        if pk in answered:
            continue
        url = link_for(survey=survey, customer=Customer(pk=pk))
        links[pk] = CustomerLink(survey, url)
    return links


@dataclass(frozen=True)
class Link:
    survey: Survey
    customer: Customer


def link_open(token: str, *, today: dt.date | None = None) -> Link:
    """The survey and customer of ``token`` if it opens the questionnaire today, else
    LinkRefused (forged, altered, unknown, not yet open, or expired)."""
    try:
        value = _SIGNER.unsign(token)
        survey_id, customer_id = (int(part) for part in value.split("-"))
    except (signing.BadSignature, ValueError):
        raise LinkRefused(BAD_LINK) from None
    survey = Survey.objects.filter(pk=survey_id).first()
    customer = Customer.objects.filter(pk=customer_id).select_related("manager").first()
    if survey is None or customer is None or not customer.is_active:
        raise LinkRefused(BAD_LINK)
    today = today or timezone.localdate()
    if today < survey.start:
        raise LinkRefused(NOT_OPEN)
    if today > survey.end:
        raise LinkRefused(EXPIRED)
    return Link(survey, customer)
