"""The export job model moves from reports to core (issue #13: the export machinery is a
utility every app uses). Its table stays where it is (``reports_exportjob``): this migration
only tells Django's state that core now owns it, after the reports migrations that made the
table; reports' 0004 then forgets its own copy. Nothing is written to the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reports", "0003_job_heartbeat"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(max_length=32, verbose_name="导出类型")),
                        ("params", models.JSONField(blank=True, default=dict, verbose_name="参数")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "排队中"),
                                    ("running", "导出中"),
                                    ("succeeded", "已完成"),
                                    ("failed", "失败"),
                                ],
                                default="pending",
                                max_length=16,
                                verbose_name="状态",
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0, verbose_name="进度（%）")),
                        ("rows_total", models.PositiveIntegerField(default=0, verbose_name="预计行数")),
                        ("rows_written", models.PositiveIntegerField(default=0, verbose_name="已写行数")),
                        ("filename", models.CharField(max_length=200, verbose_name="文件名")),
                        (
                            "file",
                            models.FileField(
                                blank=True, max_length=200, upload_to="exports/%Y/%m/", verbose_name="文件"
                            ),
                        ),
                        ("error", models.TextField(blank=True, verbose_name="错误")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="申请时间")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="开始时间")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True, verbose_name="最近心跳")),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="export_jobs",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="申请人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "导出任务",
                        "verbose_name_plural": "导出任务",
                        "db_table": "reports_exportjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["requested_by", "-created_at"], name="exportjob_user_idx")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
