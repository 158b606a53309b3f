from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrderLine(models.Model):
    """One SKU on one customer's order on one day (订单明细); quantities in cartons (条).

    Millions of rows a month, loaded in bulk: the table carries only the indexes its reads
    need — (customer, date, SKU) for customer pages and the natural key, (date, id) for month
    scans. The references are not database foreign keys: per-row FK triggers doubled the
    time of a bulk import. Every reference is checked by the import in the same transaction
    (markets/order_copy.py), and customers and SKUs with orders cannot be deleted
    (on_delete=PROTECT)."""

    order_date = models.DateField(_("订单日期"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="order_lines",
        db_constraint=False,
        db_index=False,
    )
    sku = models.ForeignKey(
        "brands.Sku",
        verbose_name=_("单品"),
        on_delete=models.PROTECT,
        related_name="order_lines",
        db_constraint=False,
        db_index=False,
    )
    quantity = models.IntegerField(_("实际到货量（条）"))
    requested_quantity = models.IntegerField(_("需求量（条）"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "order_date", "sku"], name="orderline_unique_customer_day_sku"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="orderline_quantity_gte_0"),
            models.CheckConstraint(
                condition=Q(requested_quantity__gte=0), name="orderline_requested_gte_0"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="orderline_amount_gte_0"),
        ]
        # (date, id): month scans, and the admin's newest-first list read in index order
        indexes = [models.Index(fields=["order_date", "id"], name="orderline_date_id_idx")]

    def __str__(self) -> str:
        return f"{self.order_date} {self.customer_id} {self.sku_id} × {self.quantity}"


class Forecast(models.Model):
    """A customer manager's demand forecast (需求预测) for one customer and one month."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="forecasts",
    )
    quantity = models.IntegerField(_("预测量（条）"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("需求预测")
        verbose_name_plural = _("需求预测")
        ordering = ["-month", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="forecast_one_per_month"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="forecast_quantity_gte_0"),
        ]
        indexes = [models.Index(fields=["month"], name="forecast_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id}: {self.quantity}"


class Observation(models.Model):
    """Common fields of what a customer manager records at a retailer."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    observed_at = models.DateTimeField(_("检查时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["-observed_at"]


class ShelfCheck(Observation):
    sku = models.ForeignKey(
        "brands.Sku", verbose_name=_("单品"), on_delete=models.PROTECT, related_name="+"
    )
    on_shelf = models.BooleanField(_("已上柜"))

    class Meta(Observation.Meta):
        verbose_name = _("陈列检查")
        verbose_name_plural = _("陈列检查")
        indexes = [
            models.Index(fields=["customer", "sku", "observed_at"], name="shelf_cust_sku_idx")
        ]

    def __str__(self) -> str:
        return f"{self.observed_at:%Y-%m-%d} {self.sku_id}: {'✓' if self.on_shelf else '✗'}"


class InventoryCheck(Observation):
    sku = models.ForeignKey(
        "brands.Sku", verbose_name=_("单品"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.IntegerField(_("库存（条）"))

    class Meta(Observation.Meta):
        verbose_name = _("库存检查")
        verbose_name_plural = _("库存检查")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inventory_quantity_gte_0")
        ]
        indexes = [models.Index(fields=["customer", "sku", "observed_at"], name="inv_cust_sku_idx")]

    def __str__(self) -> str:
        return f"{self.observed_at:%Y-%m-%d} {self.sku_id}: {self.quantity}"


class PriceCheck(Observation):
    sku = models.ForeignKey(
        "brands.Sku", verbose_name=_("单品"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("零售价（元/条）"), max_digits=10, decimal_places=2)

    class Meta(Observation.Meta):
        verbose_name = _("零售价检查")
        verbose_name_plural = _("零售价检查")
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="price_gte_0")]
        indexes = [
            models.Index(fields=["customer", "sku", "observed_at"], name="price_cust_sku_idx")
        ]

    def __str__(self) -> str:
        return f"{self.observed_at:%Y-%m-%d} {self.sku_id}: {self.price}"


class MarketInfo(Observation):
    content = models.TextField(_("市场信息"))

    class Meta(Observation.Meta):
        verbose_name = _("市场信息")
        verbose_name_plural = _("市场信息")
        indexes = [models.Index(fields=["customer", "observed_at"], name="mktinfo_cust_idx")]

    def __str__(self) -> str:
        return f"{self.observed_at:%Y-%m-%d} {self.content[:30]}"


# the checks made on a visit: kind → (model, the observed value's field)
CHECK_MODELS = {
    "shelf": (ShelfCheck, "on_shelf"),
    "inventory": (InventoryCheck, "quantity"),
    "price": (PriceCheck, "price"),
}


class OrderMonthImport(models.Model):
    """Which file a month's order lines were last written from (the PostgreSQL import,
    markets/order_copy.py): the file's SHA-256, a digest of the customer and SKU codes, ids
    and prices it was resolved with, and the month's partition. A file imported again
    unchanged, with the same codes and prices, into partitions nobody has written since is
    unchanged by definition and is not read again. Any write to the order lines removes the
    marks it may concern (a trigger on the table and each partition, migration 0004)."""

    month = models.DateField(_("月份"), unique=True)
    content_sha256 = models.CharField(max_length=64)
    master_sha256 = models.CharField(max_length=64)
    partition_oid = models.BigIntegerField()
    file_months = models.PositiveSmallIntegerField()
    rows_total = models.PositiveIntegerField()
    # the month holds exactly the file's lines (a new or replaced month)
    exact = models.BooleanField()

    class Meta:
        verbose_name = _("订单月份导入记录")
        verbose_name_plural = _("订单月份导入记录")
        indexes = [models.Index(fields=["content_sha256"], name="ordermonth_sha_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.content_sha256[:12]}"
