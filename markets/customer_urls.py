"""The customer pages that show market data, joined to customers/urls.py's patterns under
the one namespace ``customers`` by config/urls.py: customers sits below markets and routes
nothing of it."""

from django.urls import path

from . import customer_views

urlpatterns = [
    path("<int:pk>/", customer_views.customer_detail, name="detail"),
    path("<int:pk>/card.pdf", customer_views.customer_card, name="card"),
]
