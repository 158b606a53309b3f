"""Order lines, forecasts and visit observations in the admin site. Order lines reach
millions of rows (7.5 million over three months at city scale), so these lists follow
core.admin_lists: a month filter instead of a date hierarchy, an estimated count, search
through the customer and SKU tables, and an ordering an index answers. A SKU's order lines
are the exception: markets_orderline has no index on sku_id (one more b-tree on every bulk
import), so they are found by reading the table, about a second at city scale."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_lists import LargeTableAdmin, ReferenceSearchMixin, month_filter
from core.read_only_admin import ReadOnlyAdmin

from .models import (
    Forecast,
    InventoryCheck,
    MarketInfo,
    OrderLine,
    OrderMonthImport,
    PriceCheck,
    ShelfCheck,
)

# exact codes and name prefixes: the customer and SKU tables answer them in milliseconds
REFERENCE_SEARCH = ["customer__code__exact", "customer__name__startswith"]
SKU_SEARCH = ["sku__code__exact", "sku__name__startswith"]
CUSTOMER_HELP = _("输入完整的客户编码，或客户名称的开头几个字。")
SKU_HELP = _("输入完整的客户编码或单品编码，或客户名称、单品名称的开头几个字。")


class PriceClassFilter(admin.SimpleListFilter):
    """The SKU's price class 1–5 (the model's check constraint). Django's default filter for
    a field without choices would read the distinct values over every order line."""

    title = _("价类")
    parameter_name = "price_class"

    def lookups(self, request, model_admin):
        return [(str(value), str(value)) for value in range(1, 6)]

    def queryset(self, request, queryset):
        if self.value() not in {str(value) for value in range(1, 6)}:
            return None
        return queryset.filter(sku__price_class=int(self.value()))


@admin.register(OrderLine)
class OrderLineAdmin(ReferenceSearchMixin, LargeTableAdmin):
    list_display = ["order_date", "customer", "sku", "quantity", "requested_quantity", "amount"]
    list_filter = [month_filter("order_date"), "sku__is_key_brand", PriceClassFilter]
    search_fields = [*REFERENCE_SEARCH, *SKU_SEARCH]
    search_help_text = SKU_HELP
    list_select_related = []
    list_prefetch_related = ["customer", "sku"]
    raw_id_fields = ["customer", "sku"]
    # Newest first, read backwards along the (order_date, id) index; sorting millions of
    # lines by a column without an index would take seconds.
    ordering = ["-order_date", "-id"]
    sortable_by = ["order_date"]


@admin.register(Forecast)
class ForecastAdmin(ReferenceSearchMixin, LargeTableAdmin):
    list_display = ["month", "customer", "quantity", "updated_at"]
    list_filter = [month_filter("month")]
    search_fields = REFERENCE_SEARCH
    search_help_text = CUSTOMER_HELP
    # a month's 30,000 forecasts are sorted by customer on the way: without the join
    list_select_related = []
    list_prefetch_related = ["customer"]
    raw_id_fields = ["customer"]


class ObservationAdmin(ReferenceSearchMixin, LargeTableAdmin):
    list_filter = [month_filter("observed_at")]
    search_fields = REFERENCE_SEARCH
    search_help_text = CUSTOMER_HELP
    list_select_related = ["customer", "recorded_by"]
    raw_id_fields = ["customer", "recorded_by"]
    # The latest recorded first: the primary key's index. observed_at has no index of its
    # own (the checks are read per customer and SKU), so ordering by it sorts the table.
    ordering = ["-id"]


@admin.register(ShelfCheck)
class ShelfCheckAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "sku", "on_shelf", "recorded_by"]
    list_filter = ["on_shelf", *ObservationAdmin.list_filter]
    search_fields = [*REFERENCE_SEARCH, *SKU_SEARCH]
    search_help_text = SKU_HELP
    list_select_related = [*ObservationAdmin.list_select_related, "sku"]
    raw_id_fields = [*ObservationAdmin.raw_id_fields, "sku"]


@admin.register(InventoryCheck)
class InventoryCheckAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "sku", "quantity", "recorded_by"]
    search_fields = [*REFERENCE_SEARCH, *SKU_SEARCH]
    search_help_text = SKU_HELP
    list_select_related = [*ObservationAdmin.list_select_related, "sku"]
    raw_id_fields = [*ObservationAdmin.raw_id_fields, "sku"]


@admin.register(PriceCheck)
class PriceCheckAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "sku", "price", "recorded_by"]
    search_fields = [*REFERENCE_SEARCH, *SKU_SEARCH]
    search_help_text = SKU_HELP
    list_select_related = [*ObservationAdmin.list_select_related, "sku"]
    raw_id_fields = [*ObservationAdmin.raw_id_fields, "sku"]


@admin.register(MarketInfo)
class MarketInfoAdmin(ObservationAdmin):
    list_display = ["observed_at", "customer", "content", "recorded_by"]
    search_fields = [*REFERENCE_SEARCH, "content"]
    search_help_text = _("输入完整的客户编码、客户名称的开头几个字，或市场信息中的文字。")


@admin.register(OrderMonthImport)
class OrderMonthImportAdmin(ReadOnlyAdmin):
    """Which file each month's order lines were last imported from (PostgreSQL): what lets an
    unchanged file be recognised without reading it. Written by the order import only and
    forgotten by a trigger on any write to the month's lines, so never edited here."""

    list_display = ["month", "lines", "months_in_file", "whole_month", "file_digest"]
    ordering = ["-month"]
    search_fields = ["content_sha256__startswith"]
    search_help_text = _("输入文件 SHA-256 的开头几位。")

    @admin.display(description=_("文件行数"), ordering="rows_total")
    def lines(self, obj):
        return obj.rows_total

    @admin.display(description=_("文件所含月份数"))
    def months_in_file(self, obj):
        return obj.file_months

    @admin.display(description=_("整月替换"), boolean=True)
    def whole_month(self, obj):
        return obj.exact

    @admin.display(description=_("文件 SHA-256"))
    def file_digest(self, obj):
        return obj.content_sha256
