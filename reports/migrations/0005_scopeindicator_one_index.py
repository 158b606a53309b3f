"""The brand indicators keep one index that serves every read (scope, object type, month,
object key — also their unique key) instead of two five-column ones, and on PostgreSQL a BRIN
index on month for the monthly replace (a few pages per month, next to nothing to fill)."""

from django.db import migrations, models

BRIN = "scopeind_month_brin"


def add_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {BRIN} ON reports_scopeindicator USING brin (month)"
        )


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {BRIN}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_export_job_to_core")]

    operations = [
        migrations.RemoveIndex(model_name="scopeindicator", name="scopeind_trend_idx"),
        migrations.RemoveConstraint(
            model_name="scopeindicator", name="scopeindicator_unique_month_scope_object"
        ),
        migrations.AddConstraint(
            model_name="scopeindicator",
            constraint=models.UniqueConstraint(
                fields=("scope_type", "scope_key", "object_type", "month", "object_key"),
                name="scopeindicator_unique_scope_object_month",
            ),
        ),
        migrations.RunPython(add_brin, drop_brin, elidable=False),
    ]
