"""The monthly job fanned out over Celery workers in shards of customer managers
(reports/fanout.py, issue #15): the same stored rows as the job in one process — the golden
random month of test_indicators_golden, with a manager without a team, a team without
managers, a manager owning customers without the role, inactive customers — shards that
cover every manager once, a failing shard that leaves the month as it was, a shard delivered
twice that computes once, and a broker that is down."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from reports import fanout, shards, tasks
from reports.jobs import indicator_runs_sweep
from reports.models import CustomerIndicator, IndicatorRun, IndicatorShard, ScopeIndicator
from reports.shard_payload import pack, unpack
from tests.test_indicators_golden import R, check, random_month, stored  # noqa: F401

pytestmark = pytest.mark.django_db


def fan_out(settings, capture, count: int) -> IndicatorRun:
    settings.INDICATOR_SHARDS = count
    with capture(execute=True):
        result = tasks.compute_month(f"{R:%Y-%m}")
    return IndicatorRun.objects.get(pk=result["run"])


@pytest.mark.parametrize("count", [2, 5])
def test_shards_store_the_rows_the_job_in_one_process_stores(
    random_month,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
    count,
):
    ScopeIndicator.objects.filter(month=R).delete()  # nothing left over from the fixture's run
    CustomerIndicator.objects.filter(month=R).delete()
    run = fan_out(settings, django_capture_on_commit_callbacks, count)
    assert (run.status, run.progress, run.step, run.error) == ("succeeded", 100, "done", "")
    assert run.shards.count() == count
    assert set(run.shards.values_list("status", flat=True)) == {"succeeded"}
    assert not run.shards.filter(payload__isnull=False).exists()  # dropped once written
    check("random", R)  # the golden file the one-process job is pinned to


def test_the_plan_covers_every_customer_once_in_ranges_of_about_equal_size(
    random_month,  # noqa: F811
):
    active = sorted(c.pk for c in random_month if c.status == "active")
    plan = fanout.shard_plan(3)
    assert len(plan) == 3 and plan[0][0] is None and plan[-1][1] is None
    for (_, last, _), (first, _, _) in zip(plan, plan[1:], strict=False):
        assert first == last + 1  # contiguous: every id falls in one range
    inside = [
        [c for c in active if (lo is None or c >= lo) and (hi is None or c <= hi)]
        for lo, hi, _ in plan
    ]
    assert [len(ids) for ids in inside] == [n for _, _, n in plan]
    assert sum(n for _, _, n in plan) == len(active)
    assert max(n for _, _, n in plan) - min(n for _, _, n in plan) <= 1
    assert len(fanout.shard_plan(10_000)) == len(active)  # never an empty shard


def test_a_failing_shard_fails_the_run_and_leaves_the_month_as_it_was(
    random_month,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    before = stored(R)
    real = shards.customer_indicators
    calls = []

    def broken_second(frames, sales):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("shard broke")
        return real(frames, sales)

    monkeypatch.setattr(shards, "customer_indicators", broken_second)
    settings.INDICATOR_SHARDS = 3
    with django_capture_on_commit_callbacks(execute=True):
        tasks.compute_month(f"{R:%Y-%m}")
    run = IndicatorRun.objects.order_by("-id").first()
    assert (run.status, run.error) == ("failed", "RuntimeError: shard broke")
    # in process the group stops at the failure; a worker taking the third shard later sees
    # the run failed and does nothing
    assert fanout.indicator_shard_compute(run_id=run.pk, number=2) == "run ended"
    assert list(run.shards.values_list("status", flat=True)) == ["succeeded", "failed", "failed"]
    assert len(calls) == 2
    assert not run.shards.filter(payload__isnull=False).exists()
    assert stored(R) == before


def test_a_shard_delivered_twice_computes_once(
    random_month,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    run = fan_out(settings, django_capture_on_commit_callbacks, 2)
    assert fanout.indicator_shard_compute(run_id=run.pk, number=0) == "taken"
    assert fanout.indicator_shard_compute(run_id=run.pk, number=7) == "gone"
    assert IndicatorRun.objects.get(pk=run.pk).status == "succeeded"


def test_shards_not_yet_done_leave_the_month_unwritten(
    random_month,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    ScopeIndicator.objects.filter(month=R).delete()
    settings.INDICATOR_SHARDS = 3
    with django_capture_on_commit_callbacks(execute=False):  # nothing reaches a worker
        result = tasks.compute_month(f"{R:%Y-%m}")
    run = IndicatorRun.objects.get(pk=result["run"])
    assert fanout.indicator_shard_compute(run_id=run.pk, number=1) == "computed"
    assert fanout.indicator_shard_compute(run_id=run.pk, number=0) == "computed"
    run.refresh_from_db()
    assert (run.status, run.step) == ("running", "shards 2/3")
    assert not ScopeIndicator.objects.filter(month=R).exists()
    assert fanout.indicator_shard_compute(run_id=run.pk, number=2) == "assembled"
    check("random", R)


def test_a_broker_that_is_down_fails_the_run_with_a_message(
    random_month,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from celery import group

    def down(self, *args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(group, "apply_async", down)
    settings.INDICATOR_SHARDS = 2
    conf = tasks.compute_shard.app.conf
    saved = conf.changes.get("task_always_eager")
    conf.update(task_always_eager=False)  # as in production: the group goes to the broker
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = tasks.compute_month.apply(args=[f"{R:%Y-%m}"]).get()
    finally:
        conf.changes.pop("task_always_eager", None)
        if saved is not None:
            conf.changes["task_always_eager"] = saved
    run = IndicatorRun.objects.get(pk=result["run"])
    assert run.status == "failed" and "后台任务队列暂时不可用" in run.error


def test_a_shard_payload_reads_back_as_it_was_written(random_month):  # noqa: F811
    first = sorted(c.pk for c in random_month)[5]
    result = shards.shard_compute(R, (first, None))
    back = unpack(pack(result), R)
    pd.testing.assert_frame_equal(back.customer_rows, result.customer_rows, check_dtype=True)
    assert back.customer_rows["forecast"].isna().any()  # a missing forecast stays missing
    for key, grid in result.measures.grids.items():
        np.testing.assert_array_equal(back.measures.grids[key], grid)
    np.testing.assert_array_equal(back.measures.object_key, result.measures.object_key)
    assert isinstance(back.customer_rows["month"].iloc[0], dt.date)
    pd.testing.assert_frame_equal(back.execution, result.execution, check_dtype=True)
    assert IndicatorShard.objects.count() == 0


def test_a_run_whose_worker_died_is_swept_and_its_shards_results_dropped(
    random_month,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.INDICATOR_SHARDS = 2
    with django_capture_on_commit_callbacks(execute=False):  # the second shard never runs
        result = tasks.compute_month(f"{R:%Y-%m}")
    run = IndicatorRun.objects.get(pk=result["run"])
    assert fanout.indicator_shard_compute(run_id=run.pk, number=0) == "computed"
    assert run.shards.filter(payload__isnull=False).count() == 1
    silent = timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1)
    IndicatorRun.objects.filter(pk=run.pk).update(heartbeat_at=silent)
    assert indicator_runs_sweep() == 1
    run.refresh_from_db()
    assert run.status == "failed" and not run.shards.filter(payload__isnull=False).exists()
    assert fanout.indicator_shard_compute(run_id=run.pk, number=1) == "run ended"
