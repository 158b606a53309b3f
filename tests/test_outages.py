"""Outages as an operator and a user meet them (issue #12, point 4, and export reuse of
point 6): /healthz names the database or Redis when it cannot reach them while /livez stays
up; with the broker down or hung every job a page starts fails within seconds with a message
on the page and nothing stays pending; a run or job whose worker died is shown failed, may be
started again and is swept; a task delivered again for a failed job does nothing; the same
export asked for twice gives one job."""

import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from config.celery_app import app
from core.export_jobs import export_job_start
from core.models import ExportJob, ExportStatus
from core.tasks import run_export_job
from customers.models import Customer
from imports.models import ImportJob, ImportStatus
from imports.tasks import run_import_job, sweep_stale_import_jobs
from reports.models import (
    CustomerIndicator,
    IndicatorRun,
    RunStatus,
)
from reports.tasks import compute_month, sweep_stale_jobs
from tests.factories import CustomerFactory, OrderLineFactory

ROOT = Path(__file__).resolve().parent.parent
QUEUE_DOWN = "后台任务队列暂时不可用，任务未能开始，请稍后再试。"
WORKER_GONE = "后台进程中断，任务未能完成，可重新开始。"
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
OCT = dt.date(2026, 10, 1)
LONG_AGO = dt.timedelta(hours=3)


@pytest.fixture
def hung_redis():
    """A port that accepts connections and never answers: Redis stopped (SIGSTOP), a
    half-open connection through a firewall. Without timeouts a client waits forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def _drop_broker_connections():
    # Celery builds its producer pool from the broker URL on first use and keeps it (as
    # after a fork, Celery's own reset): the next publish connects to the URL of the moment.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_at():
    """Celery as in production (tasks go through the broker, nothing runs in-process), with
    the broker at the URL given. Set on the Celery app itself: another test module may have
    set ``task_always_eager`` there, which then shadows the Django settings."""
    keys = ("task_always_eager", "broker_url", "result_backend")
    changes = app.conf.changes
    saved = {key: changes[key] for key in keys if key in changes}

    def point(url: str) -> None:
        app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
        _drop_broker_connections()

    yield point
    for key in keys:
        changes.pop(key, None)
    changes.update(saved)
    _drop_broker_connections()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


# --- /healthz and /livez ----------------------------------------------------------------


def test_healthz_and_livez_answer_ok_when_all_is_well(client, db, settings):
    settings.REDIS_URL = ""  # the embedded default: no Redis to check
    healthz = client.get("/healthz")
    assert (healthz.status_code, healthz.content) == (200, b"ok")
    assert client.get("/livez").content == b"ok"
    if os.environ.get("REDIS_URL"):  # CI: the real Redis answers the ping
        settings.REDIS_URL = os.environ["REDIS_URL"]
        assert client.get("/healthz").content == b"ok"


def test_healthz_names_redis_when_it_is_unreachable(client, db, settings):
    settings.REDIS_URL = CLOSED
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.decode().startswith("redis: ConnectionError")
    assert "database" not in response.content.decode()
    assert client.get("/livez").status_code == 200


def test_healthz_gives_up_on_a_hung_redis_in_seconds(client, db, settings, hung_redis):
    settings.REDIS_URL = hung_redis
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 4  # REDIS_TIMEOUT_SECONDS is 2
    assert response.status_code == 503 and "redis: TimeoutError" in response.content.decode()


def test_healthz_names_the_database_when_it_is_unreachable():
    """A real process with settings from the environment, as the container has: PostgreSQL
    and Redis both on closed ports (no patching; the test database is not involved)."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "for url in ('/healthz', '/livez'):\n"
        "    r = Client().get(url)\n"
        "    print(url, r.status_code, r.content.decode().strip().replace('\\n', ' | '))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgresql://work135:s3cret-pw@127.0.0.1:1/work135",
        "REDIS_URL": CLOSED,
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    healthz, livez = done.stdout.strip().splitlines()
    assert healthz.startswith("/healthz 503 database: OperationalError")
    assert "| redis: ConnectionError" in healthz
    assert "s3cret-pw" not in done.stdout
    assert livez == "/livez 200 ok"


# --- broker down: the job fails at once, with a message where the user is ------------------
# transactional_db: the request is not inside a test transaction, so the job is published
# on commit within the request, as in production.


