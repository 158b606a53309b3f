# A shard's results (a few MB of numbers in an .npz) are written once and read once. By
# default PostgreSQL tries to compress such a value (pglz) before storing it out of line:
# 0.13 s for a city shard's 2 MB, spent under the run's row lock, which the shards take in
# turn (issue #15). EXTERNAL stores it out of line uncompressed: 0.03 s. SQLite: nothing.

from django.db import migrations


def uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE reports_indicatorshard ALTER COLUMN payload SET STORAGE EXTERNAL"
        )


def compressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE reports_indicatorshard ALTER COLUMN payload SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0008_lighter_indicator_writes"),
    ]

    operations = [migrations.RunPython(uncompressed, compressed, elidable=False)]
