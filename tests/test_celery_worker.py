"""A task travels through Redis to a real Celery worker process and back."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app
from customers.models import Customer
from imports.models import ImportJob, ImportStatus
from imports.tasks import run_import_job
from tests.factories import CustomerManagerFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (run through .ci/run)")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process must share the test database: needs PostgreSQL")
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        # export jobs write their files here; the test reads them back
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    always_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = always_eager
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)


def test_import_job_runs_in_a_real_worker(worker):
    CustomerManagerFactory(username="cm01")
    job = ImportJob.objects.create(
        kind="customers",
        filename="customers.csv",
        content="code,name,manager,visit_method,status\nW1,工人店,cm01,onsite,active\n".encode(),
    )
    result = run_import_job.apply_async(args=[job.pk], queue=worker)
    assert result.get(timeout=90) == ImportStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.status, job.rows_created) == (ImportStatus.SUCCEEDED, 1)
    assert Customer.objects.get(code="W1").name == "工人店"


def test_monthly_indicators_run_in_a_real_worker(worker):
    import datetime as dt

    from reports.models import IndicatorRun, RunStatus, ScopeIndicator
    from reports.tasks import compute_month
    from tests.factories import CustomerFactory, OrderLineFactory

    customer = CustomerFactory()
    OrderLineFactory(customer=customer, order_date=dt.date(2026, 10, 9), quantity=7)
    result = compute_month.apply_async(args=["2026-10"], queue=worker)
    outcome = result.get(timeout=120)
    assert outcome["status"] == RunStatus.SUCCEEDED
    run = IndicatorRun.objects.get(pk=outcome["run"])
    assert run.status == RunStatus.SUCCEEDED and run.rows_written > 0
    company = ScopeIndicator.objects.get(
        month=dt.date(2026, 10, 1),
        scope_type="company",
        object_type="sku",
        object_key=customer.order_lines.get().sku.code,
    )
    assert (company.volume, company.coverage_rate) == (7, 1.0)


def test_export_job_runs_in_a_real_worker(worker):
    import io

    from openpyxl import load_workbook

    from core.models import ExportJob, ExportStatus
    from core.tasks import run_export_job
    from tests.factories import AdminUserFactory, CustomerFactory

    CustomerFactory(code="W2", name="工人二店")
    job = ExportJob.objects.create(
        kind="customers",
        params={"q": "W2"},
        requested_by=AdminUserFactory(),
        rows_total=1,
        filename="customers.xlsx",
    )
    result = run_export_job.apply_async(args=[job.pk], queue=worker)
    assert result.get(timeout=90) == ExportStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.progress) == (ExportStatus.SUCCEEDED, 1, 100)
    with job.file.open("rb") as handle:  # written by the worker, read here
        rows = list(load_workbook(io.BytesIO(handle.read())).active.values)
    assert rows[1][:2] == ("W2", "工人二店")
