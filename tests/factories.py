import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from accounts.models import Role, Team, User
from brands.models import Brand, Category, Sku
from customers.models import Customer
from markets.models import Forecast, InventoryCheck, OrderLine, PriceCheck, ShelfCheck


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.CUSTOMER_MANAGER
    password = factory.django.Password("pw-test-123")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.Sequence(lambda n: f"营销部{n}")
    market_manager = factory.SubFactory(UserFactory, role=Role.MARKET_MANAGER)


class CustomerManagerFactory(UserFactory):
    role = Role.CUSTOMER_MANAGER
    team = factory.SubFactory(TeamFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"62010210{n:04d}")
    name = factory.Sequence(lambda n: f"惠民便利店{n}")
    manager = factory.SubFactory(CustomerManagerFactory)
    visit_method = "onsite"
    status = "active"
    tier = 12
    business_format = "convenience"
    market_type = "urban"
    trade_area = "火车站商圈"


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"品牌{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"品类{n}")


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku

    code = factory.Sequence(lambda n: f"690102800{n:04d}")
    name = factory.Sequence(lambda n: f"云烟(紫){n}")
    brand = factory.SubFactory(BrandFactory)
    price_class = 3
    wholesale_price = Decimal("120.00")
    retail_price = Decimal("135.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order_date = dt.date(2026, 10, 5)
    customer = factory.SubFactory(CustomerFactory)
    sku = factory.SubFactory(SkuFactory)
    quantity = 10
    requested_quantity = 10
    amount = Decimal("1200.00")


class ForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecast

    month = dt.date(2026, 10, 1)
    customer = factory.SubFactory(CustomerFactory)
    quantity = 100


class BrandManagerFactory(UserFactory):
    role = Role.BRAND_MANAGER


class AdminUserFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True


class CategoryNodeFactory(CategoryFactory):
    """A node placed after its existing siblings (parent=None: a root)."""

    parent = None

    @factory.lazy_attribute
    def position(self):
        return Category.objects.filter(parent=self.parent).count()


# --- observations made on visits ---------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


class ShelfCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShelfCheck

    customer = factory.SubFactory(CustomerFactory)
    sku = factory.SubFactory(SkuFactory)
    observed_at = dt.datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)
    on_shelf = True


class InventoryCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InventoryCheck

    customer = factory.SubFactory(CustomerFactory)
    sku = factory.SubFactory(SkuFactory)
    observed_at = dt.datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)
    quantity = 10


class PriceCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceCheck

    customer = factory.SubFactory(CustomerFactory)
    sku = factory.SubFactory(SkuFactory)
    observed_at = dt.datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)
    price = Decimal("140.00")


# --- the monthly cycle and the strategy library ------------------------------------------


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.Cycle"
        django_get_or_create = ["manager", "month"]

    manager = factory.SubFactory(CustomerManagerFactory)
    month = dt.date(2026, 10, 1)


class StandardActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.StandardAction"
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"action-{n}")
    name = factory.Sequence(lambda n: f"标准动作{n}")


class WarningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.WarningRule"
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"rule-{n}")
    name = factory.Sequence(lambda n: f"预警规则{n}")
    kind = "volume_drop"
    threshold = Decimal("0.20")
    message = "环比下降 {drop}"
    action = factory.SubFactory(StandardActionFactory)
    severity = "medium"


class MarketingActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.MarketingAction"

    cycle = factory.SubFactory(CycleFactory)
    customer = factory.SubFactory(CustomerFactory, manager=factory.SelfAttribute("..cycle.manager"))
    source = "manual"
    text = factory.Sequence(lambda n: f"营销动作{n}")


class PlannedVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.PlannedVisit"

    cycle = factory.SubFactory(CycleFactory)
    customer = factory.SubFactory(CustomerFactory, manager=factory.SelfAttribute("..cycle.manager"))
    date = factory.LazyAttribute(lambda o: o.cycle.month)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.Visit"

    cycle = factory.SubFactory(CycleFactory)
    customer = factory.SubFactory(CustomerFactory, manager=factory.SelfAttribute("..cycle.manager"))
    date = factory.LazyAttribute(lambda o: o.cycle.month)
    method = "onsite"


class ImprovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cycle.Improvement"

    cycle = factory.SubFactory(CycleFactory)
    kind = "market"
    text = factory.Sequence(lambda n: f"改进事项{n}")
    due = factory.LazyAttribute(lambda o: o.cycle.month)


def survey_make(start: dt.date, kind: str = "quarter"):
    """A satisfaction survey period (its end follows from kind and start)."""
    from surveys.models import Survey

    return Survey.objects.create(kind=kind, start=start)


def answer_make(survey, customer, scores: dict[str, int], *, channel="import", at=None):
    """A satisfaction answer with ``scores`` by dimension code, written directly."""
    from surveys.models import Dimension, Response, Score

    response = Response.objects.create(
        survey=survey,
        customer=customer,
        manager=customer.manager,
        channel=channel,
        answered_at=at
        or dt.datetime.combine(survey.start + dt.timedelta(days=14), dt.time(10), tzinfo=SHANGHAI),
    )
    dims = {d.code: d for d in Dimension.objects.all()}
    Score.objects.bulk_create(
        Score(response=response, dimension=dims[code], score=value)
        for code, value in scores.items()
    )
    return response
