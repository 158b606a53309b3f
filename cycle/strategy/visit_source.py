"""Where the ``no_visit`` warning rule learns how often each customer was visited.

The default source (``config/settings/base.py``) is
``cycle.execution_counts.valid_visits_by_customer``: the recorded visits checked in and out at
least a minute apart. With the setting empty there is no source and the rule is skipped with a
reason, rather than answering "nobody was visited" and flagging every customer.

A source is a callable ``source(*, customer_ids: list[int], month: datetime.date)`` returning
a mapping customer id → number of valid visits in that month (customers left out had none),
or simply the set of the visited customers' ids (one visit each).
It is named by its dotted path in the setting ``CYCLE_VISIT_SOURCE``; unset or empty means
no source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Set

from django.conf import settings
from django.utils.module_loading import import_string

VisitSource = Callable[..., Mapping[int, int] | Set[int]]


def visit_source() -> VisitSource | None:
    path = getattr(settings, "CYCLE_VISIT_SOURCE", None)
    return import_string(path) if path else None


def visits_in(source: VisitSource, *, customer_ids: list[int], month: dt.date) -> dict[int, int]:
    visits = source(customer_ids=customer_ids, month=month)
    if isinstance(visits, Mapping):
        return {int(k): int(v) for k, v in visits.items()}
    return dict.fromkeys(map(int, visits), 1)
