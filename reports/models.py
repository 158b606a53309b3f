"""The indicator store (DESIGN.md §5): one row per month and scope and object, per customer and
month, per customer manager and month, and a record of every monthly run.

Rates are fractions stored as floats; NULL means empty (the denominator was 0, or there was
nothing to observe). Money is stored as Decimal. Rows are written only by
``reports.services.indicators_compute``, which replaces a whole month at once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.heartbeat import is_overdue


class ScopeType(models.TextChoices):
    COMPANY = "company", _("全公司")
    TEAM = "team", _("团队")
    MANAGER = "manager", _("客户经理")


class ObjectType(models.TextChoices):
    SKU = "sku", _("单品")
    BRAND = "brand", _("品牌")
    CATEGORY = "category", _("品类")


class SupplyState(models.TextChoices):
    TIGHT = "tight", _("紧俏")
    BALANCED = "balanced", _("平衡")
    AMPLE = "ample", _("宽松")


def _rate(label):
    return models.FloatField(label, null=True, blank=True)


def _money(label, *, null=False):
    return models.DecimalField(label, max_digits=18, decimal_places=2, null=null, blank=null)


class ScopeIndicator(models.Model):
    """Brand indicators (五率、量价存) of one SKU, brand or category node in one scope."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    scope_type = models.CharField(_("范围类型"), max_length=16, choices=ScopeType)
    scope_key = models.CharField(
        _("范围"), max_length=150, blank=True, help_text=_("全公司为空；团队编码；客户经理用户名")
    )
    object_type = models.CharField(_("对象类型"), max_length=16, choices=ObjectType)
    object_key = models.CharField(
        _("对象编码"), max_length=100, help_text=_("单品编码；品牌名称；品类 ID")
    )
    object_name = models.CharField(_("对象名称"), max_length=200, blank=True)
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    ordering_customers = models.PositiveIntegerField(_("订购客户数"), default=0)
    coverage_rate = _rate(_("覆盖率"))
    shelf_rate = _rate(_("上柜率"))
    repurchase_rate = _rate(_("再购率"))
    volume = models.BigIntegerField(_("销量（条）"), default=0)
    amount = _money(_("金额（元）"))
    avg_price = _money(_("条均价（元）"), null=True)
    requested = models.BigIntegerField(_("需求量（条）"), default=0)
    supply_satisfaction = _rate(_("供应满足率"))
    supply_state = models.CharField(_("供求状态"), max_length=16, choices=SupplyState, blank=True)
    share = _rate(_("市场份额"))
    share_growth = _rate(_("份额成长率"))
    volume_growth_mom = _rate(_("销量环比"))
    volume_growth_yoy = _rate(_("销量同比"))
    price_index = _rate(_("零售价指数"))
    inventory_to_sales = _rate(_("存销比"))

    class Meta:
        verbose_name = _("品牌指标")
        verbose_name_plural = _("品牌指标")
        ordering = ["-month", "scope_type", "scope_key", "object_type", "object_key"]
        # One index, which every read goes through: each gives the scope and the object
        # type, then one month (a page, an export) or a few (a trend), then keys. Fewer
        # indexes to fill keep the monthly write short (issue #15). The month's replace finds
        # its rows through a BRIN index on month, PostgreSQL only (migration 0005).
        # Not a unique index: the job is the one writer (a month at a time, under an advisory
        # lock) and writes each key once (tests/test_indicators_golden.py counts the rows);
        # checking uniqueness made every new row probe the old month's rows the same
        # transaction had just deleted, which doubled the write of a city month.
        indexes = [
            models.Index(
                fields=["scope_type", "scope_key", "object_type", "month", "object_key"],
                name="scopeind_scope_object_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_label} {self.object_type}:{self.object_key}"

    @property
    def scope_label(self) -> str:
        return self.scope_type if not self.scope_key else f"{self.scope_type}:{self.scope_key}"


class CustomerIndicator(models.Model):
    """One active customer's month. ``manager`` and ``team`` are as they were when the month
    was computed."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="indicators",
        # the unique (customer, month) index serves every lookup by customer
        db_index=False,
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    volume = models.BigIntegerField(_("销量（条）"), default=0)
    amount = _money(_("金额（元）"))
    order_days = models.PositiveSmallIntegerField(_("订货天数"), default=0)
    distinct_skus = models.PositiveIntegerField(_("订购规格数"), default=0)
    key_skus_ordered = models.PositiveIntegerField(_("订购重点规格数"), default=0)
    avg_price = _money(_("条均价（元）"), null=True)
    volume_change_mom = _rate(_("销量环比"))
    forecast = models.BigIntegerField(_("预测量（条）"), null=True, blank=True)
    requested = models.BigIntegerField(_("需求量（条）"), default=0)
    forecast_error = _rate(_("预测误差"))
    inventory_to_sales = _rate(_("存销比"))
    # from the month's cycles (cycle/execution_counts.py): valid visits (checked in and out at
    # least a minute apart), and the customer's planned actions (not temporary) marked done
    visits_done = models.PositiveIntegerField(_("已拜访次数"), default=0)
    actions_done = models.PositiveIntegerField(_("已完成动作"), default=0)
    # retailer gross profit (客户赢利水平, reports/profit_rates.py): Σ volume × retail price −
    # amount paid; empty in months computed before it existed
    gross_profit = _money(_("客户毛利（元）"), null=True)
    gross_profit_change_mom = _rate(_("毛利环比"))
    gross_profit_change_yoy = _rate(_("毛利同比"))

    class Meta:
        verbose_name = _("客户指标")
        verbose_name_plural = _("客户指标")
        ordering = ["-month", "customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month"], name="customerindicator_unique_customer_month"
            )
        ]
        indexes = [models.Index(fields=["month", "manager"], name="custind_month_manager_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id}"


class ManagerIndicator(models.Model):
    """One customer manager's month. ``team`` is as it was when the month was computed."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    volume = models.BigIntegerField(_("销量（条）"), default=0)
    volume_growth_mom = _rate(_("销量环比"))
    forecast_accuracy = _rate(_("预测准确率"))
    forecast_bias = _rate(_("预测偏差"))
    forecast_coverage = _rate(_("预测覆盖率"))
    # from the manager's cycle of the month (cycle/execution_counts.py): planned = the plan's
    # actions not removed, temporary tasks left out; done = those marked done; completion =
    # done / planned; visits planned = the weekly arrangement's days; done = valid visits
    actions_planned = models.PositiveIntegerField(_("计划动作"), default=0)
    actions_done = models.PositiveIntegerField(_("已完成动作"), default=0)
    completion_rate = _rate(_("动作完成率"))
    visits_planned = models.PositiveIntegerField(_("计划拜访"), default=0)
    visits_done = models.PositiveIntegerField(_("已拜访"), default=0)
    # the customers' gross profit (reports/profit_rates.py): its total; the customers with a
    # gross profit stored for M−1 (compared) and those of them whose profit grew, and the share
    gross_profit = _money(_("客户毛利合计（元）"), null=True)
    profit_compared = models.PositiveIntegerField(_("毛利可比客户"), default=0)
    profit_grew = models.PositiveIntegerField(_("毛利增长客户"), default=0)
    profit_grew_share = _rate(_("毛利增长客户占比"))

    class Meta:
        verbose_name = _("客户经理指标")
        verbose_name_plural = _("客户经理指标")
        ordering = ["-month", "manager_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "month"], name="managerindicator_unique_manager_month"
            )
        ]
        indexes = [models.Index(fields=["month", "team"], name="mgrind_month_team_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.manager_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class IndicatorRun(models.Model):
    """One run of the monthly job. Progress is committed as the run goes, outside the
    transaction that replaces the month's rows, so that a page can poll it.

    A run asked for from a page is recorded ``queued`` by the request and taken by the
    worker (``started_at`` is then when the worker took it); the command and the monthly
    schedule record theirs already running. ``heartbeat_at`` is the worker's last sign of
    life (core/heartbeat.py)."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("写入行数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    step = models.CharField(_("步骤"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("指标计算记录")
        verbose_name_plural = _("指标计算记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_status_display()}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_stale(self) -> bool:
        """Queued or running, but its worker is gone: shown failed, may be started again."""
        if self.status == RunStatus.RUNNING:
            return is_overdue(running=True, since=self.heartbeat_at or self.started_at)
        if self.status == RunStatus.QUEUED:
            return is_overdue(running=False, since=self.started_at)
        return False

    @property
    def is_active(self) -> bool:
        """Queued or running with a live worker: a page keeps polling it."""
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING) and not self.is_stale


class IndicatorShard(models.Model):
    """One shard of a run fanned out over Celery workers (reports/fanout.py): the active
    customers in a range of ids. Its results wait in ``payload`` (reports/
    shard_payload.py) until the last shard puts the month together, and are dropped then."""

    run = models.ForeignKey(
        IndicatorRun, on_delete=models.CASCADE, related_name="shards", verbose_name=_("计算记录")
    )
    number = models.PositiveSmallIntegerField(_("分片"))
    # the active customers with an id in [first_customer, last_customer]; no bound: None
    first_customer = models.BigIntegerField(_("起始客户 ID"), null=True, blank=True)
    last_customer = models.BigIntegerField(_("截止客户 ID"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus, default=RunStatus.QUEUED)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    payload = models.BinaryField(_("结果"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("指标计算分片")
        verbose_name_plural = _("指标计算分片")
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="indicatorshard_run_number")
        ]

    def __str__(self) -> str:
        return f"{self.run} #{self.number}"
