"""The export job model now belongs to core (core/migrations/0001_export_job.py), which keeps
this app's table: forget the model here without dropping anything."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_job_heartbeat"),
        ("core", "0001_export_job"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ExportJob")],
            database_operations=[],
        ),
    ]
