"""The warning rules' tuning pages (issue #17 point 3), under the namespace ``rules``."""

from django.urls import path

from .views import rules

app_name = "rules"
urlpatterns = [
    path("", rules.rule_list, name="index"),
    path("<slug:code>/", rules.rule_edit, name="edit"),
]
