"""The offline queue's writes (ARCHITECTURE.md, "The offline queue").

The visit log queues every field save on the device while there is no connection, each
with an id the device made (``client_id``, a UUID) and the device's time of the tap
(``tapped_at``). When the queue is sent, a write is applied once per user and client id:
``client_write_once`` locks the month's cycle (every execution write of the manager waits
there), looks the id up, applies the write and records it (``ClientWrite``) in the same
transaction; a replay finds the record and changes nothing.

The rules for what the device says:

* the tap time (``tap_time``): the device's clock, but never later than the server's —
  a tap "in the future" (a device clock ahead, beyond ``CLOCK_SKEW`` or not) is clamped to
  the time the server received it. A tap outside the visit's day is refused by the writes
  themselves (签到、签离时间须在拜访当天); the device keeps it as 未能同步 with its content.
* a mark on an action removed from the plan meanwhile (``NotAllowedNow`` code "removed"):
  the mark is not applied and the write is recorded as a note on the visit
  (``SyncOutcome.KEPT``), shown on the visit log. Nothing the manager did is dropped.
* the month's results closed meanwhile, or an input refused: nothing is written or
  recorded; the device shows the queued item as 未能同步 with its content.
* text fields (market information, feeling) and checks: the last write sent wins, in the
  order of the queue (the device sends its queue oldest first)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..models import ClientWrite, SyncOutcome, Visit
from .errors import NotAllowedNow
from .visits import execution_lock

# a device clock this far ahead of the server's still counts as "now" (it is clamped
# anyway: a tap is never recorded later than the server received it)
CLOCK_SKEW = dt.timedelta(minutes=2)
# refusals whose write is kept as a note on the visit instead of being lost
KEPT_CODES = frozenset({"removed"})

APPLIED = "applied"
REPLAYED = "replayed"
KEPT = "kept"


@dataclass(frozen=True)
class Synced:
    """What became of one write: ``applied`` (``result`` is the write's), ``replayed``
    (applied before: nothing changed) or ``kept`` (kept as a note, ``note``)."""

    state: str
    result: Any = None
    note: str = ""


def tap_time(*, tapped_at: dt.datetime | None) -> dt.datetime:
    """When a tap happened, by the rule above: the device's time, clamped to now."""
    now = timezone.now()
    if tapped_at is None or tapped_at > now:
        return now
    return tapped_at


def client_write_applied(*, by: User, client_id: uuid.UUID) -> ClientWrite | None:
    """The record of ``by``'s write ``client_id``, if it was applied; call under the lock."""
    return ClientWrite.objects.filter(user=by, client_id=client_id).first()


def client_write_once(
    *,
    visit: Visit,
    by: User,
    client_id: uuid.UUID | None,
    field: str,
    value: str,
    tapped_at: dt.datetime | None,
    write: Callable[[], Any],
    kept_note: str = "",
) -> Synced:
    """Apply ``write`` (one field's service call) once for ``client_id``; without an id
    (a save from the page itself, not from the queue) it is simply applied."""
    with transaction.atomic():
        execution_lock(cycle=visit.cycle, by=by)  # replays of one manager wait here
        if client_id is not None and client_write_applied(by=by, client_id=client_id):
            return Synced(REPLAYED)
        try:
            with transaction.atomic():
                result = write()
        except NotAllowedNow as exc:
            if client_id is None or exc.code not in KEPT_CODES:
                raise
            note = kept_note or " ".join(exc.messages)
            client_write_record(
                visit=visit,
                by=by,
                client_id=client_id,
                field=field,
                value=value,
                tapped_at=tapped_at,
                outcome=SyncOutcome.KEPT,
                note=note,
            )
            return Synced(KEPT, note=note)
        if client_id is not None:
            client_write_record(
                visit=visit,
                by=by,
                client_id=client_id,
                field=field,
                value=value,
                tapped_at=tapped_at,
            )
        return Synced(APPLIED, result)


def client_write_record(
    *,
    visit: Visit,
    by: User,
    client_id: uuid.UUID,
    field: str,
    value: str,
    tapped_at: dt.datetime | None,
    outcome: str = SyncOutcome.APPLIED,
    note: str = "",
) -> ClientWrite:
    """Record that ``client_id`` was applied (inside the write's transaction)."""
    if by.pk != visit.cycle.manager_id:
        raise PermissionDenied
    return ClientWrite.objects.create(
        user=by,
        client_id=client_id,
        visit=visit,
        field=field[:40],
        value=value[:4000],
        tapped_at=tapped_at,
        outcome=outcome,
        note=note,
    )
