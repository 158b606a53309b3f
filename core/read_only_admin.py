"""Base for admin pages of rows that only the services or jobs write — the audit trails
(approvals, customer profile edits, catalogue changes) and the indicator store: browsable
and searchable by admins, never added, edited or deleted by hand."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False  # no COUNT(*) over a long history on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
