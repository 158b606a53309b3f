"""The plan's demand forecasts, typed in the grid or uploaded as a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.tabular.columns import RowError
from core.tabular.reading import ImportFileError, read_upload
from core.tabular.upload_checks import check_content
from markets.services import forecasts_check, forecasts_save

from ..models import (
    Cycle,
)
from ..selectors import own_customers
from .plans import check_plan_writer, plan_lock


def plan_forecasts_save(*, cycle: Cycle, by: User, quantities: dict) -> int:
    """Save the plan month's forecasts typed in the grid: customer id → cartons (None
    clears). Every customer must be the manager's own and every number valid, or nothing
    is saved. Returns how many were saved."""
    with transaction.atomic():
        locked = plan_lock(cycle=cycle, by=by)
        own = set(
            own_customers(locked).filter(pk__in=list(quantities)).values_list("pk", flat=True)
        )
        if set(quantities) - own:
            raise ValidationError({"customer": _("只能填写您名下有效客户的预测。")})
        forecasts_save(month=locked.month, quantities=quantities)
    return len(quantities)


@dataclass
class ForecastImport:
    written: int = 0
    # the first IMPORT_MAX_ERRORS errors by row; error_count counts them all
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def more_errors(self) -> int:
        """Errors found but not listed."""
        return self.error_count - len(self.errors)

    @classmethod
    def refused(cls, message) -> ForecastImport:
        """The file as a whole is refused (shown as one error without a row)."""
        return cls(errors=[RowError(0, "", "", str(message))], error_count=1)


def plan_forecasts_import(
    *, cycle: Cycle, by: User, content: bytes, filename: str
) -> ForecastImport:
    """Import the plan month's forecasts from a file (客户编码, 预测量): all or nothing.

    The file is read and checked before the plan is locked, however long that takes; only
    the write takes the lock (plan_forecasts_save, which checks again that the plan may
    change and the customers are still the manager's). A file may hold one row per customer
    of the manager, plus FORECAST_IMPORT_EXTRA_ROWS."""
    check_content(
        content=content,
        filename=filename,
        max_bytes=settings.FORECAST_IMPORT_MAX_BYTES,
        max_unzipped_bytes=settings.FORECAST_IMPORT_MAX_UNZIPPED_BYTES,
    )
    check_plan_writer(cycle, by)  # refused before any work; checked again under the lock
    codes = dict(own_customers(cycle).values_list("code", "pk"))
    try:
        rows = read_upload(
            content,
            filename,
            max_rows=len(codes) + settings.FORECAST_IMPORT_EXTRA_ROWS,
            max_unzipped_bytes=settings.FORECAST_IMPORT_MAX_UNZIPPED_BYTES,
            too_many_rows_hint=_("预测文件每个客户一行，您名下有 %(n)s 个有效客户。")
            % {"n": len(codes)},
        )
        quantities, table = forecasts_check(
            rows=rows, month=cycle.month, customer_ids_by_code=codes
        )
    except ImportFileError as exc:
        return ForecastImport.refused(exc)
    if table.errors:
        return ForecastImport(errors=table.sorted_errors(), error_count=table.error_count)
    if not quantities:
        return ForecastImport.refused(_("文件没有数据行。"))
    return ForecastImport(written=plan_forecasts_save(cycle=cycle, by=by, quantities=quantities))
