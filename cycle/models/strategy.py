"""The strategy library (DESIGN.md §4 step 1).

- ``StandardAction``: the standard service actions (标准动作) a plan's marketing actions are
  taken from.
- ``WarningRule``: the warning rules of the analysis step, as data: the condition (``kind``,
  see ``cycle.strategy.kinds``), its threshold, the message shown with the numbers behind it,
  and the standard action it suggests. Evaluated by ``cycle.strategy.engine``."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..strategy.kinds import RuleKind
from ..strategy.spec import KINDS, message_fields_of, unknown_message_fields


class Severity(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class StandardAction(models.Model):
    """A standard service action (标准化服务动作) of the strategy library."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(
        _("动作"), max_length=200, help_text=_("列入营销动作时显示的内容，如“指导上柜陈列”")
    )
    description = models.TextField(_("说明"), blank=True, help_text=_("怎么做、做到什么程度"))
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标准动作")
        verbose_name_plural = _("标准动作")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class WarningRule(models.Model):
    """A warning rule (预警规则) of the strategy library."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("预警条件"), max_length=32, choices=RuleKind.choices)
    threshold = models.DecimalField(
        _("阈值"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("比例写小数（0.2 即 20%）；不使用阈值的条件留空"),
    )
    message = models.TextField(
        _("预警信息"),
        help_text=_("可用占位符如 {ratio}、{volume}，见下方“可用占位符”；保存时检查"),
    )
    action = models.ForeignKey(
        StandardAction,
        verbose_name=_("建议标准动作"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rules",
    )
    suggestion = models.TextField(
        _("建议说明"),
        blank=True,
        help_text=_("针对本规则的补充建议；留空时显示标准动作的内容"),
    )
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity, default=Severity.MEDIUM
    )
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0),
                name="warningrule_threshold_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def suggested_action(self) -> str:
        """The suggestion shown with a warning: the rule's own text, else the action's."""
        if self.suggestion.strip():
            return self.suggestion.strip()
        return self.action.name if self.action_id else ""

    @property
    def message_fields(self) -> tuple[str, ...]:
        return message_fields_of(self.kind)

    def clean(self):
        errors = {}
        spec = KINDS.get(self.kind)
        if spec is not None and spec.unit is not None and self.threshold is None:
            errors["threshold"] = _("该预警条件需要阈值。")
        if spec is not None and self.message:
            unknown = unknown_message_fields(self.kind, self.message)
            if unknown:
                errors["message"] = _("不支持的占位符：%(unknown)s。可用：%(allowed)s") % {
                    "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                    "allowed": ", ".join(f"{{{name}}}" for name in self.message_fields),
                }
        if errors:
            raise ValidationError(errors)
