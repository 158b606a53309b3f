"""Configuration from the environment, production checks and the deployment files."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k3Jd9!vQp2#Lx8@Wm5$Rt7^Yh4&Nb6*Zc1(Fg0)Ae-Su+Io=Pl~Kj"


def settings_of(module: str, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME']), 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
        "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], "
        "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_with_eager_celery():
    s = settings_of("config.settings.local")
    assert s["engine"] == "django.db.backends.sqlite3" and s["name"].endswith("db.sqlite3")
    assert s["eager"] is True and s["cache"].endswith("LocMemCache")
    assert (s["lang"], s["tz"]) == ("zh-hans", "Asia/Shanghai")


def test_database_and_redis_urls_switch_backends():
    s = settings_of(
        "config.settings.local",
        DATABASE_URL="postgresql://u:p@db.internal:5432/work",
        REDIS_URL="redis://cache.internal:6379/1",
        DEBUG="0",
        ALLOWED_HOSTS="a.example,b.example",
    )
    assert s["engine"] == "django.db.backends.postgresql" and s["name"] == "work"
    assert s["eager"] is False and s["broker"] == "redis://cache.internal:6379/1"
    assert s["cache"].endswith("RedisCache")
    assert s["debug"] is False and s["hosts"] == ["a.example", "b.example"]


def test_production_refuses_to_start_without_a_real_secret():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "short",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "work135.example.cn",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_docker_compose_describes_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])
    assert "gunicorn" in compose["services"]["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("libharfbuzz-subset0", "fonts-noto-cjk", "libpango-1.0-0", "gettext"):
        assert package in dockerfile
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose (Debian package) is missing: bin/bootstrap installs it")
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "x.example"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
