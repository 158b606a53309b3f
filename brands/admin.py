from django.contrib import admin

from .models import Brand, Category, Sku


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
