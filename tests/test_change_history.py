"""Issue #14 point 7: every change to a customer or a SKU — on the page, in the Django
admin, by an import — is in its history with who, when, source and old → new."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from brands.models import CatalogChange
from customers.models import CustomerChange
from tests.factories import AdminUserFactory, BrandManagerFactory, CustomerFactory, SkuFactory

pytestmark = pytest.mark.django_db


def _admin_post(client, obj, **changes):
    data = {k: "" if v is None else v for k, v in model_to_dict(obj).items()}
    data.update(changes)
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()


@pytest.fixture
def admin_user():
    return AdminUserFactory(username="root", name="管理员甲", is_superuser=True)


class TestAdminEdits:
    def test_customer_edit_in_admin_is_recorded(self, client, admin_user):
        customer = CustomerFactory(phone="13800000000")
        client.force_login(admin_user)
        _admin_post(client, customer, phone="13911112222")

        assert customer.phone == "13911112222"
        change = CustomerChange.objects.get(customer=customer)
        assert (change.field, change.old_value, change.new_value) == (
            "phone",
            "13800000000",
            "13911112222",
        )
        assert change.source == "admin"
        assert change.changed_by == admin_user

    def test_customer_admin_save_without_change_records_nothing(self, client, admin_user):
        customer = CustomerFactory()
        client.force_login(admin_user)
        _admin_post(client, customer)
        assert not CustomerChange.objects.exists()

    def test_sku_edit_in_admin_is_recorded(self, client, admin_user):
        sku = SkuFactory(wholesale_price=Decimal("120.00"))
        client.force_login(admin_user)
        _admin_post(client, sku, wholesale_price="125.50")

        assert sku.wholesale_price == Decimal("125.50")
        change = CatalogChange.objects.get(object_type="sku", object_id=sku.pk)
        assert (change.field, change.old_value, change.new_value) == (
            "wholesale_price",
            "120.00",
            "125.50",
        )
        assert change.source == "admin"
        assert change.by == admin_user
        assert change.field_label == "批发价（元/条）"

    def test_detail_pages_show_admin_source(self, client, admin_user):
        customer = CustomerFactory(phone="13800000000")
        sku = SkuFactory(retail_price=Decimal("135.00"))
        client.force_login(admin_user)
        _admin_post(client, customer, phone="13911112222")
        _admin_post(client, sku, retail_price="140.00")

        client.force_login(customer.manager)
        page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert "管理后台" in page and "13800000000" in page and "13911112222" in page

        client.force_login(BrandManagerFactory(username="bm"))
        page = client.get(reverse("brands:sku_edit", args=[sku.pk])).content.decode()
        assert "管理后台" in page and "135.00 → 140.00" in page
