from django.contrib import admin

from .models import Forecast, InventoryCheck, MarketInfo, OrderLine, PriceCheck, ShelfCheck


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ["order_date", "customer", "sku", "quantity", "requested_quantity", "amount"]
    list_filter = ["order_date", "sku__is_key_brand", "sku__price_class"]
    search_fields = ["customer__code", "customer__name", "sku__code", "sku__name"]
    list_select_related = ["customer", "sku"]
    raw_id_fields = ["customer", "sku"]
    date_hierarchy = "order_date"
    show_full_result_count = False


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["month", "customer", "quantity", "updated_at"]
    list_filter = ["month"]
    search_fields = ["customer__code", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    show_full_result_count = False


class ObservationAdmin(admin.ModelAdmin):
    list_filter = ["observed_at"]
    search_fields = ["customer__code", "customer__name"]
    list_select_related = ["customer", "recorded_by"]
    raw_id_fields = ["customer", "recorded_by"]
    date_hierarchy = "observed_at"


@admin.register(ShelfCheck)
class ShelfCheckAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "sku", "on_shelf", "recorded_by"]
    list_filter = ["on_shelf", "observed_at"]
    search_fields = [*ObservationAdmin.search_fields, "sku__code", "sku__name"]
    raw_id_fields = [*ObservationAdmin.raw_id_fields, "sku"]


@admin.register(InventoryCheck)
class InventoryCheckAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "sku", "quantity", "recorded_by"]
    search_fields = [*ObservationAdmin.search_fields, "sku__code", "sku__name"]
    raw_id_fields = [*ObservationAdmin.raw_id_fields, "sku"]


@admin.register(PriceCheck)
class PriceCheckAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "sku", "price", "recorded_by"]
    search_fields = [*ObservationAdmin.search_fields, "sku__code", "sku__name"]
    raw_id_fields = [*ObservationAdmin.raw_id_fields, "sku"]


@admin.register(MarketInfo)
class MarketInfoAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "content", "recorded_by"]
    search_fields = [*ObservationAdmin.search_fields, "content"]
