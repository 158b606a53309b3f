"""The monthly cycles and the strategy library (策略库) in the admin site. Rules are edited
here: threshold and on/off right in the list."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.read_only_admin import ReadOnlyAdmin

from .models import (
    ApprovalRecord,
    Cycle,
    Document,
    EvaluationStatus,
    PlanStatus,
    StandardAction,
    WarningRule,
    WarningRuleChange,
)
from .services.rules import warning_rule_admin_save
from .strategy.spec import KINDS, message_fields_of
from .strategy.store import warning_rules_changed


class ApprovalRecordInline(admin.TabularInline):
    """The cycle's approval history on its page, read-only."""

    model = ApprovalRecord
    fields = ["at", "document", "transition", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = [
        "month",
        "manager",
        "plan_status",
        "evaluation_status",
        "problems_excerpt",
        "updated_at",
    ]
    list_filter = ["month", "plan_status", "evaluation_status", "manager__team"]
    search_fields = ["manager__username", "manager__name", "problems"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    # states change only through the workflow services, which write the approval history
    readonly_fields = [
        "plan_status",
        "plan_submitted_at",
        "plan_decided_at",
        "plan_decided_by",
        "plan_comment",
        "evaluation_status",
        "evaluation_submitted_at",
        "evaluation_decided_at",
        "evaluation_decided_by",
        "evaluation_comment",
        "created_at",
        "updated_at",
    ]
    inlines = [ApprovalRecordInline]
    date_hierarchy = "month"
    show_full_result_count = False

    @admin.display(description=_("问题与原因"))
    def problems_excerpt(self, obj):
        text = obj.problems.replace("\n", " ")
        return text if len(text) <= 40 else f"{text[:40]}…"


@admin.register(ApprovalRecord)
class ApprovalRecordAdmin(ReadOnlyAdmin):
    """Every submission, approval and return of a monthly plan or evaluation: read-only, written
    by cycle.services.workflow."""

    list_display = [
        "at",
        "document",
        "transition",
        "month",
        "manager",
        "status_change",
        "by",
        "comment_excerpt",
    ]
    list_filter = [
        "at",
        "document",
        "transition",
        ("by", admin.RelatedOnlyFieldListFilter),
        "cycle__manager__team",
    ]
    search_fields = [
        "cycle__manager__username",
        "cycle__manager__name",
        "by__username",
        "by__name",
        "comment",
    ]
    list_select_related = ["cycle__manager", "by"]
    date_hierarchy = "at"

    @admin.display(description=_("月份"), ordering="cycle__month")
    def month(self, obj):
        return f"{obj.cycle.month:%Y-%m}"

    @admin.display(description=_("客户经理"), ordering="cycle__manager__username")
    def manager(self, obj):
        return obj.cycle.manager

    @admin.display(description=_("状态变化"))
    def status_change(self, obj):
        labels = EvaluationStatus if obj.document == Document.EVALUATION else PlanStatus
        return f"{_status_label(labels, obj.from_status)} → {_status_label(labels, obj.to_status)}"

    @admin.display(description=_("意见"))
    def comment_excerpt(self, obj):
        text = obj.comment.replace("\n", " ")
        return text if len(text) <= 40 else f"{text[:40]}…"


def _status_label(labels: type[PlanStatus] | type[EvaluationStatus], value: str) -> str:
    return labels(value).label if value in labels.values else value


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
    readonly_fields = ["condition", "tuning", "message_fields_help", "updated_at"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "name", "kind", "condition", "threshold", "tuning", "severity"]},
        ),
        (_("预警信息"), {"fields": ["message", "message_fields_help"]}),
        (_("建议标准动作"), {"fields": ["action", "suggestion"]}),
        (None, {"fields": ["is_active", "position", "updated_at"]}),
    ]

    # a rule added, edited (list or form) or deleted: the stored warnings are computed again;
    # an edit goes through the service so that it lands in the rule's change history
    def save_model(self, request, obj, form, change):
        if change:
            warning_rule_admin_save(rule=obj, fields=form.changed_data, by=request.user)
            return
        super().save_model(request, obj, form, change)
        warning_rules_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        warning_rules_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        warning_rules_changed()

    def get_readonly_fields(self, request, obj=None):
        # other work refers to rules by code: fixed once created
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields

    @admin.display(description=_("判断方法"))
    def condition(self, obj):
        spec = KINDS.get(obj.kind) if obj else None
        if spec is None:
            descriptions = ((label, KINDS[kind].description) for kind, label in _KINDS)
            return format_html_join("", "<div>{}：{}</div>", descriptions)
        return spec.description

    @admin.display(description=_("阈值预览"))
    def tuning(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("rules:edit", args=[obj.code]),
            _("先预览新阈值在上月各团队会预警多少客户，再保存（并看修改记录）→"),
        )

    @admin.display(description=_("可用占位符"))
    def message_fields_help(self, obj):
        kinds = [(obj.kind, "")] if obj and obj.kind in KINDS else _KINDS
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


@admin.register(WarningRuleChange)
class WarningRuleChangeAdmin(ReadOnlyAdmin):
    """Every change to a warning rule (tuning page and admin site): read-only."""

    list_display = ["changed_at", "rule", "field", "old_value", "new_value", "changed_by", "source"]
    list_filter = ["source", "rule"]
    search_fields = ["rule__code", "rule__name", "changed_by__username", "changed_by__name"]
    list_select_related = ["rule", "changed_by"]
    date_hierarchy = "changed_at"


_KINDS = [(kind, label) for kind, label in WarningRule._meta.get_field("kind").choices]
