from django.contrib import admin

from .models import Customer, CustomerChange


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "manager",
        "tier",
        "business_format",
        "market_type",
        "trade_area",
        "visit_method",
        "visit_frequency",
        "status",
    ]
    list_filter = [
        "status",
        "market_type",
        "business_format",
        "visit_method",
        "visit_frequency",
        "manager__team",
    ]
    search_fields = [
        "code",
        "name",
        "license_no",
        "address",
        "phone",
        "manager__username",
        "manager__name",
    ]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    show_full_result_count = False


@admin.register(CustomerChange)
class CustomerChangeAdmin(admin.ModelAdmin):
    """The audit trail of profile edits: read-only."""

    list_display = ["changed_at", "customer", "field", "old_value", "new_value", "changed_by"]
    list_filter = ["field", "changed_at"]
    search_fields = ["customer__code", "customer__name", "changed_by__username"]
    list_select_related = ["customer", "changed_by"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
