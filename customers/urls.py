from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_index, name="list"),
    path("export.xlsx", views.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/card.pdf", views.customer_card, name="card"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
]
