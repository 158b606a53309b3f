"""Where the monthly indicators learn how much of each month's plan was carried out: actions
planned and done, visits planned and done (DESIGN.md §4 step 4, §5).

Those are the cycle's records, and ``cycle`` sits above ``reports`` (the layers contract in
pyproject.toml): reports never imports it. Instead the counts come through this one hook,
the setting ``REPORTS_EXECUTION_SOURCE``, the dotted path of a callable

    source(*, month: datetime.date) -> (per_manager, per_customer)

returning two pandas DataFrames of int counts:
- ``per_manager``: index ``manager_id`` (the cycle's owner), columns ``MANAGER_COUNTS``;
- ``per_customer``: index ``customer_id``, columns ``CUSTOMER_COUNTS``;
anyone left out had nothing. The default (config/settings/base.py) is
``cycle.execution_counts.month_execution``. Unset or empty means no source: every count is
empty, so the completion and visit rates show — rather than a made-up 0 %."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.conf import settings
from django.utils.module_loading import import_string

MANAGER_COUNTS = ["actions_planned", "actions_done", "visits_planned", "visits_done"]
CUSTOMER_COUNTS = ["visits_done", "actions_done"]


def execution_counts(*, month: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's counts per manager and per customer from the registered source, each in
    the shape above (int64, the columns in order); two empty frames without a source."""
    path = getattr(settings, "REPORTS_EXECUTION_SOURCE", "")
    if not path:
        return _conform(None, MANAGER_COUNTS, "manager_id"), _conform(
            None, CUSTOMER_COUNTS, "customer_id"
        )
    per_manager, per_customer = import_string(path)(month=month)
    return (
        _conform(per_manager, MANAGER_COUNTS, "manager_id"),
        _conform(per_customer, CUSTOMER_COUNTS, "customer_id"),
    )


def _conform(frame: pd.DataFrame | None, columns: list[str], index: str) -> pd.DataFrame:
    if frame is None:
        frame = pd.DataFrame(columns=columns)
    frame = frame.reindex(columns=columns).fillna(0).astype("int64")
    frame.index = frame.index.astype("int64")
    frame.index.name = index
    return frame
