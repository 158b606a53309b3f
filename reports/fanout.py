"""The monthly job fanned out over Celery workers (issue #15: a province is more than one
machine can compute in time).

A run is split into shards: ranges of customer ids holding about as many active customers
each (``shard_plan``; a month's order lines are stored in customer order, so each shard reads
its own stretch of them); one ``IndicatorShard`` row each, and a Celery ``group`` of one task per
shard. Each shard computes its customers' rows and their sums per manager for the
brand indicators (reports/shards.py) and leaves them on its row. The shard that finds, under
the run's row lock, that it was the last one puts the month together and replaces it in one
transaction (reports/store.py): readers see the previous month or the new one, never a mix.
This is a chord whose join lives in the database rather than in the result backend: nothing
is lost if Redis restarts between the shards, and a task delivered twice does nothing.

A shard that fails fails the run (the month keeps its previous rows; the other shards see the
run failed and stop); a worker that dies leaves the run silent, and the sweep records it
failed (core/heartbeat.py). Each shard loads its lines alone on its worker's connection: the
parallelism is the workers'.

``INDICATOR_SHARDS`` (setting, environment) says how many shards a run of the monthly task
makes; 1 (the default) computes in one process (reports/services.py), as the command does."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from core.heartbeat import beating
from core.queue import enqueue_group
from customers.models import Customer, CustomerStatus

from .models import IndicatorRun, IndicatorShard, RunStatus
from .services import WRITING, indicator_run_take, month_written
from .shard_payload import pack, unpack
from .shards import month_assemble, shard_compute
from .store import replace_month

logger = logging.getLogger(__name__)

# percent of the run when the shards start and when the last one has finished
SHARDS_FROM, SHARDS_TO = 5, 80


def shard_plan(count: int) -> list[tuple[int | None, int | None, int]]:
    """At most ``count`` ranges of customer ids (first, last; None: unbounded) holding about
    as many active customers each, with their count. The ranges cover every id, so a
    customer who becomes active while the shards run is in exactly one of them."""
    ids = list(
        Customer.objects.filter(status=CustomerStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    count = max(1, min(count, len(ids)))
    cuts = [len(ids) * k // count for k in range(count + 1)]
    plan = []
    for k in range(count):
        first = None if k == 0 else ids[cuts[k]]
        last = None if k == count - 1 else ids[cuts[k + 1]] - 1
        plan.append((first, last, cuts[k + 1] - cuts[k]))
    return plan


def indicators_fan_out(*, month: dt.date, shards: int, run_id: int | None = None):
    """Take the run (as ``indicators_compute`` does: a new one without ``run_id``), split it
    and queue its shards once this transaction commits; returns the run (None or an
    untaken run as it is)."""
    from .tasks import compute_shard

    run, taken = indicator_run_take(month, run_id)
    if not taken:
        return run
    plan = shard_plan(shards)
    IndicatorShard.objects.bulk_create(
        IndicatorShard(
            run=run, number=i, first_customer=first, last_customer=last, customers=customers
        )
        for i, (first, last, customers) in enumerate(plan)
    )
    _progress(run.pk, SHARDS_FROM, f"shards 0/{len(plan)}")
    enqueue_group(
        [compute_shard.si(run.pk, i) for i in range(len(plan))],
        on_failure=lambda message: _fail(run.pk, message),
    )
    return run


def indicator_shard_compute(*, run_id: int, number: int) -> str:
    """Compute one shard of a run; the last one puts the month together. Returns what it
    did: "computed", "assembled", or why it did nothing."""
    with transaction.atomic():
        shard = (
            IndicatorShard.objects.select_for_update()
            .select_related("run")
            .filter(run_id=run_id, number=number)
            .first()
        )
        if shard is None:
            return "gone"
        if shard.status != RunStatus.QUEUED:
            return "taken"
        if shard.run.status != RunStatus.RUNNING:
            shard.status, shard.finished_at = RunStatus.FAILED, timezone.now()
            shard.save(update_fields=["status", "finished_at"])
            return "run ended"
        shard.status, shard.started_at = RunStatus.RUNNING, timezone.now()
        shard.save(update_fields=["status", "started_at"])
    month = shard.run.month
    try:
        with beating(lambda: _alive(run_id)):
            bounds = (shard.first_customer, shard.last_customer)
            payload = pack(shard_compute(month, bounds, parallel=False))
    except Exception as exc:
        logger.exception("indicator shard %s of run %s failed", number, run_id)
        IndicatorShard.objects.filter(pk=shard.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now()
        )
        _fail(run_id, f"{type(exc).__name__}: {exc}")
        raise
    with transaction.atomic():
        run = IndicatorRun.objects.select_for_update().get(pk=run_id)
        IndicatorShard.objects.filter(pk=shard.pk).update(
            status=RunStatus.SUCCEEDED, finished_at=timezone.now(), payload=payload
        )
        states = list(run.shards.values_list("status", flat=True))
        done = states.count(RunStatus.SUCCEEDED)
        if run.status != RunStatus.RUNNING:
            return "run ended"
        last = done == len(states)
        percent = SHARDS_FROM + (SHARDS_TO - SHARDS_FROM) * done // len(states)
        label = WRITING[1] if last else f"shards {done}/{len(states)}"
        run.progress, run.step, run.heartbeat_at = percent, label, timezone.now()
        run.save(update_fields=["progress", "step", "heartbeat_at"])
    if not last:
        return "computed"
    _assemble(run)
    return "assembled"


def _assemble(run: IndicatorRun) -> None:
    """Put the shards together and replace the month: the step that makes it visible."""
    try:
        with beating(lambda: _alive(run.pk)):
            payloads = run.shards.order_by("number").values_list("payload", flat=True)
            tables = month_assemble(run.month, [unpack(p, run.month) for p in payloads])
            rows = replace_month(
                run.month,
                scope_rows=tables["scope"],
                customer_rows=tables["customer"],
                manager_rows=tables["manager"],
            )
    except Exception as exc:
        logger.exception("assembling indicators for %s failed", f"{run.month:%Y-%m}")
        _fail(run.pk, f"{type(exc).__name__}: {exc}")
        raise
    run.shards.update(payload=None)
    IndicatorRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        rows_written=rows,
        finished_at=timezone.now(),
        progress=100,
        step="done",
    )
    month_written(run.month)


def _progress(run_id: int, percent: int, label: str) -> None:
    IndicatorRun.objects.filter(pk=run_id).update(
        progress=percent, step=label, heartbeat_at=timezone.now()
    )


def _alive(run_id: int) -> None:
    IndicatorRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        heartbeat_at=timezone.now()
    )


def _fail(run_id: int, message: str) -> None:
    """Record the run failed (once: the first failure's message stays) and drop the
    shards' results."""
    IndicatorRun.objects.filter(pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now()
    )
    IndicatorShard.objects.filter(run_id=run_id).update(payload=None)
