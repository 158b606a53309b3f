"""The interaction feed (三员互动) of a customer manager, shared with their market manager
(and with brand managers for brand tasks), and the brand tasks (品牌培育) that feed it."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cycles import TEXT_MAX_LENGTH, Cycle


class EntryKind(models.TextChoices):
    GUIDANCE = "guidance", _("指导意见")
    ARRANGEMENT = "arrangement", _("工作安排")
    FEEDBACK = "feedback", _("反馈")
    NOTICE = "notice", _("通知")


class ArrangementTarget(models.TextChoices):
    MONTH_PLAN = "month_plan", _("月计划")
    WEEK_PLAN = "week_plan", _("周计划")


class BrandTask(models.Model):
    """A brand-cultivation task (品牌培育): a key SKU pushed at selected customers."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("品牌经理"),
        on_delete=models.PROTECT,
        related_name="brand_tasks",
    )
    sku = models.ForeignKey(
        "brands.Sku", verbose_name=_("单品"), on_delete=models.PROTECT, related_name="brand_tasks"
    )
    month = models.DateField(_("目标月份"), help_text=_("该月第一天"))
    content = models.TextField(
        _("任务内容"), max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    criteria = models.JSONField(_("筛选条件"), default=dict, blank=True)
    customers_count = models.PositiveIntegerField(_("目标客户数"), default=0)
    managers_count = models.PositiveIntegerField(_("客户经理数"), default=0)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("品牌培育任务")
        verbose_name_plural = _("品牌培育任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sku} {self.month:%Y-%m}"


class FeedEntry(models.Model):
    """One entry in a customer manager's feed. A work arrangement (工作安排) targets a month or
    week plan and keeps flowing into later plans until the customer manager gives feedback
    (an entry of kind feedback with ``reply_to`` set to it)."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.PROTECT,
        related_name="feed_entries",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="authored_feed_entries",
    )
    text = models.TextField(
        _("内容"), max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    target = models.CharField(_("安排到"), max_length=16, choices=ArrangementTarget, blank=True)
    target_month = models.DateField(_("目标月份"), null=True, blank=True)
    target_date = models.DateField(_("日期"), null=True, blank=True)
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("回复"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    cycle = models.ForeignKey(
        Cycle,
        verbose_name=_("工作循环"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feed_entries",
    )
    brand_task = models.ForeignKey(
        BrandTask,
        verbose_name=_("品牌培育任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="arrangements",
    )
    customers = models.ManyToManyField(
        "customers.Customer", verbose_name=_("涉及客户"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("互动记录")
        verbose_name_plural = _("互动记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="arrangement") | Q(target_month__isnull=False),
                name="feed_arrangement_has_month",
            ),
            models.CheckConstraint(
                condition=~Q(kind="feedback") | Q(reply_to__isnull=False),
                name="feed_feedback_has_arrangement",
            ),
        ]
        indexes = [models.Index(fields=["manager", "created_at"], name="feed_manager_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.manager_id}"


class FeedRead(models.Model):
    """How far one user has read one customer manager's feed (for the unread counts)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_reads"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = _("阅读位置")
        verbose_name_plural = _("阅读位置")
        constraints = [models.UniqueConstraint(fields=["user", "manager"], name="feed_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.manager_id}"
