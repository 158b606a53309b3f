"""Handing a background job to Celery from a request: the one place that publishes.

The caller has written the job's row first; the task is published once the request's
transaction commits (at once when there is none). When the broker cannot take it within its
short timeouts (config/settings/base.py, "Background jobs"), ``on_failure`` records the job
failed with a message the user reads where they are: no row waits for a worker that will
never hear of it, and the request answers in seconds instead of a bare 500.

Jobs are sent with ``ignore_result``: their rows carry the outcome, and reading the result
store would make the request wait on Redis a second time (its own retries take ~20 s)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def queue_unavailable_message() -> str:
    return gettext("后台任务队列暂时不可用，任务未能开始，请稍后再试。")


def enqueue(task, *args, on_failure: Callable[[str], object]) -> None:
    """Publish ``task(*args)`` after commit; ``on_failure(message)`` if it could not be."""

    def publish() -> None:
        try:
            task.apply_async(args=args, ignore_result=True)
        except Exception:
            if task.app.conf.task_always_eager:
                # No broker: the task ran right here and failed; it has recorded its own
                # failure on its row, which the page shows.
                logger.exception("task %s failed in process", task.name)
                return
            logger.exception("could not queue %s%r", task.name, args)
            try:
                on_failure(queue_unavailable_message())
            except Exception:
                # the database went too: the job is swept as stale later; the page still answers
                logger.exception("could not record that %s%r was not queued", task.name, args)

    transaction.on_commit(publish)


def enqueue_group(signatures: list, *, on_failure: Callable[[str], object]) -> None:
    """Publish the tasks ``signatures`` (``task.si(...)``) as one Celery group after commit,
    for workers to share; ``on_failure(message)`` if the broker could not take them."""
    from celery import group

    def publish() -> None:
        try:
            group(signatures).apply_async(ignore_result=True)
        except Exception:
            if signatures and signatures[0].app.conf.task_always_eager:
                logger.exception("a task of a group failed in process")
                return
            logger.exception("could not queue a group of %d tasks", len(signatures))
            try:
                on_failure(queue_unavailable_message())
            except Exception:
                logger.exception("could not record that a group was not queued")

    transaction.on_commit(publish)
