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


def _customers_csv(customer, phone):
    return (
        "客户编码,客户名称,客户经理,拜访方式,状态,电话\n"
        f"{customer.code},{customer.name},{customer.manager.username},onsite,active,{phone}\n"
    ).encode()


def _skus_csv(sku, price):
    return (
        f"商品编码,商品名称,品牌,批发价\n{sku.code},{sku.name},{sku.brand.name},{price}\n"
    ).encode()


class TestImports:
    def test_customer_import_records_phone_change_by_the_job_owner(self):
        from imports.models import ImportJob
        from imports.services import import_job_run

        customer = CustomerFactory(phone="13800000000")
        owner = AdminUserFactory(username="importer", name="导入人")
        job = ImportJob.objects.create(
            kind="customers",
            filename="c.csv",
            content=_customers_csv(customer, "13922223333"),
            dry_run=False,
            created_by=owner,
        )
        import_job_run(job_id=job.pk)

        customer.refresh_from_db()
        assert customer.phone == "13922223333"
        change = CustomerChange.objects.get(customer=customer)
        assert (change.field, change.old_value, change.new_value, change.source) == (
            "phone",
            "13800000000",
            "13922223333",
            "import",
        )
        assert change.changed_by == owner

    def test_sku_import_records_price_change_and_reimport_adds_nothing(self):
        from imports.services import import_file

        sku = SkuFactory(wholesale_price=Decimal("120.00"))
        content = _skus_csv(sku, "126.00")
        first = import_file(kind="skus", content=content, filename="s.csv")
        assert first.ok and first.counts.updated == 1

        change = CatalogChange.objects.get(object_type="sku", object_id=sku.pk)
        assert (change.field, change.old_value, change.new_value, change.source) == (
            "wholesale_price",
            "120.00",
            "126.00",
            "import",
        )
        assert change.by is None  # the command line: shown as 系统导入
        assert change.object_repr == f"{sku.name}（{sku.code}）"

        import_file(kind="skus", content=content, filename="s.csv")
        assert CatalogChange.objects.count() == 1

    def test_customer_reimport_adds_no_rows(self):
        from imports.services import import_file

        customer = CustomerFactory(phone="13800000000")
        content = _customers_csv(customer, "13922223333")
        import_file(kind="customers", content=content, filename="c.csv")
        import_file(kind="customers", content=content, filename="c.csv")
        assert CustomerChange.objects.filter(source="import").count() == 1

    def test_detail_pages_show_imports(self, client):
        from imports.services import import_file

        customer = CustomerFactory(phone="13800000000")
        sku = SkuFactory(wholesale_price=Decimal("120.00"))
        import_file(kind="customers", content=_customers_csv(customer, "139"), filename="c.csv")
        import_file(kind="skus", content=_skus_csv(sku, "126.00"), filename="s.csv")

        client.force_login(customer.manager)
        page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert "系统导入" in page and "导入" in page and "13800000000" in page

        client.force_login(BrandManagerFactory(username="bm"))
        page = client.get(reverse("brands:sku_edit", args=[sku.pk])).content.decode()
        assert "系统导入 · 导入" in page and "120.00 → 126.00" in page
