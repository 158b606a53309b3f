"""Writing satisfaction answers: one service for the three channels (the import writes its
own rows in bulk, ``importers.py``). An answer is whole (every active dimension scored 1–5),
one per customer per period, recorded with its channel and the customer's manager."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import can_enter_satisfaction
from customers.models import Customer

from .models import SCORE_MAX, SCORE_MIN, Channel, Response, Score, Survey
from .selectors import active_dimensions, callback_sample_ids


class AlreadyAnswered(ValidationError):
    """The customer has answered this period already (through any channel)."""


def response_record(
    *,
    survey: Survey,
    customer: Customer,
    channel: Channel,
    scores: dict[str, int],
    by: User | None = None,
) -> Response:
    """Record ``customer``'s answer of ``survey``: ``scores`` by dimension code, every
    active dimension 1–5. ``by``: who entered it (None for the customer's own QR answer).
    A callback is entered only by whoever ``can_enter_satisfaction`` for the customer's
    manager, and only for a customer of the period's sample of their team."""
    dimensions = active_dimensions()
    missing = [d.name for d in dimensions if d.code not in scores]
    if missing:
        raise ValidationError(_("请为每一项打分：%(names)s。") % {"names": "、".join(missing)})
    bad = [
        d.name
        for d in dimensions
        if not isinstance(scores[d.code], int) or not SCORE_MIN <= scores[d.code] <= SCORE_MAX
    ]
    if bad:
        raise ValidationError(_("评分应为 1–5 分：%(names)s。") % {"names": "、".join(bad)})
    with transaction.atomic():
        # the customer row is the lock: two answers of one customer go one after the other
        customer = (
            Customer.objects.select_for_update(of=("self",))
            .select_related("manager__team")
            .get(pk=customer.pk)
        )
        if channel == Channel.CALLBACK:
            _check_callback(survey=survey, customer=customer, by=by)
        elif channel == Channel.QR and by is not None:
            raise PermissionDenied
        if Response.objects.filter(survey=survey, customer=customer).exists():
            raise AlreadyAnswered(_("该客户本期已经评价过，每期只能评价一次。"))
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    survey=survey,
                    customer=customer,
                    manager=customer.manager,
                    channel=channel,
                    answered_at=timezone.now(),
                    entered_by=by,
                )
        except IntegrityError:
            raise AlreadyAnswered(_("该客户本期已经评价过，每期只能评价一次。")) from None
        Score.objects.bulk_create(
            Score(response=response, dimension=d, score=scores[d.code]) for d in dimensions
        )
    return response


def _check_callback(*, survey: Survey, customer: Customer, by: User | None) -> None:
    manager = customer.manager
    if by is None or not can_enter_satisfaction(by, manager):
        raise PermissionDenied
    team = manager.team if manager.team_id else None
    if team is None or customer.pk not in callback_sample_ids(team=team, survey=survey):
        raise ValidationError(_("该客户不在本期电话回访样本中。"))


# the survey's default dimensions (as migration 0002 creates them): code, name
DEFAULT_DIMENSIONS = [
    ("supply", "货源供应"),
    ("brands_prices", "品牌与价格"),
    ("service", "客户经理服务"),
    ("delivery", "配送"),
    ("ordering", "订货便利"),
    ("overall", "总体满意"),
]


def dimensions_ensure_defaults() -> int:
    """Create the default dimensions when none exists (a database emptied after migrating,
    as the demo's --flush and the transactional tests leave it); how many were created."""
    from .models import Dimension

    if Dimension.objects.exists():
        return 0
    Dimension.objects.bulk_create(
        Dimension(code=code, name=name, position=position * 10)
        for position, (code, name) in enumerate(DEFAULT_DIMENSIONS, start=1)
    )
    return len(DEFAULT_DIMENSIONS)
