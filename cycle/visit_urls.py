from django.urls import path

from .views import audit, photos, sheets, visits

app_name = "visits"
LOG = "<str:date>/<int:customer_id>/"
urlpatterns = [
    path("", visits.today, name="today"),
    path("audit/", audit.audit, name="audit"),  # before <str:date>/: "audit" is no date
    path("audit.xlsx", audit.audit_xlsx, name="audit_xlsx"),
    # shelf photos: served only through these views (who may see the visit), never MEDIA_URL
    path("photos/<int:pk>.jpg", photos.image, name="photo"),
    path("photos/<int:pk>/thumb.jpg", photos.thumbnail, name="photo_thumb"),
    path("photos/<int:pk>/delete/", photos.delete, name="photo_delete"),
    path("<str:date>/", visits.day, name="day"),
    path(LOG, visits.log, name="log"),
    path(LOG + "save/<str:name>/", visits.log_field, name="log_field"),
    path(LOG + "photos/", photos.add, name="photo_add"),
    path("<str:username>/<str:date>/", visits.member_day, name="member_day"),
    path("<str:date>/sheet.pdf", sheets.day_sheet, name="sheet"),
    path("week/<str:date>/sheet.pdf", sheets.week_sheet, name="week_sheet"),
]
