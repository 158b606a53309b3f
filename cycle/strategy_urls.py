"""The strategy library at /strategy/ (its own namespace ``strategy``)."""

from django.urls import path

from .views import strategy

app_name = "strategy"
urlpatterns = [
    path("", strategy.library, name="library"),
]
