from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.heartbeat import is_overdue


class ImportKind(models.TextChoices):
    USERS = "users", _("用户")
    CUSTOMERS = "customers", _("客户")
    SKUS = "skus", _("单品")
    ORDERS = "orders", _("订单")
    FORECASTS = "forecasts", _("需求预测")
    SATISFACTION = "satisfaction", _("客户满意度")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("处理中")
    SUCCEEDED = "succeeded", _("已导入")
    VALIDATED = "validated", _("校验通过（试运行，未写入）")
    REJECTED = "rejected", _("已拒绝（有错误行，未写入）")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """An uploaded file and what its import did. The file is kept in the row so that any
    worker can process it without a shared file system."""

    kind = models.CharField(_("类型"), max_length=16, choices=ImportKind)
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"), editable=False)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus, default=ImportStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(_("行数"), default=0)
    rows_created = models.PositiveIntegerField(_("新增"), default=0)
    rows_updated = models.PositiveIntegerField(_("更新"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("未变"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # the worker's last sign of life while the job runs (core/heartbeat.py)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.status not in {ImportStatus.PENDING, ImportStatus.RUNNING}

    @property
    def is_stale(self) -> bool:
        """Waiting or running, but its worker is gone: the page shows it failed and stops
        waiting; the file may be uploaded again."""
        if self.status == ImportStatus.RUNNING:
            return is_overdue(running=True, since=self.heartbeat_at or self.created_at)
        if self.status == ImportStatus.PENDING:
            return is_overdue(running=False, since=self.created_at)
        return False
