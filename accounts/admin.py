from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "market_manager"]
    search_fields = ["code", "name", "market_manager__username", "market_manager__name"]
    autocomplete_fields = ["market_manager"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active", "is_staff"]
    search_fields = ["username", "name", "email"]
    list_select_related = ["team"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (_("工作平台"), {"fields": ["name", "role", "team"]}),
    ]
    add_fieldsets = [
        *(BaseUserAdmin.add_fieldsets or ()),
        (_("工作平台"), {"fields": ["name", "role", "team"]}),
    ]
