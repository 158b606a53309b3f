from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.read_only_admin import ReadOnlyAdmin

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
class CustomerChangeAdmin(ReadOnlyAdmin):
    """The audit trail of profile edits: read-only."""

    list_display = ["changed_at", "customer", "field_name", "old_value", "new_value", "changed_by"]
    list_filter = [
        "changed_at",
        "field",
        ("changed_by", admin.RelatedOnlyFieldListFilter),
        "customer__manager__team",
    ]
    search_fields = [
        "customer__code",
        "customer__name",
        "changed_by__username",
        "changed_by__name",
        "old_value",
        "new_value",
    ]
    list_select_related = ["customer", "changed_by"]
    date_hierarchy = "changed_at"

    @admin.display(description=_("字段"), ordering="field")
    def field_name(self, obj):
        return obj.field_label
