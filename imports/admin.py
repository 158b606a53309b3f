from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "filename",
        "status",
        "dry_run",
        "rows_total",
        "rows_created",
        "rows_updated",
        "error_count",
        "created_by",
    ]
    list_filter = ["kind", "status", "dry_run"]
    search_fields = ["filename", "created_by__username"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "content"]
    exclude = ["content"]

    def has_add_permission(self, request):
        return False  # uploads go through the import page, which validates them
