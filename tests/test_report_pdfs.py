"""The printable monthly plan (月计划) and monthly summary (月总结): what a reader finds in the
PDF (Chinese text, extractable), the links from the pages, and who may print whose."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from cycle.models import ApprovalRecord, Document, PlanStatus, WeeklySummary
from tests.factories import (
    CustomerFactory,
    CycleFactory,
    ImprovementFactory,
    MarketingActionFactory,
    PlannedVisitFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
PLAN_PDF = "/plans/a1/2026-10/plan.pdf"
EVALUATION_PDF = "/plans/a1/2026-10/evaluation.pdf"


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def month(two_teams):
    """a1's October: an approved plan with goals, two actions on one customer planned for
    two days, a week's summary, a month's summary, an improvement item and both histories."""
    a1, mm_a = two_teams["cm"]["a1"], two_teams["mm_a"]
    a1.name = "王海燕"
    a1.save()
    customer = two_teams["customers"]["a1"]
    customer.name = "兴隆烟酒店"
    customer.save()
    cycle = CycleFactory(
        manager=a1,
        month=OCT,
        plan_status=PlanStatus.APPROVED,
        goal_volume=3200,
        goal_visits=40,
        focus="提升重点品牌上柜率",
        problems="黄鹤楼断货客户多",
        summary="本月按计划完成拜访，陈列有改善。",
        evaluation_status=PlanStatus.SUBMITTED,
    )
    MarketingActionFactory(
        cycle=cycle,
        customer=customer,
        text="调整陈列到黄金位置",
        source="warning",
        visit_date=dt.date(2026, 10, 13),
    )
    MarketingActionFactory(
        cycle=cycle, customer=customer, text="解答货源投放疑问", done_at=timezone.now()
    )
    for day in (13, 14):
        PlannedVisitFactory(cycle=cycle, customer=customer, date=dt.date(2026, 10, day))
    VisitFactory(
        cycle=cycle,
        customer=customer,
        date=dt.date(2026, 10, 13),
        checked_in_at=timezone.make_aware(dt.datetime(2026, 10, 13, 9, 0)),
        checked_out_at=timezone.make_aware(dt.datetime(2026, 10, 13, 9, 20)),
    )
    WeeklySummary.objects.create(
        cycle=cycle, week_start=dt.date(2026, 10, 12), text="本周客户反映价格稳定"
    )
    ImprovementFactory(cycle=cycle, text="补齐黄鹤楼陈列", due=dt.date(2026, 11, 30))
    now = timezone.now()
    ApprovalRecord.objects.create(
        cycle=cycle,
        document=Document.PLAN,
        transition="submit",
        from_status="draft",
        to_status="submitted",
        by=a1,
        at=now,
    )
    ApprovalRecord.objects.create(
        cycle=cycle,
        document=Document.PLAN,
        transition="approve",
        from_status="submitted",
        to_status="approved",
        by=mm_a,
        at=now,
        comment="同意，注意农网客户",
    )
    ApprovalRecord.objects.create(
        cycle=cycle,
        document=Document.EVALUATION,
        transition="submit",
        from_status="draft",
        to_status="submitted",
        by=a1,
        at=now,
        comment="请审核十月总结",
    )
    return two_teams


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_plan_pdf_holds_the_plan(client, month, tmp_path):
    response = get(client, month["cm"]["a1"], PLAN_PDF)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response.content, tmp_path)
    assert "月计划 · 王海燕 · 2026-10" in text
    assert "3,200" in text and "提升重点品牌上柜率" in text and "黄鹤楼断货客户多" in text
    assert "兴隆烟酒店" in text
    assert "☆ [预警生成] 调整陈列到黄金位置（10-13）" in text
    assert "★ [手工添加] 解答货源投放疑问" in text
    assert "10-13、10-14" in text  # the customer's planned days
    assert "周安排（计划拜访 2 户次）" in text and "13日 1" in text
    assert "同意，注意农网客户" in text  # approval history


def test_the_plans_actions_line_up_under_their_heads(client, month, tmp_path):
    """The actions table is a cell a row whose text holds the three columns
    (cycle.documents.PlanRow): every action starts under the head "营销动作", every planned
    day under "计划拜访日"; a customer without a planned day says so."""
    cycle = month["cm"]["a1"].cycles.get()
    for i in range(40):
        customer = CustomerFactory(manager=month["cm"]["a1"], name=f"客户{i}号便利店")
        MarketingActionFactory(
            cycle=cycle, customer=customer, text="检查重点品牌陈列" * (i % 3 + 1)
        )
    content = get(client, month["cm"]["a1"], PLAN_PDF).content
    text = pdf_text(content, tmp_path)
    assert "未安排" in text
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "document.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [(float(m[1]), m[2]) for m in re.finditer(r'xMin="([\d.]+)".*?>([^<]+)</word>', boxes)]
    heads = [x for x, word in words if word == "营销动作"]  # on every page the table is on
    actions = [x for x, word in words if word in {"☆", "★"}][2:]  # after the legend's two
    assert len(heads) == 2 and len(actions) >= 42
    assert max(heads + actions) - min(heads + actions) < 1
    days = [x for x, word in words if word == "计划拜访日" or word in {"未安排", "10-13、10-14"}]
    assert len(days) >= 4 and max(days) - min(days) < 1


def test_evaluation_pdf_holds_the_summary(client, month, tmp_path):
    response = get(client, month["mm_a"], EVALUATION_PDF)
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "月总结 · 王海燕 · 2026-10" in text and "待审批" in text
    assert "本月按计划完成拜访，陈列有改善。" in text
    assert "1/1" in text  # planned actions done
    assert "1/2" in text and "50.0%" in text  # valid visits / planned visits
    assert "本周客户反映价格稳定" in text
    assert "补齐黄鹤楼陈列" in text and "待审核" in text
    assert "请审核十月总结" in text


@pytest.mark.parametrize("url", [PLAN_PDF, EVALUATION_PDF])
@pytest.mark.parametrize(
    ("who", "status"), [("a2", 404), ("mm_b", 404), ("mm_a", 200), ("brand", 200), ("admin", 200)]
)
def test_who_may_print(client, month, url, who, status):
    user = month["cm"][who] if who in month["cm"] else month[who]
    assert get(client, user, url).status_code == status


def test_unknown_manager_or_month_is_404(client, month):
    user = month["admin"]
    assert get(client, user, "/plans/nobody/2026-10/plan.pdf").status_code == 404
    assert get(client, user, "/plans/a1/2026-13/evaluation.pdf").status_code == 404


def test_pages_link_their_pdf(client, month):
    user = month["cm"]["a1"]
    assert PLAN_PDF in get(client, user, "/plans/a1/2026-10/").content.decode()
    assert EVALUATION_PDF in get(client, user, "/plans/a1/2026-10/evaluation/").content.decode()


def test_plan_pdf_queries_do_not_grow_with_the_plan(client, month, django_assert_max_num_queries):
    cycle = month["cm"]["a1"].cycles.get(month=OCT)
    for n in range(20):
        action = MarketingActionFactory(cycle=cycle, text=f"动作{n}")
        PlannedVisitFactory(cycle=cycle, customer=action.customer, date=dt.date(2026, 10, 20))
    client.force_login(month["cm"]["a1"])
    with django_assert_max_num_queries(14):
        assert client.get(PLAN_PDF).status_code == 200


def test_the_documents_read_data_urls_and_nothing_else(monkeypatch):
    """What WeasyPrint may load for a printed document: images carried in the document
    (data: URLs) or made for it (the visit sheet's QR codes), never a file or an address; the
    images read are kept for the next document of the thread, and dropped when there are too
    many."""
    from core import pdf

    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.NO_FETCHING.fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.NO_FETCHING.fetch("http://example.com/logo.png")
    response = pdf.NO_FETCHING.fetch("data:text/plain;base64,5pyI6K6h5YiS")
    assert response.read().decode() == "月计划"
    # a QR code is made, not fetched: the address holds what it encodes
    qr = pdf.NO_FETCHING.fetch("qr:https://work135.example.com/s/1-2.abc/")
    assert qr.content_type == "image/jpeg" and qr.read().startswith(b"\xff\xd8")
    monkeypatch.setattr(pdf, "IMAGE_CACHE_ENTRIES", 2)
    monkeypatch.setattr(pdf._IMAGES, "cache", {}, raising=False)
    cache = pdf.image_cache()
    cache.update(a=1, b=2)
    assert pdf.image_cache() is cache  # within bounds: kept
    cache["c"] = 3
    assert pdf.image_cache() == {}  # past them: a new one
