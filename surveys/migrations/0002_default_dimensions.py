"""The default dimensions of the satisfaction survey (issue #16): admins edit them afterwards;
reversing removes those never scored."""

from django.db import migrations

DIMENSIONS = [
    ("supply", "货源供应"),
    ("brands_prices", "品牌与价格"),
    ("service", "客户经理服务"),
    ("delivery", "配送"),
    ("ordering", "订货便利"),
    ("overall", "总体满意"),
]


def seed(apps, schema_editor):
    Dimension = apps.get_model("surveys", "Dimension")
    for position, (code, name) in enumerate(DIMENSIONS, start=1):
        Dimension.objects.get_or_create(code=code, defaults={"name": name, "position": position * 10})


def unseed(apps, schema_editor):
    Dimension = apps.get_model("surveys", "Dimension")
    Dimension.objects.filter(code__in=[c for c, _n in DIMENSIONS], scores__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
