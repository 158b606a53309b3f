"""Base for admin pages of rows that only the services or jobs write — the audit trails
(approvals, customer profile edits, catalogue changes) and the indicator store: browsable
and searchable by admins, never added, edited or deleted by hand. These tables only grow,
so their lists count like the big tables' (the planner's estimate beyond a hundred thousand
rows) and show no total."""

from core.admin_lists import LargeTableAdmin


class ReadOnlyAdmin(LargeTableAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
