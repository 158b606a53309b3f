"""Where the customer page learns the customer's retailer gross profit (客户赢利水平, issue #16).

The figures are the monthly indicator job's (reports/profit_rates.py), and ``reports`` sits
above ``markets`` (the layers contract in pyproject.toml): markets never imports it. They come
through this hook, the setting ``MARKETS_PROFIT_SOURCE``, the dotted path of a callable

    source(*, customer_id: int, first: datetime.date, last: datetime.date) -> list[dict]

returning, newest month first, dicts of month, gross_profit (Decimal yuan),
gross_profit_change_mom and gross_profit_change_yoy (fractions or None); months without a
figure left out. The default (config/settings/base.py) is
``reports.selectors.customer_profit_months``. Unset or empty: no figures, and the page says
nothing about profit."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.module_loading import import_string


def customer_profits(*, customer_id: int, first: dt.date, last: dt.date) -> list[dict] | None:
    """The registered source's rows, or None without a source."""
    path = getattr(settings, "MARKETS_PROFIT_SOURCE", "")
    if not path:
        return None
    return list(import_string(path)(customer_id=customer_id, first=first, last=last))
