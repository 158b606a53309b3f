"""Included at the root: the figures and callbacks under /satisfaction/, and the customer's
short public questionnaire link /s/<token>/ (short: it is printed as a QR code)."""

from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("satisfaction/", views.overview, name="overview"),
    path("satisfaction/export/", views.export, name="export"),
    path("satisfaction/callbacks/", views.callbacks, name="callbacks"),
    path("satisfaction/callbacks/answer/", views.callback_answer, name="callback_answer"),
    path("s/<str:token>/", views.answer, name="answer"),
]
