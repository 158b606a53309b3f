"""The export jobs in the admin site (who exported what and whether it worked, read-only) and
the work calendar's exceptions (holidays and make-up workdays, kept by admins)."""

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, ExportJob
from .read_only_admin import ReadOnlyAdmin


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Who exported what and whether it worked; the file itself is only for its requester
    (the download view), so the admin does not link it."""

    list_display = [
        "created_at",
        "kind",
        "requested_by",
        "status",
        "progress",
        "rows_total",
        "rows_written",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["requested_by__username", "filename", "error"]
    list_select_related = ["requested_by"]
    exclude = ["file"]
    date_hierarchy = "created_at"


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The work calendar's exceptions: public holidays on weekdays (a day off) and weekend
    make-up days (调休上班, a workday); every other day follows Monday–Friday."""

    list_display = ["date", "weekday", "is_workday", "name"]
    list_display_links = ["date"]
    list_editable = ["is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description=_("星期"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")
