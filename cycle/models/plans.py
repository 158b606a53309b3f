"""What a monthly plan holds besides its goals: the marketing actions per customer (营销动作)
and the weekly arrangement (周安排), stored as planned visit days per customer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cycles import Cycle
from .strategy import StandardAction, WarningRule

ACTION_TEXT_MAX_LENGTH = 300


class ActionSource(models.TextChoices):
    WARNING = "warning", _("预警生成")
    CARRIED = "carried", _("上月结转")
    ARRANGEMENT = "arrangement", _("工作安排")
    MANUAL = "manual", _("手工添加")


class MarketingAction(models.Model):
    """One marketing action (营销动作) for one customer in one cycle.

    ``key`` names what generated the action (rule + SKU, the carried-over action, the work
    arrangement), so generating twice never duplicates; hand-added actions have none. A
    removed action stays, with who removed it and why, so generating again does not bring it
    back. Marks as in the method: ☆ planned, ● temporary task not yet done, ★ done."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("工作循环"), on_delete=models.CASCADE, related_name="actions"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="marketing_actions",
    )
    source = models.CharField(_("来源"), max_length=16, choices=ActionSource)
    key = models.CharField(_("生成键"), max_length=64, blank=True, editable=False)
    text = models.CharField(_("动作"), max_length=ACTION_TEXT_MAX_LENGTH)
    detail = models.TextField(_("依据"), blank=True)
    standard_action = models.ForeignKey(
        StandardAction,
        verbose_name=_("标准动作"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.ForeignKey(
        WarningRule,
        verbose_name=_("预警规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sku = models.ForeignKey(
        "brands.Sku",
        verbose_name=_("单品"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    origin = models.ForeignKey(
        "self",
        verbose_name=_("结转自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_into",
    )
    arrangement = models.ForeignKey(
        "cycle.FeedEntry",
        verbose_name=_("工作安排"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    visit_date = models.DateField(_("拜访日"), null=True, blank=True)
    temporary = models.BooleanField(_("临时任务"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_visit = models.ForeignKey(
        "cycle.Visit",
        verbose_name=_("完成于拜访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="done_actions",
    )
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed_reason = models.CharField(_("删除原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("营销动作")
        verbose_name_plural = _("营销动作")
        ordering = ["customer_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "customer", "key"],
                condition=~Q(key=""),
                name="action_generated_once",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "customer"], name="action_cycle_customer_idx")]

    def __str__(self) -> str:
        return self.text

    @property
    def mark(self) -> str:
        if self.done_at:
            return "★"
        return "●" if self.temporary else "☆"

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.removed_at is None


class PlannedVisit(models.Model):
    """A day of the month on which a customer is to be visited (周安排)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("工作循环"), on_delete=models.CASCADE, related_name="planned_visits"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="planned_visits",
    )
    date = models.DateField(_("拜访日"))

    class Meta:
        verbose_name = _("计划拜访")
        verbose_name_plural = _("计划拜访")
        ordering = ["date", "customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "customer", "date"], name="planned_visit_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["cycle", "date"], name="planned_visit_day_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.customer_id}"
