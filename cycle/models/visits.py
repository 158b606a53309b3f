"""What happens during the month (DESIGN.md §4 steps 3–5): the visits a customer manager
records, the weekly summaries, and the improvement items that come out of the month's review.

The checks made on a visit (shelf, inventory, retail price, market information) are
``markets`` observations of the customer on the visit's date; the visit itself holds when,
how, and the manager's feeling about it."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from customers.models import VisitMethod

from .cycles import TEXT_MAX_LENGTH, Cycle

# a visit shorter than this is flagged, and does not count as a valid visit
MIN_VISIT_SECONDS = 60
FEELING_MAX_LENGTH = 2000
IMPROVEMENT_MAX_LENGTH = 500


def valid_visit_q(prefix: str = "") -> Q:
    """``Visit.is_valid`` as a filter (``prefix`` e.g. "visits__" from another model)."""
    return Q(
        **{
            f"{prefix}checked_in_at__isnull": False,
            f"{prefix}checked_out_at__gte": F(f"{prefix}checked_in_at")
            + dt.timedelta(seconds=MIN_VISIT_SECONDS),
        }
    )


def short_visit_q(prefix: str = "") -> Q:
    """``Visit.is_short`` as a filter."""
    return Q(
        **{
            f"{prefix}checked_in_at__isnull": False,
            f"{prefix}checked_out_at__isnull": False,
            f"{prefix}checked_out_at__lt": F(f"{prefix}checked_in_at")
            + dt.timedelta(seconds=MIN_VISIT_SECONDS),
        }
    )


class Visit(models.Model):
    """One visit to one customer on one day (拜访记录)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("工作循环"), on_delete=models.CASCADE, related_name="visits"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    date = models.DateField(_("拜访日期"))
    method = models.CharField(
        _("拜访方式"), max_length=16, choices=VisitMethod.choices, default=VisitMethod.ONSITE
    )
    checked_in_at = models.DateTimeField(_("进店时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("离店时间"), null=True, blank=True)
    feeling = models.TextField(
        _("日感受"),
        blank=True,
        max_length=FEELING_MAX_LENGTH,
        validators=[MaxLengthValidator(FEELING_MAX_LENGTH)],
    )
    # the browser's position at check-in (settings.VISIT_LOCATION_ENABLED), when it gave one
    checkin_latitude = models.DecimalField(
        _("签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_longitude = models.DecimalField(
        _("签到经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_accuracy_m = models.PositiveIntegerField(_("签到定位精度（米）"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("拜访记录")
        verbose_name_plural = _("拜访记录")
        ordering = ["-date", "checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "date"], name="visit_once_a_day"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="visit_out_after_in",
            ),
            models.CheckConstraint(
                condition=Q(method__in=VisitMethod.values), name="visit_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(checkin_latitude__isnull=True, checkin_longitude__isnull=True)
                | Q(
                    checkin_latitude__gte=-90,
                    checkin_latitude__lte=90,
                    checkin_longitude__gte=-180,
                    checkin_longitude__lte=180,
                ),
                name="visit_checkin_position_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["cycle", "date"], name="visit_cycle_date_idx"),
            models.Index(fields=["date"], name="visit_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.customer_id}"

    @property
    def seconds(self) -> int | None:
        if self.checked_in_at and self.checked_out_at:
            return int((self.checked_out_at - self.checked_in_at).total_seconds())
        return None

    @property
    def is_short(self) -> bool:
        """Checked out less than a minute after checking in: flagged for the audit."""
        return self.seconds is not None and self.seconds < MIN_VISIT_SECONDS

    @property
    def is_valid(self) -> bool:
        """A finished visit of at least a minute: the ones that count."""
        return self.seconds is not None and self.seconds >= MIN_VISIT_SECONDS


class WeeklySummary(models.Model):
    """The manager's summary of one week (周小结/体会); the week starts on Monday and may
    begin in the previous month."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("工作循环"), on_delete=models.CASCADE, related_name="weekly_summaries"
    )
    week_start = models.DateField(_("周一"))
    text = models.TextField(
        _("周小结"), max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("周小结")
        verbose_name_plural = _("周小结")
        ordering = ["week_start"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "week_start"], name="weekly_summary_once")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.week_start}"


class IssueKind(models.TextChoices):
    CUSTOMER = "customer", _("客户问题")
    BRAND = "brand", _("品牌问题")
    MARKET = "market", _("市场问题")


class ImprovementStatus(models.TextChoices):
    OPEN = "open", _("待改进")
    DONE = "done", _("已完成")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已同意")
    RETURNED = "returned", _("已退回")


class Improvement(models.Model):
    """An improvement item (改进) out of a month's review: what to change, for which issue,
    by when; the market manager reviews it. Open items show on later analysis pages."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("工作循环"), on_delete=models.CASCADE, related_name="improvements"
    )
    kind = models.CharField(_("问题类别"), max_length=16, choices=IssueKind)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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
    text = models.CharField(_("改进内容"), max_length=IMPROVEMENT_MAX_LENGTH)
    due = models.DateField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ImprovementStatus, default=ImprovementStatus.OPEN
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    review_status = models.CharField(
        _("审核"), max_length=16, choices=ReviewStatus, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("改进事项")
        verbose_name_plural = _("改进事项")
        ordering = ["due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=IssueKind.values), name="improvement_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImprovementStatus.values), name="improvement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(review_status__in=ReviewStatus.values),
                name="improvement_review_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "due"], name="improvement_open_idx")]

    def __str__(self) -> str:
        return self.text


def photo_storage():
    """Where shelf photos are kept: the ``photos`` storage of settings.STORAGES (the file
    system under MEDIA_ROOT by default, an S3-compatible bucket in production)."""
    from django.core.files.storage import storages

    return storages["photos"]


class ShelfPhoto(models.Model):
    """A photo of the customer's shelf taken on a visit (货架照片), already made small and
    stripped of metadata (core/images.py). The files are never served by URL: the photo views
    check that the viewer may see the visit."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("拜访记录"), on_delete=models.CASCADE, related_name="photos"
    )
    # made on the device for each upload: a replay of the same upload (the offline queue)
    # finds the photo it already made instead of adding another
    client_id = models.UUIDField(_("设备编号"), null=True, blank=True)
    taken_at = models.DateTimeField(_("拍摄时间"))
    image = models.FileField(_("照片"), storage=photo_storage, max_length=200)
    thumbnail = models.FileField(_("缩略图"), storage=photo_storage, max_length=200)
    width = models.PositiveIntegerField(_("宽度"))
    height = models.PositiveIntegerField(_("高度"))
    bytes = models.PositiveIntegerField(_("字节数"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("货架照片")
        verbose_name_plural = _("货架照片")
        ordering = ["taken_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="shelf_photo_client_once",
            ),
        ]
        indexes = [models.Index(fields=["visit", "taken_at"], name="shelf_photo_visit_idx")]

    def __str__(self) -> str:
        return f"{self.visit} {self.taken_at:%H:%M}"
