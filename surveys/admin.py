"""Surveys as data: the periods and dimensions are edited here; answers are read only (they
come from the import, the QR page and the callback page, each with its channel)."""

from django.contrib import admin

from core.read_only_admin import ReadOnlyAdmin

from .models import Dimension, Response, Score, Survey


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "start", "end"]
    list_filter = ["kind"]
    readonly_fields = ["end", "created_at"]
    date_hierarchy = "start"


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    can_delete = False
    readonly_fields = ["dimension", "score"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["survey", "customer", "manager", "channel", "answered_at", "entered_by"]
    list_filter = ["channel", "survey"]
    list_select_related = ["survey", "customer", "manager", "entered_by"]
    search_fields = ["customer__code", "customer__name__startswith", "manager__username"]
    inlines = [ScoreInline]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["response", "dimension", "score"]
    list_filter = ["dimension", "score"]
    list_select_related = ["response", "response__survey", "dimension"]
    search_fields = ["response__customer__code"]
