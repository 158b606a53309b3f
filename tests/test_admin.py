"""Every model is maintained in the admin site: its list, search and filters render."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ForecastFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "customers", "brands", "markets", "imports", "surveys"}
NO_ADD = {"importjob", "customerchange", "catalogchange", "ordermonthimport", "response", "score"}


def test_every_project_model_is_registered():
    from django.apps import apps

    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model), model


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS],
    ids=lambda m: m._meta.label,
)
def test_changelist_search_and_add_pages_render(admin_client, model):
    OrderLineFactory()
    ForecastFactory()
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    if admin.site._registry[model].search_fields:
        assert admin_client.get(url, {"q": "便利店"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # uploads are added through the import page; audit trails and import records are written
    # by the services
    assert add.status_code == (403 if model._meta.model_name in NO_ADD else 200)
