"""The visit audit (拜访稽核) as an Excel workbook: the summary per customer manager, every
short visit, every customer without a valid visit, and the day × manager table — the page's
tables without its paging (the page lists only the first unvisited customers per manager)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.xlsx import DATE, TIME, Column, Sheet
from customers.models import VisitFrequency, VisitMethod

from .selectors.visit_audit import VisitAudit


def audit_row_count(audit: VisitAudit) -> int:
    """The data rows of the workbook: decides whether it is written in the request or as an
    export job. Two count queries."""
    return (
        len(audit.managers)
        + audit.short_visits().count()
        + audit.unvisited_customers().count()
        + (audit.last_day - audit.month).days
        + 1
    )


def audit_sheets(audit: VisitAudit) -> list[Sheet]:
    return [_summary(audit), _short(audit), _unvisited(audit), _days(audit)]


def _summary(audit: VisitAudit) -> Sheet:
    columns = [
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        Column(_("有效拜访"), 10),
        Column(_("短时拜访"), 10),
        Column(_("未拜访客户"), 11),
        Column(_("客户总数"), 10),
        Column(_("超量日"), 8),
        Column(_("零拜访日"), 9),
    ]
    rows = [
        [
            r.manager.username,
            r.manager.display_name,
            r.valid,
            r.short,
            r.unvisited,
            r.customers,
            r.over_days,
            r.zero_days,
        ]
        for r in audit.rows
    ]
    return Sheet(_("汇总"), columns, rows)


def _short(audit: VisitAudit) -> Sheet:
    methods = dict(VisitMethod.choices)
    columns = [
        Column(_("日期"), 11, DATE),
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        Column(_("客户编码"), 16),
        Column(_("客户名称"), 24),
        Column(_("方式"), 8),
        Column(_("进店"), 10, TIME),
        Column(_("离店"), 10, TIME),
        Column(_("停留（秒）"), 10),
    ]

    def rows():
        for v in audit.short_visits().iterator(chunk_size=2000):
            yield [
                v.date,
                v.cycle.manager.username,
                v.cycle.manager.display_name,
                v.customer.code,
                v.customer.name,
                str(methods.get(v.method, v.method)),
                _local_time(v.checked_in_at),
                _local_time(v.checked_out_at),
                v.seconds,
            ]

    return Sheet(_("短时拜访"), columns, rows())


def _unvisited(audit: VisitAudit) -> Sheet:
    frequencies = dict(VisitFrequency.choices)
    columns = [
        Column(_("账号"), 10),
        Column(_("客户经理"), 12),
        Column(_("客户编码"), 16),
        Column(_("客户名称"), 24),
        Column(_("商圈"), 14),
        Column(_("拜访频率"), 9),
        Column(_("地址"), 36),
    ]

    def rows():
        for c in audit.unvisited_customers().iterator(chunk_size=2000):
            yield [
                c.manager.username,
                c.manager.display_name,
                c.code,
                c.name,
                c.trade_area,
                str(frequencies.get(c.visit_frequency, c.visit_frequency)),
                c.address,
            ]

    return Sheet(_("无有效拜访的客户"), columns, rows())


def _days(audit: VisitAudit) -> Sheet:
    columns = [
        Column(_("日期"), 11, DATE),
        Column(_("星期"), 6),
        *[Column(m.display_name, 10) for m in audit.managers],
        Column(_("短时拜访"), 10),
    ]
    rows = [
        [day.date, str(day.weekday), *[c.valid for c in day.cells], sum(c.short for c in day.cells)]
        for day in audit.days
    ]
    rows.append(["", _("合计"), *[r.valid for r in audit.rows], sum(r.short for r in audit.rows)])
    return Sheet(_("每日有效拜访"), columns, rows)


def _local_time(value):
    return timezone.localtime(value).time().replace(microsecond=0) if value else None