@pytest.mark.parametrize("broker", ["closed", "hung"])
def test_an_export_with_the_broker_down_fails_with_a_message(
    transactional_db, client, two_teams, broker_at, hung_redis, broker
):
    broker_at(CLOSED if broker == "closed" else hung_redis)
    user = two_teams["mm_a"]
    started = time.monotonic()
    job = export_job_start(kind="customers", params={"q": "店"}, by=user, rows=9000)
    assert time.monotonic() - started < 5
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.FAILED, QUEUE_DOWN)
    assert not ExportJob.objects.exclude(status=ExportStatus.FAILED).exists()
    client.force_login(user)
    page = client.get(f"/exports/{job.pk}/")
    assert page.status_code == 200
    assert QUEUE_DOWN in page.content.decode() and "hx-trigger" not in page.content.decode()


@pytest.mark.parametrize("broker", ["closed", "hung"])
def test_an_import_upload_with_the_broker_down_fails_with_a_message(
    transactional_db, client, two_teams, broker_at, hung_redis, broker
):
    broker_at(CLOSED if broker == "closed" else hung_redis)
    client.force_login(two_teams["admin"])
    upload = io.BytesIO("code,name,manager,visit_method\nW1,工人店,a1,onsite\n".encode())
    upload.name = "customers.csv"
    started = time.monotonic()
    response = client.post("/imports/", {"kind": "customers", "file": upload})
    assert time.monotonic() - started < 5
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/imports/{job.pk}/")
    assert job.status == ImportStatus.FAILED
    assert [e["message"] for e in job.errors] == [QUEUE_DOWN]
    page = client.get(response.url)
    assert page.status_code == 200 and QUEUE_DOWN in page.content.decode()
    assert "hx-trigger" not in page.content.decode()


@pytest.mark.parametrize("broker", ["closed", "hung"])
def test_a_recompute_with_the_broker_down_fails_with_a_message(
    transactional_db, client, two_teams, broker_at, hung_redis, broker
):
    broker_at(CLOSED if broker == "closed" else hung_redis)
    client.force_login(two_teams["mm_a"])
    started = time.monotonic()
    response = client.post("/analysis/recompute/", {"month": "2026-10"}, HTTP_HX_REQUEST="true")
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert QUEUE_DOWN in response.content.decode() and "hx-trigger" not in response.content.decode()
    run = IndicatorRun.objects.get()
    assert (run.status, run.error) == (RunStatus.FAILED, QUEUE_DOWN)
    # the page polled afterwards says the same; the failed run does not block the next try
    status = client.get("/analysis/status/?month=2026-10").content.decode()
    assert QUEUE_DOWN in status
    again = client.post("/analysis/recompute/", {"month": "2026-10"}, follow=True)
    assert again.status_code == 200 and "正在计算中" not in again.content.decode()
    assert QUEUE_DOWN in again.content.decode()  # the analysis page it lands on says why
    assert IndicatorRun.objects.count() == 2


