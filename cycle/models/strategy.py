"""The strategy library (DESIGN.md §4 step 1).

- ``StandardAction``: the standard service actions (标准动作) a plan's marketing actions are
  taken from.
- ``WarningRule``: the warning rules of the analysis step, as data: the condition (``kind``,
  see ``cycle.strategy.kinds``), its threshold, the message shown with the numbers behind it,
  and the standard action it suggests. Evaluated by ``cycle.strategy.engine``.
- ``WarningRun``, ``WarningStamp``, ``StoredWarning``: the warnings the monthly computation
  stored (``cycle.strategy.store``), which the analysis pages read."""

from django.conf import settings
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


# --- the stored warnings (cycle.strategy.store) -------------------------------------------


class WarningTrigger(models.TextChoices):
    INDICATORS = "indicators", _("月度指标计算完成")
    RULES = "rules", _("预警规则修改")
    VISITS = "visits", _("补录拜访")
    MANUAL = "manual", _("手动计算")


class WarningRunStatus(models.TextChoices):
    RUNNING = "running", _("计算中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class WarningRun(models.Model):
    """One computation of a month's warnings: for every customer manager (``managers`` is
    empty) or for some (a partial recompute after a late visit). A failure leaves the rows of
    the previous computation in place and is recorded here."""

    month = models.DateField(_("月份"))
    managers = models.JSONField(_("客户经理"), null=True, blank=True)  # ids; null: all
    trigger = models.CharField(_("原因"), max_length=16, choices=WarningTrigger)
    status = models.CharField(_("状态"), max_length=16, choices=WarningRunStatus)
    # the active rules that could not be evaluated: [{"code", "name", "reason"}], the reason
    # in the default language (shown through gettext)
    skipped = models.JSONField(_("跳过的规则"), default=list, blank=True)
    rows_written = models.PositiveIntegerField(_("预警条数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警计算")
        verbose_name_plural = _("预警计算")
        indexes = [models.Index(fields=["month", "status"], name="warningrun_month_status")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} #{self.pk}"


class WarningStamp(models.Model):
    """Which computation a manager's stored warnings of a month come from, with their counts
    (what the team page shows). No stamp: never computed for that manager and month."""

    month = models.DateField(_("月份"))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("客户经理"), on_delete=models.CASCADE
    )
    run = models.ForeignKey(WarningRun, on_delete=models.CASCADE, related_name="stamps")
    customers = models.PositiveIntegerField(_("有效客户"))
    flagged_customers = models.PositiveIntegerField(_("预警客户"))
    warnings = models.PositiveIntegerField(_("预警条数"))
    by_severity = models.JSONField(default=dict)  # severity → warnings
    by_rule = models.JSONField(default=dict)  # rule code → warnings (none left out)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("预警计算范围")
        verbose_name_plural = _("预警计算范围")
        constraints = [
            models.UniqueConstraint(fields=["month", "manager"], name="warningstamp_month_manager")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.manager_id}"


class StoredWarning(models.Model):
    """One warning on one customer (and SKU) by one rule in a month, as the engine gave it:
    the numbers behind the flag and the message rendered in the default language. Names,
    suggestions and severities are read through the keys, so renaming shows at once.

    One index serves the reads (a manager's month); the keys carry no index of their own so
    that the bulk write stays cheap."""

    month = models.DateField(_("月份"))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.CASCADE,
        db_index=False,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    rule = models.ForeignKey(
        WarningRule, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    sku = models.ForeignKey(
        "brands.Sku", null=True, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    numbers = models.JSONField(default=dict)
    message = models.TextField()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        indexes = [models.Index(fields=["month", "manager"], name="storedwarning_month_manager")]

    def __str__(self) -> str:
        return self.message
