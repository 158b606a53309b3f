from django.urls import path

from .views import brand_pages, categories, mapping, skus

app_name = "brands"
urlpatterns = [
    path("", brand_pages.brand_index, name="brand_list"),
    path("export.xlsx", brand_pages.brand_export, name="brand_export"),
    path("<int:pk>/", brand_pages.brand_detail, name="brand_detail"),
    path("categories/", categories.category_index, name="categories"),
    path("categories/create/", categories.category_create, name="category_create"),
    path("categories/<int:pk>/rename/", categories.category_rename, name="category_rename"),
    path("categories/<int:pk>/move/", categories.category_move, name="category_move"),
    path("categories/<int:pk>/reorder/", categories.category_reorder, name="category_reorder"),
    path("categories/<int:pk>/delete/", categories.category_delete, name="category_delete"),
    path("mapping/", mapping.mapping_index, name="mapping"),
    path("mapping/assign/", mapping.mapping_assign, name="mapping_assign"),
    path("mapping/unmap/", mapping.mapping_unmap, name="mapping_unmap"),
    path("skus/", skus.sku_index, name="sku_list"),
    path("skus/export.xlsx", skus.sku_export, name="sku_export"),
    path("skus/key-brand/", skus.sku_key_brand, name="sku_key_brand"),
    path("skus/<int:pk>/edit/", skus.sku_edit, name="sku_edit"),
    path("skus/<int:pk>/reset-tar/", skus.sku_reset_tar, name="sku_reset_tar"),
]
