"""The record of each export too large for a request (``ExportJob``), written by
``core.export_jobs``; what an export contains is up to the app that registered its kind."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.heartbeat import is_overdue


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导出中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(models.Model):
    """One export too large to answer within the request (``EXPORT_SYNC_MAX_ROWS``): a Celery
    worker writes the file (``core.export_jobs``) while the requester's page polls it.

    The file lies under MEDIA_ROOT/exports/ with a random name and is served only by the
    download view, to the requester; nothing under MEDIA_ROOT is served publicly."""

    kind = models.CharField(_("导出类型"), max_length=32)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ExportStatus, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    rows_total = models.PositiveIntegerField(_("预计行数"), default=0)
    rows_written = models.PositiveIntegerField(_("已写行数"), default=0)
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True, max_length=200)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)

    class Meta:
        # made by the reports app before the export machinery moved to core (see
        # core/migrations/0001_export_job.py): the table keeps its name
        db_table = "reports_exportjob"
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exportjob_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.SUCCEEDED, ExportStatus.FAILED)

    @property
    def is_stale(self) -> bool:
        """Waiting or running, but its worker is gone (core/heartbeat.py): the page shows it
        failed and stops waiting, and the same export may be asked for again."""
        if self.status == ExportStatus.RUNNING:
            since = self.heartbeat_at or self.started_at or self.created_at
            return is_overdue(running=True, since=since)
        if self.status == ExportStatus.PENDING:
            return is_overdue(running=False, since=self.created_at)
        return False


class CalendarDay(models.Model):
    """A dated exception to the work calendar (工作日历, ``core.workdays``): by default Monday
    to Friday are workdays and Saturday and Sunday days off; a row turns one date the other
    way — a public holiday on a weekday (国庆节) is a day off, a weekend make-up day
    (调休上班) a workday. Admins keep these rows in Django admin, a year at a time."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("上班"),
        default=False,
        help_text=_("勾选：这天上班（如周末调休上班）；不勾选：这天休息（如法定节假日）。"),
    )
    name = models.CharField(
        _("名称"), max_length=40, blank=True, help_text=_("如：国庆节、春节、调休上班。")
    )

    class Meta:
        verbose_name = _("工作日历例外")
        verbose_name_plural = _("工作日历例外")
        ordering = ["date"]

    def __str__(self) -> str:
        state = _("上班") if self.is_workday else _("休息")
        return f"{self.date:%Y-%m-%d} {state}{f'（{self.name}）' if self.name else ''}"

    def clean(self) -> None:
        # a row that turns nothing and names nothing would only clutter the list
        weekday = self.date is not None and self.date.weekday() < 5
        if self.date is not None and self.is_workday == weekday and not self.name.strip():
            if weekday:
                message = _("这天本来就是工作日；节假日请取消勾选“上班”，或填写名称。")
            else:
                message = _("这天本来就是休息日；调休上班请勾选“上班”，或填写名称。")
            raise ValidationError({"is_workday": message})
