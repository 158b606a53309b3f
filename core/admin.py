"""The export jobs in the admin site: who exported what and whether it worked, read-only."""

from django.contrib import admin

from .models import ExportJob
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