def test_a_page_recompute_runs_the_run_it_queued(
    client, two_teams, django_capture_on_commit_callbacks
):
    """With a worker (eager here) the run the request recorded queued is the one that runs."""
    OrderLineFactory(customer=two_teams["customers"]["a1"], order_date=dt.date(2026, 10, 3))
    client.force_login(two_teams["mm_a"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/analysis/recompute/", {"month": "2026-10"})
    run = IndicatorRun.objects.get()
    assert run.status == RunStatus.QUEUED
    page = client.get("/analysis/status/?month=2026-10").content.decode()
    assert "正在排队" in page and "hx-trigger" in page
    callbacks[0]()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and IndicatorRun.objects.count() == 1


# --- a worker that died ----------------------------------------------------------------


def _running_run(*, beat_ago: dt.timedelta) -> IndicatorRun:
    return IndicatorRun.objects.create(
        month=OCT,
        status=RunStatus.RUNNING,
        started_at=timezone.now() - beat_ago - dt.timedelta(minutes=1),
        heartbeat_at=timezone.now() - beat_ago,
        progress=80,
        step="writing",
    )


def test_a_stale_run_shows_failed_and_can_be_recomputed(
    client, two_teams, django_capture_on_commit_callbacks
):
    CustomerFactory(manager=two_teams["cm"]["a1"])
    stale = _running_run(beat_ago=dt.timedelta(minutes=6))  # JOB_STALE_AFTER_SECONDS is 300
    client.force_login(two_teams["mm_a"])
    status = client.get("/analysis/status/?month=2026-10").content.decode()
    assert WORKER_GONE in status and "hx-trigger" not in status and "80%" not in status
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/analysis/recompute/", {"month": "2026-10"}, follow=True)
    assert "正在计算中" not in response.content.decode()
    stale.refresh_from_db()
    assert (stale.status, stale.error) == (RunStatus.FAILED, WORKER_GONE)
    assert IndicatorRun.objects.latest("pk").status == RunStatus.SUCCEEDED
    assert CustomerIndicator.objects.filter(month=OCT).exists()


def test_a_run_with_a_recent_heartbeat_is_not_started_twice(client, two_teams):
    _running_run(beat_ago=dt.timedelta(minutes=4))  # started long ago, but still beating
    client.force_login(two_teams["mm_a"])
    response = client.post("/analysis/recompute/", {"month": "2026-10"}, follow=True)
    assert "正在计算中" in response.content.decode()
    assert IndicatorRun.objects.count() == 1


def test_the_sweep_records_runs_and_jobs_whose_worker_died_as_failed(two_teams):
    user, now = two_teams["mm_a"], timezone.now()
    old, recent = now - dt.timedelta(minutes=6), now - dt.timedelta(minutes=1)
    stale_run = _running_run(beat_ago=dt.timedelta(minutes=6))
    live_run = _running_run(beat_ago=dt.timedelta(minutes=1))
    lost_queued_run = IndicatorRun.objects.create(
        month=OCT, status=RunStatus.QUEUED, started_at=now - LONG_AGO
    )
    waiting_run = IndicatorRun.objects.create(
        month=OCT, status=RunStatus.QUEUED, started_at=now - dt.timedelta(minutes=20)
    )

    def export(status, **fields):
        job = ExportJob.objects.create(
            kind="customers", requested_by=user, filename="c.xlsx", status=status
        )
        ExportJob.objects.filter(pk=job.pk).update(**fields)
        return job

    stale_export = export(ExportStatus.RUNNING, started_at=old, heartbeat_at=old)
    live_export = export(ExportStatus.RUNNING, started_at=old, heartbeat_at=recent)
    lost_export = export(ExportStatus.PENDING, created_at=now - LONG_AGO)
    waiting_export = export(ExportStatus.PENDING, created_at=now - dt.timedelta(minutes=20))

    def upload(status, **fields):
        job = ImportJob.objects.create(kind="customers", filename="c.csv", content=b"x")
        ImportJob.objects.filter(pk=job.pk).update(status=status, **fields)
        return job

    stale_import = upload(ImportStatus.RUNNING, heartbeat_at=old)
    live_import = upload(ImportStatus.RUNNING, heartbeat_at=recent)
    lost_import = upload(ImportStatus.PENDING, created_at=now - LONG_AGO)

    assert sweep_stale_jobs() == {"runs": 2, "exports": 2}
    assert sweep_stale_import_jobs() == 2

    for stale in (stale_run, lost_queued_run, stale_export, lost_export):
        stale.refresh_from_db()
        assert (stale.status, stale.error) == ("failed", WORKER_GONE)
        assert stale.finished_at is not None
    for live in (live_run, waiting_run, live_export, waiting_export):
        status = live.status
        live.refresh_from_db()
        assert live.status == status
    for gone in (stale_import, lost_import):
        gone.refresh_from_db()
        assert gone.status == ImportStatus.FAILED and gone.errors[0]["message"] == WORKER_GONE
    live_import.refresh_from_db()
    assert live_import.status == ImportStatus.RUNNING


def test_a_redelivered_task_of_a_failed_or_abandoned_job_does_nothing(two_teams, media):
    """acks_late: a task whose worker died is delivered again after the visibility timeout.
    By then its job failed (sweep, or the broker refused it first), or is still marked
    running by the dead worker: the task leaves it as it is."""
    user, now = two_teams["mm_a"], timezone.now()
    OrderLineFactory(customer=two_teams["customers"]["a1"], order_date=dt.date(2026, 10, 3))

    failed_export = ExportJob.objects.create(
        kind="customers", requested_by=user, filename="c.xlsx", status="failed", error="x"
    )
    abandoned_export = ExportJob.objects.create(
        kind="customers", requested_by=user, filename="c.xlsx", status="running", started_at=now
    )
    for job in (failed_export, abandoned_export):
        before = (job.status, job.error)
        assert run_export_job(job.pk) == job.status
        job.refresh_from_db()
        assert (job.status, job.error, job.file.name) == (*before, "")
    assert not list(media.rglob("*.xlsx"))

    failed_import = ImportJob.objects.create(
        kind="customers",
        filename="c.csv",
        content="code,name,manager,visit_method\nW1,工人店,a1,onsite\n".encode(),
        status=ImportStatus.FAILED,
    )
    assert run_import_job(failed_import.pk) == ImportStatus.FAILED
    failed_import.refresh_from_db()
    assert failed_import.rows_created == 0
    assert not Customer.objects.filter(code="W1").exists()

    failed_run = IndicatorRun.objects.create(
        month=OCT, status=RunStatus.FAILED, started_at=now, error=QUEUE_DOWN
    )
    abandoned_run = IndicatorRun.objects.create(
        month=OCT, status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=80
    )
    for run in (failed_run, abandoned_run):
        outcome = compute_month("2026-10", run.pk)
        assert (outcome["run"], outcome["status"]) == (run.pk, run.status)
        run.refresh_from_db()
        assert run.progress == (80 if run == abandoned_run else 0)
    assert IndicatorRun.objects.count() == 2 and not CustomerIndicator.objects.exists()


def test_a_job_that_waited_past_giving_up_is_failed_not_run(two_teams, media):
    """Delivered after the page gave it up (the user may have asked again since): recorded
    failed, not run behind the user's back."""
    user = two_teams["mm_a"]
    job = ExportJob.objects.create(kind="customers", requested_by=user, filename="c.xlsx")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - LONG_AGO)
    assert run_export_job(job.pk) == ExportStatus.FAILED
    job.refresh_from_db()
    assert job.error == WORKER_GONE and not job.file
    run = IndicatorRun.objects.create(
        month=OCT, status=RunStatus.QUEUED, started_at=timezone.now() - LONG_AGO
    )
    assert compute_month("2026-10", run.pk)["status"] == RunStatus.FAILED
    assert not CustomerIndicator.objects.exists()


def test_a_long_step_keeps_beating(transactional_db, settings, monkeypatch):
    """The writing step of the monthly job is one transaction with no progress to report:
    the heartbeat thread stamps the run meanwhile, so a slow write is not taken for a dead
    worker (stamps every JOB_STALE_AFTER_SECONDS / 5, here every second)."""
    from reports import services

    settings.JOB_STALE_AFTER_SECONDS = 5
    stamps = []

    def slow_write(month, **rows):
        written_at = IndicatorRun.objects.get().heartbeat_at
        time.sleep(2.5)
        stamps.append((written_at, IndicatorRun.objects.get().heartbeat_at))
        return 0

    monkeypatch.setattr(services, "replace_month", slow_write)
    run = services.indicators_compute(month=OCT)
    assert run.status == RunStatus.SUCCEEDED
    [(before, during)] = stamps
    assert (during - before).total_seconds() >= 1


# --- the same export asked for again ----------------------------------------------------


def test_the_same_export_asked_twice_gives_one_job(two_teams, settings, media):
    user, params = two_teams["mm_a"], {"q": "店", "status": "active"}
    first = export_job_start(kind="customers", params=params, by=user, rows=9000)
    assert first.status == ExportStatus.PENDING  # waiting for a worker (nothing commits here)
    again = export_job_start(
        kind="customers", params=dict(reversed(params.items())), by=user, rows=9000
    )
    assert again.pk == first.pk and ExportJob.objects.count() == 1
    # another user, or other parameters, or another kind: their own job
    other_user = export_job_start(kind="customers", params=params, by=two_teams["mm_b"], rows=1)
    other_params = export_job_start(kind="customers", params={"q": "烟"}, by=user, rows=1)
    assert len({first.pk, other_user.pk, other_params.pk}) == 3


def test_a_finished_export_is_reused_while_fresh(
    client, two_teams, settings, media, django_capture_on_commit_callbacks
):
    user, params = two_teams["mm_a"], {"q": "C-a"}
    with django_capture_on_commit_callbacks(execute=True):  # eager: it runs at once
        first = export_job_start(kind="customers", params=params, by=user, rows=9000)
    first.refresh_from_db()
    assert first.status == ExportStatus.SUCCEEDED and first.file
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert export_job_start(kind="customers", params=params, by=user, rows=9000) == first
    assert callbacks == []  # nothing queued again
    # older than EXPORT_REUSE_SECONDS: a new one
    ExportJob.objects.filter(pk=first.pk).update(
        finished_at=timezone.now() - dt.timedelta(seconds=settings.EXPORT_REUSE_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = export_job_start(kind="customers", params=params, by=user, rows=9000)
    assert second.pk != first.pk


@pytest.mark.parametrize("ending", ["failed", "stale", "stale-waiting"])
def test_a_failed_or_stale_export_is_not_reused(two_teams, ending):
    user, params = two_teams["mm_a"], {"q": "店"}
    first = export_job_start(kind="customers", params=params, by=user, rows=9000)
    if ending == "failed":
        ExportJob.objects.filter(pk=first.pk).update(status=ExportStatus.FAILED, error="x")
    elif ending == "stale":
        long_ago = timezone.now() - dt.timedelta(minutes=6)
        ExportJob.objects.filter(pk=first.pk).update(
            status=ExportStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago
        )
    else:
        ExportJob.objects.filter(pk=first.pk).update(created_at=timezone.now() - LONG_AGO)
    second = export_job_start(kind="customers", params=params, by=user, rows=9000)
    assert second.pk != first.pk and second.status == ExportStatus.PENDING
