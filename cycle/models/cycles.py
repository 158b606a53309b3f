"""The monthly work cycle of a customer manager (DESIGN.md §4) and its approval history.

One ``Cycle`` per customer manager per month holds the month's documents: the problems and
reasons (问题与原因) written after the analysis, and the monthly plan (月计划: goals, focus
points, its approval state). The marketing actions and planned visit days hang off it
(``cycle.models.plans``), the visits, weekly summaries and improvement items too
(``cycle.models.visits``); the month-end evaluation (月总结 and its review) follows the same
four states as the plan. Every state change of a document is one ``ApprovalRecord``."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

PROBLEMS_MAX_LENGTH = 5000
TEXT_MAX_LENGTH = 5000


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")


class EvaluationStatus(models.TextChoices):
    """The month-end evaluation's own states; the same four as a plan's today, kept apart so
    that either document's workflow can change without the other."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")


class Cycle(models.Model):
    """One customer manager's month (工作循环)."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.PROTECT,
        related_name="cycles",
        limit_choices_to={"role": Role.CUSTOMER_MANAGER},
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    problems = models.TextField(
        _("问题与原因"),
        blank=True,
        max_length=PROBLEMS_MAX_LENGTH,
        validators=[MaxLengthValidator(PROBLEMS_MAX_LENGTH)],
    )
    plan_status = models.CharField(
        _("计划状态"), max_length=16, choices=PlanStatus, default=PlanStatus.DRAFT
    )
    goal_volume = models.PositiveIntegerField(_("销量目标（条）"), null=True, blank=True)
    goal_coverage = models.DecimalField(
        _("重点品牌覆盖率目标（%）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    goal_visits = models.PositiveIntegerField(_("拜访目标（次）"), null=True, blank=True)
    # optional: the month's retailer gross profit of the territory's customers (issue #16),
    # compared with the stored ManagerIndicator.gross_profit at the evaluation
    goal_gross_profit = models.DecimalField(
        _("客户毛利目标（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    focus = models.TextField(
        _("工作重点"),
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(TEXT_MAX_LENGTH)],
    )
    plan_submitted_at = models.DateTimeField(_("计划提交时间"), null=True, blank=True)
    plan_decided_at = models.DateTimeField(_("计划审批时间"), null=True, blank=True)
    plan_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("计划审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan_comment = models.TextField(_("审批意见"), blank=True)
    summary = models.TextField(
        _("月总结"),
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(TEXT_MAX_LENGTH)],
    )
    evaluation_status = models.CharField(
        _("评估状态"), max_length=16, choices=EvaluationStatus, default=EvaluationStatus.DRAFT
    )
    evaluation_submitted_at = models.DateTimeField(_("评估提交时间"), null=True, blank=True)
    evaluation_decided_at = models.DateTimeField(_("评估审核时间"), null=True, blank=True)
    evaluation_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evaluation_comment = models.TextField(_("评估审核意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作循环")
        verbose_name_plural = _("工作循环")
        ordering = ["-month", "manager_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "month"], name="cycle_one_per_manager_month"
            ),
            models.CheckConstraint(
                condition=Q(plan_status__in=PlanStatus.values), name="cycle_plan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(evaluation_status__in=EvaluationStatus.values),
                name="cycle_evaluation_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["month"], name="cycle_month_idx"),
            models.Index(fields=["plan_status", "month"], name="cycle_plan_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.manager_id}"

    def clean(self):
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("月份须为该月第一天。")})

    @property
    def plan_is_editable(self) -> bool:
        return self.plan_status in (PlanStatus.DRAFT, PlanStatus.REJECTED)

    @property
    def execution_is_open(self) -> bool:
        """Visits, marks and summaries of the month can still be recorded: the month's
        results are not with the market manager nor approved."""
        return self.evaluation_status in (EvaluationStatus.DRAFT, EvaluationStatus.REJECTED)


class Document(models.TextChoices):
    PLAN = "plan", _("月计划")
    EVALUATION = "evaluation", _("月度评估")


class Transition(models.TextChoices):
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("退回")


class ApprovalRecord(models.Model):
    """One state change of a cycle's document: who, when, from what to what, and why."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("工作循环"), on_delete=models.CASCADE, related_name="history"
    )
    document = models.CharField(_("文档"), max_length=16, choices=Document)
    transition = models.CharField(_("操作"), max_length=16, choices=Transition)
    from_status = models.CharField(_("原状态"), max_length=16)
    to_status = models.CharField(_("新状态"), max_length=16)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="approval_records",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["cycle", "document"], name="approval_cycle_doc_idx")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.document} {self.transition}"
