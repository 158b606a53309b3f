"""Starting the monthly job from a page: the request records the run ``queued`` and queues
it (on commit); a Celery worker takes that run and the page polls it. A run that could not
be queued is failed at once with the reason; one whose worker died (core/heartbeat.py) no
longer blocks a new one and is recorded failed by the sweep."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from core.heartbeat import running_stale_before, stale_message, waiting_stale_before
from core.months import month_start
from core.queue import enqueue

from .models import IndicatorRun, IndicatorShard, RunStatus


def indicators_request(*, month: dt.date, by: User) -> IndicatorRun:
    """The queued run of ``month``; ValidationError while another one is under way."""
    from .tasks import compute_month

    if not policy.can_recompute(by):
        raise PermissionDenied
    month = month_start(month)
    indicator_runs_sweep(month=month)
    if IndicatorRun.objects.filter(
        month=month, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).exists():
        raise ValidationError(
            _("%(month)s 的指标正在计算中，请稍候。") % {"month": f"{month:%Y-%m}"}
        )
    now = timezone.now()
    run = IndicatorRun.objects.create(
        month=month, status=RunStatus.QUEUED, started_at=now, heartbeat_at=now
    )
    enqueue(
        compute_month,
        f"{month:%Y-%m}",
        run.pk,
        on_failure=lambda message: indicator_run_fail(run_id=run.pk, message=message),
    )
    return run


def indicator_run_fail(*, run_id: int, message: str) -> None:
    """Record a run that never reached a worker as failed (only while still queued)."""
    IndicatorRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now()
    )


def indicator_runs_sweep(*, month: dt.date | None = None) -> int:
    """Record the runs whose worker died as failed; how many."""
    running_before = running_stale_before()
    stale = IndicatorRun.objects.filter(
        Q(status=RunStatus.QUEUED, started_at__lt=waiting_stale_before())
        | Q(status=RunStatus.RUNNING, heartbeat_at__lt=running_before)
        | Q(status=RunStatus.RUNNING, heartbeat_at__isnull=True, started_at__lt=running_before)
    )
    if month is not None:
        stale = stale.filter(month=month)
    swept = stale.update(status=RunStatus.FAILED, error=stale_message(), finished_at=timezone.now())
    # the results a fanned-out run's shards left for a last step that will never come
    IndicatorShard.objects.filter(payload__isnull=False).exclude(
        run__status=RunStatus.RUNNING
    ).update(payload=None)
    return swept
