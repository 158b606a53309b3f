"""Excel export of exactly the rows a list shows (after its filters), Chinese headers,
written by the shared workbook writer (``core.xlsx``)."""

from django.utils.translation import gettext as _

from core.xlsx import CHUNK, Column, Sheet, workbook_bytes, write_workbook

from .models import BusinessFormat, CustomerStatus, MarketType, VisitFrequency, VisitMethod


def customers_workbook(customers) -> bytes:
    """``customers``: the filtered queryset; streamed so 30,000 rows stay cheap."""
    return workbook_bytes([_sheet(customers)])


def write_customers(customers, target, *, progress=None) -> int:
    """Write the workbook to ``target`` (a path or a binary file); the rows written.
    ``progress(rows)`` is called every ``core.xlsx.CHUNK`` rows."""
    return write_workbook(target, [_sheet(customers)], progress=progress)


def _sheet(customers) -> Sheet:
    labels = {
        "business_format": dict(BusinessFormat.choices),
        "market_type": dict(MarketType.choices),
        "visit_method": dict(VisitMethod.choices),
        "visit_frequency": dict(VisitFrequency.choices),
        "status": dict(CustomerStatus.choices),
    }
    fields = [
        ("code", Column(_("客户编码"), 16)),
        ("name", Column(_("客户名称"), 24)),
        ("license_no", Column(_("许可证号"), 16)),
        ("manager__username", Column(_("客户经理账号"), 12)),
        ("manager__name", Column(_("客户经理"), 10)),
        ("contact", Column(_("联系人"), 10)),
        ("phone", Column(_("电话"), 14)),
        ("address", Column(_("地址"), 36)),
        ("business_format", Column(_("经营业态"), 10)),
        ("tier", Column(_("档位"), 6)),
        ("market_type", Column(_("市场类型"), 8)),
        ("trade_area", Column(_("商圈"), 14)),
        ("visit_method", Column(_("拜访方式"), 10)),
        ("visit_frequency", Column(_("拜访频率"), 8)),
        ("status", Column(_("状态"), 6)),
        ("latitude", Column(_("纬度"), 11)),
        ("longitude", Column(_("经度"), 11)),
    ]
    names = [name for name, _column in fields]
    # the choice columns' labels as text, by column position; the other columns as stored
    words = {
        index: {code: str(label) for code, label in labels[name].items()}
        for index, name in enumerate(names)
        if name in labels
    }
    return Sheet(_("客户"), [column for _name, column in fields], _rows(customers, names, words))


def _rows(customers, names: list[str], words: dict[int, dict]):
    """The rows streamed from the database (a server-side cursor on PostgreSQL), ``CHUNK``
    at a time, choice codes in words."""
    for row in customers.values_list(*names).iterator(chunk_size=CHUNK):
        row = list(row)
        for index, labels in words.items():
            if value := row[index]:
                row[index] = labels.get(value, value)
        yield row
