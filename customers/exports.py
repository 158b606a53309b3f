"""Excel export of exactly the rows a list shows (after its filters), Chinese headers."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import BusinessFormat, CustomerStatus, MarketType, VisitFrequency, VisitMethod

# an export job (reports.export_jobs) hears of the progress after every this many rows
CHUNK = 2000


def customers_workbook(customers) -> bytes:
    """``customers``: the filtered queryset; streamed so 30,000 rows stay cheap."""
    buffer = io.BytesIO()
    write_customers(customers, buffer)
    return buffer.getvalue()


def write_customers(customers, target, *, progress=None) -> int:
    """Write the workbook to ``target`` (a path or a binary file); the rows written.
    ``progress(rows)`` is called every ``CHUNK`` rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("客户"))
    labels = {
        "business_format": dict(BusinessFormat.choices),
        "market_type": dict(MarketType.choices),
        "visit_method": dict(VisitMethod.choices),
        "visit_frequency": dict(VisitFrequency.choices),
        "status": dict(CustomerStatus.choices),
    }
    columns = [
        ("code", _("客户编码")),
        ("name", _("客户名称")),
        ("license_no", _("许可证号")),
        ("manager__username", _("客户经理账号")),
        ("manager__name", _("客户经理")),
        ("contact", _("联系人")),
        ("phone", _("电话")),
        ("address", _("地址")),
        ("business_format", _("经营业态")),
        ("tier", _("档位")),
        ("market_type", _("市场类型")),
        ("trade_area", _("商圈")),
        ("visit_method", _("拜访方式")),
        ("visit_frequency", _("拜访频率")),
        ("status", _("状态")),
        ("latitude", _("纬度")),
        ("longitude", _("经度")),
    ]
    widths = [16, 24, 16, 12, 10, 10, 14, 36, 10, 6, 8, 14, 10, 8, 6, 11, 11]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header = []
    for _field, title in columns:
        cell = _cell(sheet, title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    fields = [field for field, _title in columns]
    written = 0
    for row in customers.values_list(*fields).iterator(chunk_size=CHUNK):
        sheet.append(
            [
                str(labels[field].get(value, value)) if field in labels and value else value
                for field, value in zip(fields, row, strict=True)
            ]
        )
        written += 1
        if progress is not None and written % CHUNK == 0:
            progress(written)
    book.save(target)
    return written


def export_filename(prefix: str) -> str:
    return f"{prefix}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def _cell(sheet, value):
    return WriteOnlyCell(sheet, value=value)
