"""The database itself refuses impossible data, whatever code path writes it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from brands.models import Sku
from customers.models import Customer
from markets.models import InventoryCheck, OrderLine
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    ForecastFactory,
    OrderLineFactory,
    SkuFactory,
)

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_customer_code_and_license_are_unique():
    c = CustomerFactory(license_no="620100000001")
    refused(lambda: CustomerFactory(code=c.code))
    refused(lambda: CustomerFactory(license_no="620100000001"))
    CustomerFactory(license_no="")  # many customers may have no licence on file
    CustomerFactory(license_no="")


def test_customer_tier_and_visit_method():
    refused(lambda: CustomerFactory(tier=31))
    refused(lambda: CustomerFactory(tier=0))
    refused(lambda: CustomerFactory(visit_method=""))


def test_order_lines_non_negative_and_one_per_day_customer_sku():
    line = OrderLineFactory()
    refused(
        lambda: OrderLineFactory(order_date=line.order_date, customer=line.customer, sku=line.sku)
    )
    refused(lambda: OrderLineFactory(quantity=-1))
    refused(lambda: OrderLineFactory(requested_quantity=-1))
    refused(lambda: OrderLineFactory(amount=Decimal("-0.01")))
    OrderLineFactory(quantity=0, requested_quantity=5, amount=0)  # requested only is valid


def test_one_forecast_per_customer_and_month():
    f = ForecastFactory()
    refused(lambda: ForecastFactory(customer=f.customer, month=f.month))
    refused(lambda: ForecastFactory(quantity=-3))
    ForecastFactory(customer=f.customer, month=dt.date(2026, 11, 1))


def test_sku_ranges_and_key_brand_default():
    sku = SkuFactory()
    assert sku.is_key_brand is False
    refused(lambda: SkuFactory(price_class=6))
    refused(lambda: SkuFactory(code=sku.code))
    refused(lambda: SkuFactory(wholesale_price=Decimal("-1")))


def test_category_names_unique_among_siblings():
    root = CategoryFactory(name="卷烟")
    CategoryFactory(name="一类烟", parent=root)
    refused(lambda: CategoryFactory(name="一类烟", parent=root))
    refused(lambda: CategoryFactory(name="卷烟"))  # two roots of one name
    other = CategoryFactory(name="雪茄")
    CategoryFactory(name="一类烟", parent=other)  # same name under another parent is fine


def test_inventory_not_negative():
    c, s = CustomerFactory(), SkuFactory()
    refused(
        lambda: InventoryCheck.objects.create(
            customer=c, sku=s, observed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC), quantity=-1
        )
    )


def test_order_lines_are_indexed_by_date():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, OrderLine._meta.db_table)
    indexed = [c["columns"] for c in constraints.values() if c["index"]]
    # (order_date, id): month scans, and the admin's newest-first list in index order
    assert ["order_date", "id"] in indexed


def test_deleting_a_customer_with_orders_is_refused():
    line = OrderLineFactory()
    with pytest.raises(ProtectedError):
        line.customer.delete()
    with pytest.raises(ProtectedError):
        line.sku.delete()
    assert Customer.objects.filter(pk=line.customer_id).exists()
    assert Sku.objects.filter(pk=line.sku_id).exists()
