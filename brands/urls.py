from django.urls import path

from . import views

app_name = "brands"
urlpatterns = [
    path("", views.brand_index, name="brand_list"),
    path("<int:pk>/", views.brand_detail, name="brand_detail"),
    path("categories/", views.category_index, name="categories"),
    path("categories/create/", views.category_create, name="category_create"),
    path("categories/<int:pk>/rename/", views.category_rename, name="category_rename"),
    path("categories/<int:pk>/move/", views.category_move, name="category_move"),
    path("categories/<int:pk>/reorder/", views.category_reorder, name="category_reorder"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("mapping/", views.mapping_index, name="mapping"),
    path("mapping/assign/", views.mapping_assign, name="mapping_assign"),
    path("mapping/unmap/", views.mapping_unmap, name="mapping_unmap"),
    path("skus/", views.sku_index, name="sku_list"),
    path("skus/key-brand/", views.sku_key_brand, name="sku_key_brand"),
    path("skus/<int:pk>/edit/", views.sku_edit, name="sku_edit"),
    path("skus/<int:pk>/reset-tar/", views.sku_reset_tar, name="sku_reset_tar"),
]
