"""The home page and the help pages. They keep their URL names ``accounts:home`` and
``accounts:help`` (LOGIN_REDIRECT_URL, links, the menu): config/urls.py includes these
patterns together with accounts.urls under the one ``accounts`` namespace, so accounts needs
not import this app that sits above it."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
]
