"""Brand cultivation (品牌培育): a brand manager sends a task for a key SKU to the owners of
the matching customers; each owner receives one work arrangement listing their customers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policy import can_send_brand_task
from core.months import month_start
from core.text import clean_text

from ..models import ArrangementTarget, BrandTask
from ..selectors.brand_tasks import Criteria, brand_task_targets
from .feed import arrangement_post

MAX_TARGET_CUSTOMERS = 20_000


def brand_task_send(
    *, by: User, sku, month: dt.date, content: str, criteria: Criteria
) -> BrandTask:
    if not can_send_brand_task(by):
        raise PermissionDenied
    if not (sku.is_key_brand and sku.status == "active"):
        raise ValidationError({"sku": _("品牌培育只针对在销的重点品牌单品。")})
    # the same customers as the form's live count (cycle.selectors.brand_tasks)
    rows = list(brand_task_targets(user=by, criteria=criteria).values_list("manager_id", "pk"))
    if not rows:
        raise ValidationError({"criteria": _("没有符合条件的客户，请放宽筛选条件。")})
    if len(rows) > MAX_TARGET_CUSTOMERS:
        raise ValidationError(
            {"criteria": _("目标客户过多（%(n)s 户），请缩小范围。") % {"n": f"{len(rows):,}"}}
        )
    by_manager: dict[int, list[int]] = defaultdict(list)
    for manager_id, customer_id in rows:
        by_manager[manager_id].append(customer_id)
    managers = {u.pk: u for u in User.objects.filter(pk__in=by_manager)}
    with transaction.atomic():
        task = BrandTask.objects.create(
            author=by,
            sku=sku,
            month=month_start(month),
            content=clean_text(content),
            criteria=criteria.as_dict(),
            customers_count=len(rows),
            managers_count=len(by_manager),
        )
        task.full_clean()
        for manager_id, customer_ids in sorted(by_manager.items()):
            arrangement_post(
                manager=managers[manager_id],
                by=by,
                text=task.content,
                target=ArrangementTarget.MONTH_PLAN,
                month=task.month,
                customer_ids=customer_ids,
                brand_task=task,
            )
    return task
