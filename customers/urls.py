"""The customer list, its export and the edit form; the detail page and the card show
market data and are markets' (markets/customer_urls.py, joined here by config/urls.py)."""

from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_index, name="list"),
    path("export.xlsx", views.customer_export, name="export"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
]
