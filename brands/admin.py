from django.contrib import admin

from core.read_only_admin import ReadOnlyAdmin

from .models import Brand, CatalogChange, Category, Sku
from .services.changes import sku_admin_save


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "manufacturer"]
    search_fields = ["name", "manufacturer"]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "brand",
        "price_class",
        "wholesale_price",
        "retail_price",
        "tar_mg",
        "is_key_brand",
        "status",
        "category",
    ]
    list_filter = ["is_key_brand", "status", "price_class", "brand"]
    search_fields = ["code", "name", "brand__name", "manufacturer"]
    list_select_related = ["brand", "category"]
    autocomplete_fields = ["brand", "category"]
    readonly_fields = ["tar_mg_imported"]

    def save_model(self, request, obj, form, change):
        # through the service so an admin edit lands in the SKU's history
        if change:
            sku_admin_save(sku=obj, fields=form.changed_data, by=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(CatalogChange)
class CatalogChangeAdmin(ReadOnlyAdmin):
    """The record of catalogue changes: written by brands.services, never edited."""

    list_display = [
        "at",
        "by",
        "action",
        "object_type",
        "object_repr",
        "field",
        "old_value",
        "new_value",
        "source",
    ]
    list_filter = [
        "at",
        "action",
        "object_type",
        "source",
        "field",
        ("by", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["object_repr", "old_value", "new_value", "by__username", "by__name"]
    list_select_related = ["by"]
    date_hierarchy = "at"
