"""Starting the monthly job from a page: the request only queues it (on commit); a Celery
worker runs it and the page polls the run record."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import IndicatorRun, RunStatus
from .selectors import can_recompute
from .tasks import compute_month

# A run still "running" after this long was killed; it no longer blocks a new one.
STALE_AFTER = dt.timedelta(minutes=30)


def indicators_request(*, month: dt.date, by: User) -> None:
    if not can_recompute(user=by):
        raise PermissionDenied
    running = IndicatorRun.objects.filter(
        month=month,
        status=RunStatus.RUNNING,
        started_at__gte=timezone.now() - STALE_AFTER,
    ).exists()
    if running:
        raise ValidationError(
            _("%(month)s 的指标正在计算中，请稍候。") % {"month": f"{month:%Y-%m}"}
        )
    label = f"{month:%Y-%m}"
    transaction.on_commit(lambda: compute_month.delay(label))
