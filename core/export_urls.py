"""Export jobs at /exports/: a job's page (polled until done) and its file's download."""

from django.urls import path

from . import export_views

app_name = "exports"
urlpatterns = [
    path("<int:pk>/", export_views.job, name="job"),
    path("<int:pk>/download/", export_views.download, name="download"),
]
