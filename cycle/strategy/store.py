"""The month's warnings, computed once and stored (issue #15 point 5): what the analysis pages
read instead of evaluating the rules on request.

``warnings_compute(month=M)`` evaluates every active rule on every customer manager's active
customers in one load of the data (``engine.warnings_batch``) and replaces the month's stored
rows in one transaction (COPY on PostgreSQL, bulk inserts elsewhere): readers see the old
computation or the new one, never a mix. With ``managers`` only theirs are replaced (a late
visit changes one manager's ``no_visit`` data). Each manager-month gets a ``WarningStamp``
naming the run its rows come from, with the counts the team page shows.

It runs, through the Celery task ``cycle.tasks.compute_warnings`` (on commit):
- when the monthly indicator job has written a month (the hook ``REPORTS_MONTH_WRITTEN``);
- when a warning rule is added, edited or deleted (``warning_rules_changed``, from the admin
  site): every month that has stored warnings;
- when a visit or its checks are recorded in a month that has stored warnings
  (``warnings_visits_changed``, from ``cycle.services.visits``): that manager's rows;
- when someone allowed to recompute asks for it on the analysis page.

Messages and skipped-rule reasons are stored in the default language (LANGUAGE_CODE); a page
in another language renders the message again from the stored numbers
(``engine.warning_message``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from accounts.models import User
from accounts.policy import customer_managers
from core.heartbeat import running_stale_before, stale_message
from core.months import month_start
from customers.selectors import active_customers

from ..models import (
    StoredWarning,
    WarningRun,
    WarningRunStatus,
    WarningStamp,
    WarningTrigger,
)
from .engine import IndicatorsMissing, warnings_batch

logger = logging.getLogger(__name__)

# two-int advisory lock key: (this computation, the month) — one writer per month at a time
LOCK_CLASS = 135_015
COLUMNS = ("month", "manager_id", "customer_id", "rule_id", "sku_id", "numbers", "message")
BATCH = 5_000


def warnings_compute(
    *,
    month: dt.date,
    managers: Iterable[User | int] | None = None,
    trigger: str = WarningTrigger.MANUAL,
) -> WarningRun | None:
    """Compute and store the warnings of ``month`` (any day of it) for every customer
    manager, or only ``managers``; idempotent. None when the month's indicators have not
    been computed (nothing to analyse). A failure is recorded on the run and re-raised; the
    previous rows stay."""
    month = month_start(month)
    ids = None if managers is None else sorted({_id_of(m) for m in managers})
    if ids == []:
        return None
    now = timezone.now()
    run = WarningRun.objects.create(
        month=month,
        managers=ids,
        trigger=trigger,
        status=WarningRunStatus.RUNNING,
        started_at=now,
    )
    try:
        with translation.override(settings.LANGUAGE_CODE):
            batch = warnings_batch(managers=ids or _all_managers(), month=month)
            skipped = [
                {"code": s.code, "name": s.name, "reason": str(s.reason)} for s in batch.skipped
            ]
        with transaction.atomic():
            _lock(month)
            rows = StoredWarning.objects.filter(month=month)
            stamps = WarningStamp.objects.filter(month=month)
            if ids is not None:
                rows, stamps = rows.filter(manager_id__in=ids), stamps.filter(manager_id__in=ids)
            rows.delete()
            stamps.delete()
            written = _insert(month, batch.warnings)
            finished = timezone.now()
            WarningStamp.objects.bulk_create(
                WarningStamp(
                    month=month,
                    manager_id=c.manager_id,
                    run=run,
                    customers=c.customers,
                    flagged_customers=c.flagged_customers,
                    warnings=c.warnings,
                    by_severity=c.by_severity,
                    by_rule=c.by_rule,
                    computed_at=finished,
                )
                for c in batch.counts
            )
            run.status, run.skipped = WarningRunStatus.SUCCEEDED, skipped
            run.rows_written, run.finished_at = written, finished
            run.save(update_fields=["status", "skipped", "rows_written", "finished_at"])
            if ids is None and connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # the planner learns the new month's rows
                    cursor.execute(f"ANALYZE {StoredWarning._meta.db_table}")
    except IndicatorsMissing:
        run.delete()
        return None
    except Exception as exc:
        logger.exception("warnings for %s failed", f"{month:%Y-%m}")
        run.status, run.error = WarningRunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


def warning_runs_sweep() -> int:
    """Record the runs whose worker died mid-computation as failed; how many. A run has no
    heartbeat: it is short (seconds to a couple of minutes a city month), so one still
    running after JOB_STALE_AFTER_SECONDS lost its worker. Its month keeps the rows of the
    last run that finished."""
    return WarningRun.objects.filter(
        status=WarningRunStatus.RUNNING, started_at__lt=running_stale_before()
    ).update(status=WarningRunStatus.FAILED, error=stale_message(), finished_at=timezone.now())


def warnings_recompute_later(
    *, month: dt.date, managers: Iterable[User | int] | None = None, trigger: str
) -> None:
    """Queue ``warnings_compute`` (after the current transaction commits)."""
    from core.queue import enqueue

    from ..tasks import compute_warnings

    ids = None if managers is None else sorted({_id_of(m) for m in managers})
    enqueue(
        compute_warnings,
        f"{month_start(month):%Y-%m}",
        ids,
        str(trigger),
        on_failure=lambda message: logger.warning(
            "warnings of %s not queued: %s", f"{month:%Y-%m}", message
        ),
    )


def warning_rules_changed() -> list[dt.date]:
    """A rule was added, edited or deleted: recompute every month that has stored warnings,
    the latest first. Returns those months."""
    months = list(
        WarningStamp.objects.order_by("-month").values_list("month", flat=True).distinct()
    )
    for month in months:
        warnings_recompute_later(month=month, trigger=WarningTrigger.RULES)
    return months


def warnings_visits_changed(*, manager: User | int, date: dt.date) -> bool:
    """A visit (or a check made on it) was recorded on ``date`` by ``manager``: when that
    month's warnings are stored for them, recompute theirs. Returns whether it was queued."""
    month = month_start(date)
    if not WarningStamp.objects.filter(month=month, manager_id=_id_of(manager)).exists():
        return False  # not computed yet: the computation will read the visit
    warnings_recompute_later(month=month, managers=[manager], trigger=WarningTrigger.VISITS)
    return True


