"""The benchmark scripts keep working as the models change (tiny sizes; PostgreSQL only,
since each creates and drops its own database there)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg_server():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmarks create their own PostgreSQL database")
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}"


def run(script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_import_benchmark_runs(pg_server):
    out = run("import_orders.py", "--lines", "2000", "--runs", "1", "--pg", pg_server)
    assert "run 1: floor" in out and "rows agree: yes" in out
    assert "import / floor" in out and "re-import / import" in out


def test_customer_list_benchmark_runs(pg_server):
    out = run("customer_list.py", "--runs", "2", "--pg", pg_server)
    assert "cm01, all 400 active customers on one page" in out


def test_load_benchmark_runs(pg_server):
    """Every role's pages answer 2xx under gunicorn with the production settings (the script
    exits 1 on any error); a few users for a few seconds, no timing asserted."""
    out = run(
        "load.py",
        *("--users", "3", "--duration", "5", "--workers", "2", "--months", "2"),
        *("--pg", pg_server, "--db", "work135_load_test"),
    )
    assert "errors: 0" in out and "overall" in out and "dropped work135_load_test" in out
