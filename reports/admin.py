"""The indicator store in the admin site: read-only lists (rows are written only by the
monthly job). The customer and scope indicators grow by about 30,000 and 95,000 rows a month
at city scale: months are picked in the sidebar (no date hierarchy reading every row) and
each list is ordered along an index."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_lists import ReferenceSearchMixin, month_filter
from core.read_only_admin import ReadOnlyAdmin

from .models import CustomerIndicator, IndicatorRun, ManagerIndicator, ScopeIndicator


@admin.register(ScopeIndicator)
class ScopeIndicatorAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "scope_type",
        "scope_key",
        "object_type",
        "object_key",
        "object_name",
        "customers",
        "coverage_rate",
        "shelf_rate",
        "repurchase_rate",
        "volume",
        "share",
        "supply_state",
    ]
    list_filter = [month_filter("month"), "scope_type", "object_type", "supply_state"]
    search_fields = ["scope_key__exact", "object_key__exact", "object_name__contains"]
    search_help_text = _("输入完整的范围编码或对象编码，或对象名称中的文字。")
    # the unique index read backwards: mixed directions would sort a month's 95,000 rows
    ordering = ["-month", "-scope_type", "-scope_key", "-object_type", "-object_key"]


@admin.register(CustomerIndicator)
class CustomerIndicatorAdmin(ReferenceSearchMixin, ReadOnlyAdmin):
    list_display = [
        "month",
        "customer",
        "manager",
        "volume",
        "amount",
        "order_days",
        "distinct_skus",
        "volume_change_mom",
        "forecast",
        "forecast_error",
        "gross_profit",
    ]
    list_filter = [month_filter("month"), "team"]
    search_fields = [
        "customer__code__exact",
        "customer__name__startswith",
        "manager__username__exact",
        "manager__name__startswith",
    ]
    search_help_text = _("输入完整的客户编码或用户名，或客户名称、客户经理姓名的开头几个字。")
    # a month's 30,000 rows are sorted by customer on the way: without the joins
    list_select_related = []
    list_prefetch_related = ["customer", "manager"]


@admin.register(ManagerIndicator)
class ManagerIndicatorAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "manager",
        "team",
        "customers",
        "volume",
        "volume_growth_mom",
        "forecast_accuracy",
        "forecast_bias",
        "forecast_coverage",
        "gross_profit",
        "profit_grew_share",
    ]
    list_filter = [month_filter("month"), "team"]
    search_fields = ["manager__username", "manager__name"]
    list_select_related = ["manager", "team"]


@admin.register(IndicatorRun)
class IndicatorRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "month",
        "status",
        "progress",
        "step",
        "rows_written",
        "finished_at",
    ]
    list_filter = ["status", "month"]
    search_fields = ["error", "step"]
    date_hierarchy = "started_at"
