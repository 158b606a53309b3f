from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER_MANAGER = "customer_manager", _("客户经理")
    MARKET_MANAGER = "market_manager", _("市场经理")
    BRAND_MANAGER = "brand_manager", _("品牌经理")
    ADMIN = "admin", _("系统管理员")


class Team(models.Model):
    """A sales team (营销部/片区) led by one market manager."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    market_manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("市场经理"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        limit_choices_to={"role": Role.MARKET_MANAGER},
    )

    class Meta:
        verbose_name = _("团队")
        verbose_name_plural = _("团队")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class User(AbstractUser):
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role, default=Role.CUSTOMER_MANAGER)
    team = models.ForeignKey(
        Team,
        verbose_name=_("所属团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        indexes = [models.Index(fields=["role", "team"])]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username
