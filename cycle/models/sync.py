"""The writes a device sent from its offline queue (the visit log's field saves), by the
id the device gave each one: a write whose ``client_id`` is here was applied (or kept as a
note) and is never applied again, however often the queue is replayed. See
``cycle.services.sync`` and ARCHITECTURE.md ("The offline queue")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .visits import Visit


class SyncOutcome(models.TextChoices):
    APPLIED = "applied", _("已保存")
    # the write could not be applied as it was (the action was removed from the plan
    # meanwhile): what the manager did is kept as a note on the visit, never dropped
    KEPT = "kept", _("已作为备注保留")


class ClientWrite(models.Model):
    """One write from a device's queue, applied once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    client_id = models.UUIDField(_("设备编号"))
    visit = models.ForeignKey(
        Visit, verbose_name=_("拜访记录"), on_delete=models.CASCADE, related_name="client_writes"
    )
    field = models.CharField(_("字段"), max_length=40)
    value = models.TextField(_("内容"), blank=True)
    tapped_at = models.DateTimeField(_("设备操作时间"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=16, choices=SyncOutcome, default=SyncOutcome.APPLIED
    )
    note = models.TextField(_("备注"), blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("离线同步记录")
        verbose_name_plural = _("离线同步记录")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="client_write_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.field}"
