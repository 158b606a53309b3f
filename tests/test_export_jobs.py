"""Exports as the user meets them: a small one downloads at once; one above
EXPORT_SYNC_MAX_ROWS becomes a job whose page shows its progress and then a download link,
for the requester only; a failing job says why and leaves no file. Also the direct Excel
downloads of the visit audit and the forecast guidance tables."""

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core import export_jobs
from core.export_jobs import export_job_run, export_job_start, export_jobs_purge
from core.models import ExportJob, ExportStatus
from reports.models import (
    CustomerIndicator,
    IndicatorRun,
    ManagerIndicator,
)
from tests.factories import CustomerFactory, CycleFactory, VisitFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def team(two_teams):
    """Team TA's a1 with five more customers (six in all, two of them Chinese-named)."""
    a1 = two_teams["cm"]["a1"]
    for n in range(5):
        CustomerFactory(manager=a1, code=f"C-a1-{n}", name=f"兴隆烟酒店{n}")
    return two_teams


def rows_of(content: bytes, sheet=None) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list((book[sheet] if sheet else book.active).values)


def exported_files(media) -> list:
    folder = media / "exports"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- small: direct ------------------------------------------------------------------------


def test_small_export_downloads_at_once(client, team, media):
    client.force_login(team["mm_a"])
    response = client.get("/customers/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    codes = sorted(r[0] for r in rows_of(response.content)[1:])
    assert codes == ["C-a1", "C-a1-0", "C-a1-1", "C-a1-2", "C-a1-3", "C-a1-4", "C-a2"]
    assert not ExportJob.objects.exists() and exported_files(media) == []


# --- large: a job -------------------------------------------------------------------------


def test_large_export_becomes_a_job_then_a_download(
    client, team, settings, media, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 4
    client.force_login(team["mm_a"])
    offered = client.get("/customers/export.xlsx?q=兴隆")  # a link followed: writes nothing
    assert offered.status_code == 200 and "开始导出" in offered.content.decode()
    assert 'action="/customers/export.xlsx?q=' in offered.content.decode()
    assert not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/customers/export.xlsx?q=兴隆")  # the page's button
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert (job.kind, job.params, job.requested_by) == ("customers", {"q": "兴隆"}, team["mm_a"])
    # eager Celery in tests: the job has run by the time the page is shown
    assert (job.status, job.rows_total, job.rows_written, job.progress) == (
        ExportStatus.SUCCEEDED,
        5,
        5,
        100,
    )
    assert job.file.name.startswith("exports/") and len(exported_files(media)) == 1
    page = client.get(response["Location"]).content.decode()
    assert "下载文件" in page and f"/exports/{job.pk}/download/" in page
    assert "hx-trigger" not in page  # done: no more polling
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    codes = sorted(r[0] for r in rows_of(content)[1:])
    assert codes == [f"C-a1-{n}" for n in range(5)]  # the filter of the list applies


def test_job_and_file_are_the_requesters_only(
    client, team, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(team["mm_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/customers/export.xlsx")
    job = ExportJob.objects.get()
    for who in (team["mm_b"], team["admin"], team["cm"]["a1"]):
        client.force_login(who)
        assert client.get(f"/exports/{job.pk}/").status_code == 404
        assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 302  # to the login


def test_pending_job_page_polls_and_shows_progress(client, team):
    job = ExportJob.objects.create(
        kind="customers",
        requested_by=team["mm_a"],
        filename="customers.xlsx",
        status=ExportStatus.RUNNING,
        rows_total=30000,
        rows_written=12000,
        progress=40,
    )
    client.force_login(team["mm_a"])
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'value="40"' in page and "12,000 / 30,000" in page
    assert "下载文件" not in page
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404  # not ready
    partial = client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith("<section") and "<html" not in partial


def test_a_job_lost_by_its_worker_stops_the_polling(client, team):
    job = ExportJob.objects.create(
        kind="customers",
        requested_by=team["mm_a"],
        filename="customers.xlsx",
        status=ExportStatus.RUNNING,
    )
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    client.force_login(team["mm_a"])
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "后台进程中断" in page and "hx-trigger" not in page


def test_progress_is_reported_while_writing(team, monkeypatch):
    seen = []

    def write(user, params, target, progress):
        progress(3)
        job = ExportJob.objects.get()
        seen.append((job.status, job.progress, job.rows_written))
        target.write(b"a,b\n")
        return 6

    fake = export_jobs.ExportKind("测试", lambda u, p: 6, write, lambda p: "test.csv")
    monkeypatch.setitem(export_jobs.KINDS, "test", fake)
    job = export_job_start(kind="test", params={}, by=team["mm_a"], rows=6)
    export_job_run(job_id=job.pk)
    assert seen == [(ExportStatus.RUNNING, 50, 3)]
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows_written) == (ExportStatus.SUCCEEDED, 100, 6)
    assert job.file.name.endswith(".csv") and job.file.read() == b"a,b\n"


def test_customer_export_reports_progress_in_chunks(team, monkeypatch):
    import core.xlsx

    monkeypatch.setattr(core.xlsx, "CHUNK", 2)
    reported = []
    original = ExportJob.objects.filter

    def spy(*args, **kwargs):
        found = original(*args, **kwargs)
        update = found.update

        def recorded(**values):
            if "rows_written" in values:
                reported.append(values["rows_written"])
            return update(**values)

        found.update = recorded
        return found

    monkeypatch.setattr(ExportJob.objects, "filter", spy)
    job = export_job_start(kind="customers", params={"manager": ""}, by=team["mm_a"], rows=7)
    job = export_job_run(job_id=job.pk)
    assert job.status == ExportStatus.SUCCEEDED and job.rows_written == 7
    assert reported == [2, 4, 6]


def test_failure_is_recorded_with_the_error_and_no_file(team, media, monkeypatch):
    def write(user, params, target, progress):
        target.write(b"half a file")
        raise RuntimeError("磁盘已满")

    fake = export_jobs.ExportKind("测试", lambda u, p: 1, write, lambda p: "test.xlsx")
    monkeypatch.setitem(export_jobs.KINDS, "broken", fake)
    job = export_job_start(kind="broken", params={}, by=team["mm_a"], rows=1)
    job = export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "磁盘已满" in job.error
    assert not job.file and exported_files(media) == [] and job.finished_at is not None


def test_failed_job_page_says_why(client, team):
    job = ExportJob.objects.create(
        kind="customers",
        requested_by=team["mm_a"],
        filename="customers.xlsx",
        status=ExportStatus.FAILED,
        error="RuntimeError: 磁盘已满",
    )
    client.force_login(team["mm_a"])
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "导出失败：RuntimeError: 磁盘已满" in page and "hx-trigger" not in page


def test_permissions_are_checked_again_when_the_job_runs(team):
    # an export of team TA's indicators, asked for by TB's market manager somehow
    IndicatorRun.objects.create(month=OCT, status="succeeded", started_at=timezone.now())
    params = {"month": "2026-10", "kind": "manager", "scope": "team:TA", "format": "xlsx"}
    job = export_job_start(kind="indicators", params=params, by=team["mm_b"], rows=1)
    job = export_job_run(job_id=job.pk)
    assert job.status == ExportStatus.FAILED and job.error == "无权导出这些数据。"


def test_running_a_job_twice_does_nothing_the_second_time(team):
    job = export_job_start(kind="customers", params={}, by=team["mm_a"], rows=7)
    first = export_job_run(job_id=job.pk)
    second = export_job_run(job_id=job.pk)
    assert second.status == ExportStatus.SUCCEEDED and second.file.name == first.file.name
    assert export_job_run(job_id=10**9) is None


def test_large_indicator_export_becomes_a_job(
    client, team, settings, django_capture_on_commit_callbacks
):
    IndicatorRun.objects.create(month=OCT, status="succeeded", started_at=timezone.now())
    for customer in team["cm"]["a1"].customers.all():
        CustomerIndicator.objects.create(
            month=OCT,
            customer=customer,
            manager=customer.manager,
            team=team["team_a"],
            amount=0,
            volume=7,
        )
    settings.EXPORT_SYNC_MAX_ROWS = 3
    client.force_login(team["mm_a"])
    url = "/analysis/export/?month=2026-10&kind=customer&scope=team:TA&format=xlsx"
    assert client.get(url).status_code == 200 and not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.kind == "indicators" and job.rows_total == 6
    assert job.status == ExportStatus.SUCCEEDED
    download = client.get(f"/exports/{job.pk}/download/")
    assert quote("客户指标_团队TA_2026-10.xlsx") in download["Content-Disposition"]
    rows = rows_of(b"".join(download.streaming_content))
    assert rows[0][2] == "客户编码" and len(rows) == 7 and {r[5] for r in rows[1:]} == {7}
    # a small one stays direct
    settings.EXPORT_SYNC_MAX_ROWS = 5000
    direct = client.get(url)
    assert direct.status_code == 200 and len(rows_of(direct.content)) == 7


def test_old_jobs_are_purged_with_their_files(team, media):
    job = export_job_run(
        job_id=export_job_start(kind="customers", params={}, by=team["mm_a"], rows=7).pk
    )
    assert len(exported_files(media)) == 1
    assert export_jobs_purge(before=timezone.now() - dt.timedelta(days=1)) == 0
    assert export_jobs_purge(before=timezone.now() + dt.timedelta(seconds=1)) == 1
    assert not ExportJob.objects.filter(pk=job.pk).exists() and exported_files(media) == []


# --- the other tables' downloads ------------------------------------------------------------


def test_visit_audit_downloads_every_table(client, team):
    a1 = team["cm"]["a1"]
    cycle = CycleFactory(manager=a1, month=OCT)
    at = timezone.make_aware(dt.datetime(2026, 10, 13, 9, 0))
    VisitFactory(
        cycle=cycle,
        customer=team["customers"]["a1"],
        date=dt.date(2026, 10, 13),
        checked_in_at=at,
        checked_out_at=at + dt.timedelta(seconds=20),
    )
    client.force_login(team["mm_a"])
    response = client.get("/visits/audit.xlsx?month=2026-10")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "短时拜访", "无有效拜访的客户", "每日有效拜访"]
    short = list(book["短时拜访"].values)
    assert short[1][1] == "a1" and short[1][3] == "C-a1" and short[1][8] == 20
    unvisited = list(book["无有效拜访的客户"].values)[1:]
    assert len(unvisited) == 7  # every customer of the team: the short visit does not count
    days = list(book["每日有效拜访"].values)
    assert len(days) == 1 + 31 + 1 and days[-1][1] == "合计"
    assert "b1" not in {r[0] for r in list(book["汇总"].values)[1:]}
    team["cm"]["a1"].refresh_from_db()
    client.force_login(team["cm"]["a1"])
    assert client.get("/visits/audit.xlsx").status_code == 403
    client.force_login(team["mm_b"])
    assert client.get("/visits/audit.xlsx?team=TA").status_code == 404


def test_large_visit_audit_becomes_a_job(
    client, team, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 10
    client.force_login(team["admin"])
    url = "/visits/audit.xlsx?month=2026-10&team=TA"
    assert client.get(url).status_code == 200 and not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.kind == "visit_audit"
    assert job.params == {"month": "2026-10", "team": "TA", "manager": ""}
    assert job.status == ExportStatus.SUCCEEDED
    content = b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
    assert len(rows_of(content, "无有效拜访的客户")) == 1 + 7


def test_forecast_guidance_downloads_its_table(client, team):
    ManagerIndicator.objects.create(
        month=OCT,
        manager=team["cm"]["a1"],
        team=team["team_a"],
        customers=6,
        forecast_accuracy=0.62,
        forecast_bias=0.3,
        forecast_coverage=0.9,
    )
    client.force_login(team["mm_a"])
    page = client.get("/plans/guidance/?month=2026-10").content.decode()
    assert "/plans/guidance.xlsx?month=2026-10" in page
    response = client.get("/plans/guidance.xlsx?month=2026-10")
    rows = rows_of(response.content)
    assert rows[0][:4] == ("账号", "客户经理", "客户数", "预测准确率")
    a1 = next(r for r in rows if r[0] == "a1")
    assert a1[2:6] == pytest.approx((6, 0.62, 0.3, 0.9)) and a1[6] == "准确率低、偏差大"
    client.force_login(team["admin"])
    assert client.get("/plans/guidance.xlsx").status_code == 403
