"""The indicator store in the admin site: read-only lists (rows are written only by the
monthly job)."""

from django.contrib import admin

from core.read_only_admin import ReadOnlyAdmin

from .models import CustomerIndicator, ExportJob, IndicatorRun, ManagerIndicator, ScopeIndicator


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
    list_filter = ["month", "scope_type", "object_type", "supply_state"]
    search_fields = ["scope_key", "object_key", "object_name"]
    date_hierarchy = "month"


@admin.register(CustomerIndicator)
class CustomerIndicatorAdmin(ReadOnlyAdmin):
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
    ]
    list_filter = ["month", "team"]
    search_fields = ["customer__code", "customer__name", "manager__username", "manager__name"]
    list_select_related = ["customer", "manager"]
    date_hierarchy = "month"


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
    ]
    list_filter = ["month", "team"]
    search_fields = ["manager__username", "manager__name"]
    list_select_related = ["manager", "team"]
    date_hierarchy = "month"


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


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Who exported what and whether it worked; the file itself is only for its requester
    (the download view), so the admin does not link it."""

    list_display = [
        "created_at",
        "kind",
        "requested_by",
        "status",
        "progress",
        "rows_total",
        "rows_written",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["requested_by__username", "filename", "error"]
    list_select_related = ["requested_by"]
    exclude = ["file"]
    date_hierarchy = "created_at"
