"""Customer satisfaction (DESIGN.md §5, issue #16 point 1): the survey periods, the rated
dimensions, and each customer's answer of a period with its channel and its scores.

- ``Dimension``: a 1–5 scale (货源供应, 品牌与价格, 客户经理服务, 配送, 订货便利, 总体满意 by
  default, edited in the admin site). The one whose code is ``OVERALL`` gives the rate.
- ``Survey``: a period (a quarter or a month) from its first to its last day; periods never
  overlap, so a date names at most one.
- ``Response``: one per customer per period, whatever the channel (third-party import, the
  customer's own phone through the QR link, the market manager's phone callback), with the
  customer's manager when it was answered (the figures go by them).
- ``Score``: one per response and dimension, 1–5."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.months import add_months

OVERALL = "overall"
SCORE_MIN, SCORE_MAX = 1, 5
# the overall score from which a respondent counts as satisfied
SATISFIED_FROM = 4


class Dimension(models.Model):
    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用的维度不再出现在问卷上，历史评分保留。")
    )

    class Meta:
        verbose_name = _("满意度维度")
        verbose_name_plural = _("满意度维度")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_overall(self) -> bool:
        return self.code == OVERALL


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("季度")
    MONTH = "month", _("月度")


class Survey(models.Model):
    kind = models.CharField(
        _("周期"), max_length=10, choices=PeriodKind, default=PeriodKind.QUARTER
    )
    start = models.DateField(
        _("开始日期"),
        unique=True,
        help_text=_("月初；季度调查为季度的第一天（1、4、7、10 月 1 日）。"),
    )
    end = models.DateField(_("结束日期"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("满意度调查期")
        verbose_name_plural = _("满意度调查期")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="survey_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.end = self.end_of(self.kind, self.start)
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)s年第%(q)s季度") % {
                "year": self.start.year,
                "q": (self.start.month - 1) // 3 + 1,
            }
        return _("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}

    @staticmethod
    def end_of(kind: str, start: dt.date) -> dt.date:
        months = 3 if kind == PeriodKind.QUARTER else 1
        return add_months(start, months) - dt.timedelta(days=1)

    def clean(self) -> None:
        if self.start is None:
            return
        if self.start.day != 1:
            raise ValidationError({"start": _("开始日期应为月初（1 日）。")})
        if self.kind == PeriodKind.QUARTER and self.start.month not in (1, 4, 7, 10):
            raise ValidationError({"start": _("季度调查应从 1、4、7 或 10 月 1 日开始。")})
        end = self.end_of(self.kind, self.start)
        overlapping = Survey.objects.filter(start__lte=end, end__gte=self.start).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(
                _("与已有的调查期“%(name)s”重叠。") % {"name": overlapping.first().name}
            )

    def is_open_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class Channel(models.TextChoices):
    IMPORT = "import", _("第三方调查")
    QR = "qr", _("扫码自评")
    CALLBACK = "callback", _("电话回访")


class Response(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("调查期"), on_delete=models.PROTECT, related_name="responses"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.PROTECT,
        related_name="survey_responses",
        help_text=_("作答时该客户的客户经理，满意度按其统计。"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel)
    answered_at = models.DateTimeField(_("作答时间"), db_index=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("满意度答卷")
        verbose_name_plural = _("满意度答卷")
        ordering = ["-answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "customer"], name="survey_one_answer_per_customer"
            )
        ]
        indexes = [models.Index(fields=["survey", "manager"])]

    def __str__(self) -> str:
        return f"{self.survey} · {self.customer_id}"


class Score(models.Model):
    response = models.ForeignKey(
        Response, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="scores"
    )
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("维度"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(_("评分"))

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "dimension"], name="score_one_per_dimension"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX), name="score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension_id}: {self.score}"