def _all_managers() -> list[int]:
    """Every customer manager, and anyone else who owns an active customer."""
    owners = set(active_customers().values_list("manager_id", flat=True).distinct())
    return sorted(set(customer_managers(active=False).values_list("pk", flat=True)) | owners)


def _lock(month: dt.date) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # a second computation of the month waits here, then replaces what the first wrote
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [LOCK_CLASS, month.year * 12 + month.month],
            )


def _insert(month: dt.date, warnings) -> int:
    rules = _rule_ids({w.rule_code for w in warnings})
    rows = (
        (
            month,
            w.manager_id,
            w.customer_id,
            rules[w.rule_code],
            w.sku_id,
            w.numbers,
            w.message,
        )
        for w in warnings
    )
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        statement = "COPY {} ({}) FROM STDIN".format(
            StoredWarning._meta.db_table, ", ".join(COLUMNS)
        )
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for *row, numbers, message in rows:
                copy.write_row((*row, json.dumps(numbers, allow_nan=False), message))
        return len(warnings)
    StoredWarning.objects.bulk_create(
        (StoredWarning(**dict(zip(COLUMNS, row, strict=True))) for row in rows),
        batch_size=BATCH,
    )
    return len(warnings)


def _rule_ids(codes: set[str]) -> dict[str, int]:
    from ..models import WarningRule

    return dict(WarningRule.objects.filter(code__in=codes).values_list("code", "pk"))


def _id_of(manager: User | int) -> int:
    return manager.pk if isinstance(manager, User) else int(manager)
