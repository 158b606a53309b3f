"""The home page. It keeps its URL name ``accounts:home`` (LOGIN_REDIRECT_URL, links, the
menu): config/urls.py includes these patterns together with accounts.urls under the one
``accounts`` namespace, so accounts needs not import this app that sits above it."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
