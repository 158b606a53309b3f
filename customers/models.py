from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.change_source import ChangeSource


class BusinessFormat(models.TextChoices):
    CONVENIENCE = "convenience", _("便利店")
    SUPERMARKET = "supermarket", _("超市")
    GROCERY = "grocery", _("食杂店")
    TOBACCO_LIQUOR = "tobacco_liquor", _("烟酒店")
    ENTERTAINMENT = "entertainment", _("娱乐服务")
    CATERING = "catering", _("餐饮")
    OTHER = "other", _("其他")


class MarketType(models.TextChoices):
    URBAN = "urban", _("城网")
    RURAL = "rural", _("农网")


class VisitMethod(models.TextChoices):
    ONSITE = "onsite", _("实地拜访")
    PHONE = "phone", _("电话拜访")
    ONLINE = "online", _("网络拜访")


class VisitFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    BIWEEKLY = "biweekly", _("双周")
    MONTHLY = "monthly", _("每月")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    INACTIVE = "inactive", _("无效")


# 档位 1–30 grouped into bands for the comprehensive classification (综合分类).
TIER_BANDS: list[tuple[str, int, int, str]] = [
    ("A", 26, 30, _("26–30档")),
    ("B", 21, 25, _("21–25档")),
    ("C", 16, 20, _("16–20档")),
    ("D", 11, 15, _("11–15档")),
    ("E", 6, 10, _("6–10档")),
    ("F", 1, 5, _("1–5档")),
]


def tier_band_of(tier: int | None) -> str:
    for code, low, high, _label in TIER_BANDS:
        if tier is not None and low <= tier <= high:
            return code
    return ""


class Customer(models.Model):
    """A licensed tobacco retailer (零售客户)."""

    code = models.CharField(_("客户编码"), max_length=32, unique=True)
    name = models.CharField(_("客户名称"), max_length=100)
    license_no = models.CharField(_("许可证号"), max_length=32, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    business_format = models.CharField(
        _("经营业态"), max_length=20, choices=BusinessFormat, blank=True
    )
    tier = models.PositiveSmallIntegerField(_("档位"), null=True, blank=True)
    market_type = models.CharField(_("市场类型"), max_length=10, choices=MarketType, blank=True)
    trade_area = models.CharField(_("商圈"), max_length=50, blank=True, db_index=True)
    visit_method = models.CharField(_("拜访方式"), max_length=10, choices=VisitMethod)
    visit_frequency = models.CharField(
        _("拜访频率"), max_length=10, choices=VisitFrequency, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CustomerStatus, default=CustomerStatus.ACTIVE
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["manager", "status"]),
            models.Index(fields=["tier", "business_format", "market_type"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__isnull=True) | Q(tier__gte=1, tier__lte=30),
                name="customer_tier_1_30",
            ),
            models.CheckConstraint(
                condition=~Q(visit_method=""), name="customer_visit_method_required"
            ),
            models.UniqueConstraint(
                fields=["license_no"],
                condition=~Q(license_no=""),
                name="customer_license_no_unique",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="customer_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="customer_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def tier_band(self) -> str:
        return tier_band_of(self.tier)

    @property
    def is_active(self) -> bool:
        return self.status == CustomerStatus.ACTIVE


class CustomerChange(models.Model):
    """One field of a customer changed — on the page, in the admin or by an import: who,
    when, where from, old → new (shown on the detail page and in the admin). No one (an
    import run from the command line) shows as 系统导入."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True, db_index=True)
    field = models.CharField(_("字段"), max_length=50)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=ChangeSource, default=ChangeSource.PAGE
    )

    class Meta:
        verbose_name = _("客户资料修改记录")
        verbose_name_plural = _("客户资料修改记录")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"], name="custchange_cust_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}: {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        return str(Customer._meta.get_field(self.field).verbose_name)

    @property
    def old_display(self) -> str:
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._display(self.new_value)

    def _display(self, value: str) -> str:
        field = Customer._meta.get_field(self.field)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return value
