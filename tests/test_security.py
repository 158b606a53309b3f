"""Hardening: the production settings pass ``check --deploy``, pages carry the security
headers, templates need no inline script, repeated wrong passwords lock a username out
(django-axes) until the cool-off passes or an admin lifts it, and the audit trails are
browsable read-only in the admin site."""

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import django
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import client_ip
from brands.models import CatalogChange
from customers.models import CustomerChange
from cycle.models import ApprovalRecord, Document, PlanStatus, Transition
from tests.factories import CycleFactory

BASE_DIR = Path(settings.BASE_DIR)
HAS_CSP = django.VERSION >= (6, 0)


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="work135.example.cn",
        CSRF_TRUSTED_ORIGINS="https://work135.example.cn",
        # never contacted: the deploy checks do not touch the database
        DATABASE_URL="postgresql://work135:secret@db.invalid:5432/work135",
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestProductionSettings:
    def test_check_deploy_has_no_warnings(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues (0 silenced)." in result.stdout

    def test_a_short_secret_key_is_refused(self):
        result = manage("check", env=production_env(SECRET_KEY="too-short"))
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr

    def test_throttling_is_on_outside_tests(self):
        code = (
            "from django.conf import settings;"
            "print(settings.AXES_ENABLED, settings.AXES_FAILURE_LIMIT,"
            " settings.AXES_COOLOFF_TIME.total_seconds(), settings.SESSION_COOKIE_AGE)"
        )
        result = manage("shell", "-v", "0", "-c", code, env=production_env(SESSION_HOURS="9"))
        assert result.stdout.split() == ["True", "5", "900.0", "32400"], result.stderr


class TestHeaders:
    def test_a_page_carries_the_security_headers(self, client):
        response = client.get("/login/")
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    @pytest.mark.skipif(not HAS_CSP, reason="Content-Security-Policy is built into Django 6")
    def test_the_content_security_policy_allows_only_own_scripts(self, client, two_teams):
        client.force_login(two_teams["cm"]["a1"])
        response = client.get("/")
        policy = dict(
            part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
        )
        assert policy["default-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        nonce = re.fullmatch(r"'self' 'nonce-([\w+/=-]+)'", policy["script-src"]).group(1)
        # the htmx <script> carries the nonce of this very response
        assert f'nonce="{nonce}"' in response.content.decode()

    def test_templates_have_no_inline_event_handlers_or_scripts(self):
        # the policy blocks them: behaviour goes in static/js (see static/js/behaviours.js)
        handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
        inline_script = re.compile(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>", re.IGNORECASE)
        offenders = []
        for path in sorted((BASE_DIR / "templates").rglob("*.html")):
            text = path.read_text()
            if handler.search(text) or inline_script.search(text) or "javascript:" in text:
                offenders.append(str(path.relative_to(BASE_DIR)))
        assert offenders == []


LOGIN = "/login/"


def login(client, username, password, address="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


class TestLoginThrottling:
    @pytest.fixture(autouse=True)
    def throttling_on(self, settings):
        # config.settings.test switches it off; these are the production values
        settings.AXES_ENABLED = True
        settings.AXES_FAILURE_LIMIT = 5
        settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)

    def fail(self, client, username, times, address="10.1.1.1"):
        return [login(client, username, "wrong", address).status_code for _ in range(times)]

    def test_five_wrong_passwords_lock_the_username_out_from_that_address(self, client, two_teams):
        assert self.fail(client, "a1", 5) == [200, 200, 200, 200, 429]
        locked = login(client, "a1", "pw-test-123")
        page = locked.content.decode()
        assert locked.status_code == 429 and "密码错误次数过多" in page and "15 分钟" in page
        assert 'value="a1"' in page  # the login form is still there, username kept
        assert client.get("/").status_code == 302  # not signed in
        # another user from the same address, and the same user elsewhere, are not affected
        assert login(client, "a2", "pw-test-123").status_code == 302
        client.post("/logout/")
        assert login(client, "a1", "pw-test-123", address="10.2.2.2").status_code == 302

    def test_a_successful_login_resets_the_count(self, client, two_teams):
        self.fail(client, "a1", 4)
        assert login(client, "a1", "pw-test-123").status_code == 302
        client.post("/logout/")
        assert self.fail(client, "a1", 4) == [200] * 4
        assert login(client, "a1", "pw-test-123").status_code == 302

    def test_the_lockout_ends_after_the_cool_off(self, client, two_teams):
        self.fail(client, "a1", 5)
        assert login(client, "a1", "pw-test-123").status_code == 429
        AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
        assert login(client, "a1", "pw-test-123").status_code == 302

    def test_an_admin_lifts_the_lockout_in_the_admin_site(self, client, two_teams):
        self.fail(client, "a1", 5)
        attempt = AccessAttempt.objects.get(username="a1")
        admin = two_teams["admin"]
        client.force_login(admin)
        listing = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
        assert "a1" in listing and "10.1.1.1" in listing
        delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 302
        client.logout()
        assert login(client, "a1", "pw-test-123").status_code == 302


class TestClientAddress:
    def request(self, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
        return RequestFactory().post(LOGIN, REMOTE_ADDR="192.168.0.2", **extra)

    def test_without_a_trusted_proxy_the_header_is_ignored(self):
        with override_settings(TRUSTED_PROXY_COUNT=0):
            assert client_ip(self.request("1.2.3.4")) == "192.168.0.2"

    def test_behind_one_proxy_its_entry_counts_not_what_the_client_wrote(self):
        with override_settings(TRUSTED_PROXY_COUNT=1):
            assert client_ip(self.request("6.6.6.6, 10.8.0.7")) == "10.8.0.7"
            assert client_ip(self.request("not-an-address")) == "192.168.0.2"
            assert client_ip(self.request()) == "192.168.0.2"


@pytest.fixture
def audit(two_teams):
    cm, mm = two_teams["cm"]["a1"], two_teams["mm_a"]
    cycle = CycleFactory(manager=cm, month=dt.date(2026, 10, 1))
    common = {"cycle": cycle, "from_status": PlanStatus.SUBMITTED}
    ApprovalRecord.objects.create(
        document=Document.PLAN,
        transition=Transition.APPROVE,
        to_status=PlanStatus.APPROVED,
        by=two_teams["admin"],
        comment="计划可行",
        **common,
    )
    ApprovalRecord.objects.create(
        document=Document.EVALUATION,
        transition=Transition.REJECT,
        to_status=PlanStatus.REJECTED,
        by=mm,
        comment="总结太简单，请补充原因",
        **common,
    )
    CustomerChange.objects.create(
        customer=two_teams["customers"]["a1"],
        changed_by=cm,
        field="phone",
        old_value="0931-1111111",
        new_value="0931-2222222",
    )
    CatalogChange.objects.create(
        by=two_teams["brand"],
        action=CatalogChange.Action.UPDATE,
        object_type=CatalogChange.ObjectType.SKU,
        object_id=1,
        object_repr="兰州(硬珍品)",
        field="is_key_brand",
        old_value="否",
        new_value="是",
    )
    return two_teams


AUDIT_MODELS = [
    (ApprovalRecord, "总结太简单"),
    (CustomerChange, "0931-2222222"),
    (CatalogChange, "兰州(硬珍品)"),
]


class TestAuditTrailsInTheAdmin:
    @pytest.mark.parametrize(("model", "text"), AUDIT_MODELS, ids=lambda v: str(v)[:20])
    def test_an_admin_browses_them_read_only(self, client, audit, model, text):
        client.force_login(audit["admin"])
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        listing = client.get(reverse(f"{name}_changelist"))
        assert listing.status_code == 200 and text in listing.content.decode()
        assert 'name="action"' not in listing.content.decode()  # no bulk delete
        assert client.get(reverse(f"{name}_add")).status_code == 403
        record = model.objects.first()
        detail = client.get(reverse(f"{name}_change", args=[record.pk]))
        assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
        assert client.post(reverse(f"{name}_change", args=[record.pk]), {}).status_code == 403
        assert (
            client.post(reverse(f"{name}_delete", args=[record.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert model.objects.count() == (2 if model is ApprovalRecord else 1)

    def test_approvals_filter_by_document_user_and_search(self, client, audit):
        client.force_login(audit["admin"])
        url = reverse("admin:cycle_approvalrecord_changelist")
        evaluation = client.get(url, {"document__exact": "evaluation"}).content.decode()
        assert "总结太简单" in evaluation and "计划可行" not in evaluation
        assert "月度评估" in evaluation and "待审批 → 已退回" in evaluation
        by_user = client.get(url, {"by__id__exact": audit["mm_a"].pk}).content.decode()
        assert "总结太简单" in by_user and "计划可行" not in by_user
        assert "计划可行" in client.get(url, {"q": "a1"}).content.decode()
        dated = client.get(url, {"at__year": timezone.localdate().year}).content.decode()
        assert "计划可行" in dated

    def test_the_cycle_page_shows_its_history_and_states_are_not_editable(self, client, audit):
        client.force_login(audit["admin"])
        cycle = ApprovalRecord.objects.first().cycle
        page = client.get(reverse("admin:cycle_cycle_change", args=[cycle.pk])).content.decode()
        assert "计划可行" in page and "总结太简单" in page
        assert 'name="plan_status"' not in page and 'name="evaluation_status"' not in page

    def test_other_users_do_not_get_in(self, client, audit):
        client.force_login(audit["mm_a"])
        response = client.get(reverse("admin:cycle_approvalrecord_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url
