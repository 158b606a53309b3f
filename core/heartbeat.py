"""Telling a background job whose worker died from one that is still working.

A running job stamps ``heartbeat_at`` on its row: with each progress report, and from a
thread (``beating``) while its worker process lives, so a long step with no progress to
report — one transaction writing a month of indicators, a whole import — still counts as
alive. A running job silent for ``JOB_STALE_AFTER_SECONDS`` lost its worker (killed, out of
memory, time limit); a job still waiting for a worker is given up after the broker's
visibility timeout on top (a worker that died holding it hands it back only then). Pages
show such a job as failed at once and let it be started again; the sweep tasks record it
failed; a task that arrives for it later does nothing."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def stale_message() -> str:
    return gettext("后台进程中断，任务未能完成，可重新开始。")


def running_stale_before() -> dt.datetime:
    """A running job whose last sign of life is older than this lost its worker."""
    return timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def waiting_stale_before() -> dt.datetime:
    """A job queued before this and never taken by a worker will not be."""
    waited = settings.BROKER_VISIBILITY_TIMEOUT + settings.JOB_STALE_AFTER_SECONDS
    return timezone.now() - dt.timedelta(seconds=waited)


def is_overdue(*, running: bool, since: dt.datetime | None) -> bool:
    if since is None:
        return False
    return since < (running_stale_before() if running else waiting_stale_before())


@contextmanager
def beating(stamp: Callable[[], object]) -> Iterator[None]:
    """Call ``stamp()`` every fifth of ``JOB_STALE_AFTER_SECONDS`` from a thread while the
    block runs. The thread has its own database connection, so its stamps are seen while
    the block holds a long transaction open; it dies with the process, which is the point."""
    every = max(1.0, settings.JOB_STALE_AFTER_SECONDS / 5)
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(every):
                try:
                    stamp()
                except Exception:
                    # e.g. SQLite busy with the job's own transaction: the next beat may pass
                    logger.warning("job heartbeat failed", exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
