# On PostgreSQL the three indicator tables become partitioned by month (LIST on month): one
# partition a month plus a default one (reports/partitions.py). A month is then written by
# building its partition aside and swapping it in. SQLite keeps the plain tables; the models
# and Django's migration state do not change: the ORM reads and writes the parents.

from django.db import migrations

TABLES = ("reports_scopeindicator", "reports_customerindicator", "reports_managerindicator")
# migration 0005's BRIN index on month found a month's rows for the delete; partitions do now
BRIN = "scopeind_month_brin"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from reports import partitions

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(f"DROP INDEX IF EXISTS {BRIN}")
        for table in TABLES:
            partitions.partition(cursor, table)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from reports import partitions

    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            partitions.unpartition(cursor, table)
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {BRIN} ON {TABLES[0]} USING brin (month)")


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0009_shard_payload_uncompressed"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
