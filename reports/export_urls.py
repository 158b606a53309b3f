"""Export jobs at /exports/: a job's page (polled until done) and its file's download."""

from django.urls import path

from . import views_exports

app_name = "exports"
urlpatterns = [
    path("<int:pk>/", views_exports.job, name="job"),
    path("<int:pk>/download/", views_exports.download, name="download"),
]
