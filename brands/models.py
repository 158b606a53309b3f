from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.change_source import ChangeSource


class Category(models.Model):
    """A node of the category tree (品类结构树): any depth, siblings ordered by position."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("品类")
        verbose_name_plural = _("品类结构")
        ordering = ["parent_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="category_unique_name_per_parent"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="category_unique_root_name"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="category_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(_("品牌"), max_length=50, unique=True)
    manufacturer = models.CharField(_("生产企业"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("品牌")
        verbose_name_plural = _("品牌")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SkuStatus(models.TextChoices):
    ACTIVE = "active", _("在销")
    DISCONTINUED = "discontinued", _("停销")


class Sku(models.Model):
    """A product specification (单品/规格); prices are per carton (条)."""

    code = models.CharField(_("商品编码"), max_length=32, unique=True)
    name = models.CharField(_("商品名称"), max_length=100)
    brand = models.ForeignKey(
        Brand, verbose_name=_("品牌"), on_delete=models.PROTECT, related_name="skus"
    )
    manufacturer = models.CharField(_("生产企业"), max_length=100, blank=True)
    price_class = models.PositiveSmallIntegerField(_("价类"), null=True, blank=True)
    wholesale_price = models.DecimalField(
        _("批发价（元/条）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    retail_price = models.DecimalField(
        _("建议零售价（元/条）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    tar_mg = models.DecimalField(
        _("焦油含量（mg）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    tar_mg_imported = models.DecimalField(
        _("导入的焦油含量（mg）"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    is_key_brand = models.BooleanField(_("重点品牌"), default=False)
    launch_date = models.DateField(_("上市日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=SkuStatus, default=SkuStatus.ACTIVE)
    category = models.ForeignKey(
        Category,
        verbose_name=_("品类（叶子节点）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="skus",
    )

    class Meta:
        verbose_name = _("单品")
        verbose_name_plural = _("单品")
        ordering = ["code"]
        indexes = [models.Index(fields=["is_key_brand", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_class__isnull=True) | Q(price_class__gte=1, price_class__lte=5),
                name="sku_price_class_1_5",
            ),
            models.CheckConstraint(
                condition=Q(wholesale_price__isnull=True) | Q(wholesale_price__gte=0),
                name="sku_wholesale_price_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(retail_price__isnull=True) | Q(retail_price__gte=0),
                name="sku_retail_price_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(tar_mg__isnull=True) | Q(tar_mg__gte=0),
                name="sku_tar_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CatalogChange(models.Model):
    """One change to the catalogue made in the brand manager's workspace: who, when, which
    object, which field, old → new (values as readable text). Written by brands.services."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        MOVE = "move", _("移动")
        REORDER = "reorder", _("调整顺序")
        DELETE = "delete", _("删除")
        MAP = "map", _("归入品类")
        UNMAP = "unmap", _("取消归类")

    class ObjectType(models.TextChoices):
        CATEGORY = "category", _("品类")
        SKU = "sku", _("单品")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_changes",
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=16, choices=ObjectType.choices)
    object_id = models.PositiveBigIntegerField(_("对象 ID"))
    object_repr = models.CharField(_("对象"), max_length=200)
    field = models.CharField(_("字段"), max_length=50, blank=True)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=ChangeSource, default=ChangeSource.PAGE
    )

    class Meta:
        verbose_name = _("商品目录变更记录")
        verbose_name_plural = _("商品目录变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    FIELD_LABELS = {
        "name": _("名称"),
        "parent": _("上级"),
        "position": _("排序"),
        "category": _("品类"),
        "is_key_brand": _("重点品牌"),
        "tar_mg": _("焦油含量（mg）"),
    }

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    @property
    def field_label(self) -> str:
        if self.field in self.FIELD_LABELS:
            return self.FIELD_LABELS[self.field]
        if self.object_type == self.ObjectType.SKU:
            # admin and import edits reach every SKU field
            try:
                return str(Sku._meta.get_field(self.field).verbose_name)
            except FieldDoesNotExist:
                pass
        return self.field
