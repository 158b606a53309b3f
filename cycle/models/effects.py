"""The measured effect of the standard actions (issue #17, DESIGN.md §4 "Action effect"),
computed by ``cycle.strategy.effects`` and read by the evaluation page, the customer page
and the strategy library.

- ``ActionEffect``: one (action month, rule, standard action, scope) with the counts behind
  it and the difference in differences with its bootstrap 90 % interval (empty when there
  is not enough data).
- ``ActionOutcome``: one treated unit (customer, or customer × SKU for a per-SKU rule): the
  triggering number when flagged and the same number a month later (the customer page)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .strategy import StandardAction, WarningRule

EFFECT_DIGITS = {"max_digits": 16, "decimal_places": 4}


class EffectScope(models.TextChoices):
    COMPANY = "company", _("全公司")
    TEAM = "team", _("团队")
    MANAGER = "manager", _("客户经理")


class ActionEffect(models.Model):
    """What a standard action changed, for the actions done in ``month`` on the customers
    flagged by ``rule`` (in the analysis of that month's cycle). ``scope_key`` is "" for
    the company, the team code or the manager's username."""

    month = models.DateField(_("动作月份"))
    rule = models.ForeignKey(
        WarningRule, verbose_name=_("预警规则"), on_delete=models.CASCADE, related_name="+"
    )
    action = models.ForeignKey(
        StandardAction, verbose_name=_("标准动作"), on_delete=models.CASCADE, related_name="+"
    )
    scope_type = models.CharField(_("范围"), max_length=16, choices=EffectScope)
    scope_key = models.CharField(_("范围编码"), max_length=150, blank=True)
    flagged = models.PositiveIntegerField(_("预警数"), default=0)
    planned = models.PositiveIntegerField(_("计划动作"), default=0)
    done = models.PositiveIntegerField(_("完成动作"), default=0)
    treated = models.PositiveIntegerField(_("处理组"), default=0)
    controls = models.PositiveIntegerField(_("对照组"), default=0)
    treated_mean_change = models.DecimalField(
        _("处理组平均变化"), null=True, blank=True, **EFFECT_DIGITS
    )
    control_mean_change = models.DecimalField(
        _("对照组平均变化"), null=True, blank=True, **EFFECT_DIGITS
    )
    effect = models.DecimalField(_("效果"), null=True, blank=True, **EFFECT_DIGITS)
    ci_low = models.DecimalField(_("区间下限"), null=True, blank=True, **EFFECT_DIGITS)
    ci_high = models.DecimalField(_("区间上限"), null=True, blank=True, **EFFECT_DIGITS)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("动作效果")
        verbose_name_plural = _("动作效果")
        ordering = ["month", "rule__position", "action__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "rule", "action", "scope_type", "scope_key"],
                name="actioneffect_once",
            )
        ]
        indexes = [
            models.Index(fields=["scope_type", "scope_key", "month"], name="actioneffect_scope")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.rule_id}/{self.action_id} {self.scope_type}"

    @property
    def measured(self) -> bool:
        return self.effect is not None


class ActionOutcome(models.Model):
    """One treated unit of an ``ActionEffect``: what the triggering number was when the
    customer (and SKU) was flagged, and what it was in the month the action was done."""

    month = models.DateField(_("动作月份"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    rule = models.ForeignKey(WarningRule, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(StandardAction, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey(
        "brands.Sku", null=True, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    before = models.DecimalField(_("预警时"), null=True, **EFFECT_DIGITS)
    after = models.DecimalField(_("动作当月"), null=True, **EFFECT_DIGITS)

    class Meta:
        verbose_name = _("动作前后")
        verbose_name_plural = _("动作前后")
        indexes = [models.Index(fields=["customer", "month"], name="actionoutcome_customer")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id} {self.rule_id}/{self.action_id}"

    @property
    def change(self):
        return self.after - self.before
