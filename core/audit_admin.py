"""Base for the admin pages of audit trails (approvals, customer profile edits, catalogue
changes): browsable and searchable by admins, never added, edited or deleted by hand — the
services write them."""

from django.contrib import admin


class AuditTrailAdmin(admin.ModelAdmin):
    show_full_result_count = False  # no COUNT(*) over a long history on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
