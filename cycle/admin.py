"""The monthly cycles and the strategy library (策略库) in the admin site. Rules are edited
here: threshold and on/off right in the list."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Cycle, StandardAction, WarningRule
from .rule_kinds import SPECS, message_fields_of


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["month", "manager", "problems_excerpt", "updated_at"]
    list_filter = ["month", "manager__team"]
    search_fields = ["manager__username", "manager__name", "problems"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "month"
    show_full_result_count = False

    @admin.display(description=_("问题与原因"))
    def problems_excerpt(self, obj):
        text = obj.problems.replace("\n", " ")
        return text if len(text) <= 40 else f"{text[:40]}…"


@admin.register(StandardAction)
class StandardActionAdmin(admin.ModelAdmin):
    list_display = ["position", "code", "name", "is_active", "rule_count"]
    list_display_links = ["code"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "description"]

    @admin.display(description=_("引用的规则"))
    def rule_count(self, obj):
        return obj.rules.count()


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin):
    list_display = [
        "position",
        "code",
        "name",
        "kind",
        "threshold",
        "severity",
        "action",
        "is_active",
    ]
    list_display_links = ["code"]
    list_editable = ["threshold", "is_active"]
    list_filter = ["is_active", "severity", "kind", "action"]
    search_fields = ["code", "name", "message", "suggestion"]
    list_select_related = ["action"]
    readonly_fields = ["condition", "message_fields_help", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "condition", "threshold", "severity"]}),
        (_("预警信息"), {"fields": ["message", "message_fields_help"]}),
        (_("建议标准动作"), {"fields": ["action", "suggestion"]}),
        (None, {"fields": ["is_active", "position", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # other work refers to rules by code: fixed once created
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields

    @admin.display(description=_("判断方法"))
    def condition(self, obj):
        spec = SPECS.get(obj.kind) if obj else None
        if spec is None:
            return format_html_join(
                "", "<div>{}：{}</div>", ((label, SPECS[kind].condition) for kind, label in _KINDS)
            )
        return spec.condition

    @admin.display(description=_("可用占位符"))
    def message_fields_help(self, obj):
        kinds = [(obj.kind, "")] if obj and obj.kind in SPECS else _KINDS
        return format_html_join(
            "",
            "<div>{}{}</div>",
            (
                (
                    f"{label}：" if label else "",
                    ", ".join(f"{{{p}}}" for p in message_fields_of(kind)),
                )
                for kind, label in kinds
            ),
        )


_KINDS = [(kind, label) for kind, label in WarningRule._meta.get_field("kind").choices]
