from django.contrib import admin

from .models import Customer


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
