"""The record of every change to a warning rule (预警规则修改记录): who, when, where from,
which field, old → new — written by ``cycle.services.rules`` for the tuning page and the
admin site alike, shown on the rule's tuning page and in the admin (read-only)."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.change_source import ChangeSource

from .strategy import WarningRule


class WarningRuleChange(models.Model):
    rule = models.ForeignKey(
        WarningRule, verbose_name=_("预警规则"), on_delete=models.CASCADE, related_name="changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    field = models.CharField(_("字段"), max_length=50)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=ChangeSource, default=ChangeSource.PAGE
    )

    class Meta:
        verbose_name = _("预警规则修改记录")
        verbose_name_plural = _("预警规则修改记录")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["rule", "-changed_at"], name="rulechange_rule_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.field}: {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        try:
            return str(WarningRule._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:  # a field since removed
            return self.field
