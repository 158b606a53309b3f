"""Everything the customer detail page and the printed card show, read in a fixed number
of queries through each app's selectors. The page is the customer with what they bought and
what was observed at them, so it lives here, above customers (markets/customer_views.py;
its URLs keep the ``customers`` namespace, config/urls.py)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import User
from brands.selectors import key_skus
from core.charts import column_chart
from core.months import add_months, previous_month
from customers.selectors import customer_can_edit, customer_get
from surveys.links import customer_links

from .photo_source import customer_photos
from .profit_source import customer_profits
from .selectors import (
    customer_key_sku_volumes,
    customer_latest_observations,
    customer_sku_volumes,
    monthly_totals,
)

TREND_MONTHS = 13
SUMMARY_MONTHS = 3
OBSERVATION_DAYS = 90


def customer_overview(*, user: User, pk: int) -> dict:
    customer = customer_get(user=user, pk=pk)
    last = previous_month()
    trend = monthly_totals(
        customers=[customer.pk], first=add_months(last, -(TREND_MONTHS - 1)), last=last
    )
    volumes = [(row["month"], row["volume"]) for row in trend]
    title = _("近 %(n)s 个月订货量（条）") % {"n": len(trend)}
    summary_first = add_months(last, -(SUMMARY_MONTHS - 1))
    since = timezone.now() - dt.timedelta(days=OBSERVATION_DAYS)
    return {
        "customer": customer,
        "can_edit": customer_can_edit(user=user, customer=customer),
        "trend": trend,
        # the same chart twice: laid out for a desktop or print, and for a phone (the page
        # shows the one that fits; its value labels stay legible either way)
        "chart": column_chart(volumes, title=title, width=TREND_MONTHS * 60, height=220),
        "chart_narrow": column_chart(volumes, title=title, width=TREND_MONTHS * 25, height=200),
        "summary_first": summary_first,
        "summary_last": last,
        "top_skus": customer_sku_volumes(customer_id=customer.pk, first=summary_first, last=last),
        "key_skus": customer_key_sku_volumes(
            customer_id=customer.pk, key_skus=key_skus(), first=summary_first, last=last
        ),
        "observations": customer_latest_observations(customer_id=customer.pk, since=since),
        "observation_days": OBSERVATION_DAYS,
        "changes": customer.changes.select_related("changed_by")[:50],
        # the customer's own satisfaction link (QR) while a survey period is open and they
        # have not answered it; none for an inactive customer
        "survey_link": customer_links(customer_ids=[customer.pk], day=timezone.localdate()).get(
            customer.pk
        )
        if customer.is_active
        else None,
        # the stored gross profit per month (the indicator job's, through a hook): None
        # without a source
        # the latest shelf photos taken on visits (cycle's, through a hook): None without
        # a source
        "shelf_photos": customer_photos(user=user, customer_id=customer.pk),
        "profits": customer_profits(
            customer_id=customer.pk, first=add_months(last, -(TREND_MONTHS - 1)), last=last
        ),
        "outcomes": action_outcomes(user=user, customer=customer),
    }


def action_outcomes(*, user: User, customer) -> list:
    """The standard actions done at the customer and what changed after each, from the
    source named by ``MARKETS_CUSTOMER_OUTCOMES`` (filled by cycle); none without one."""
    path = getattr(settings, "MARKETS_CUSTOMER_OUTCOMES", "")
    return import_string(path)(user=user, customer_id=customer.pk) if path else []
