"""The embedded default (SQLite) under concurrent requests: a page that writes while another
request writes waits for it instead of failing with "database is locked"."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Two requests at once, each reading before it writes inside one transaction (as plan
# generation and the feed do). Each thread has its own connection, as each request has.
SCRIPT = """
import json, sys, threading, time
import django
django.setup()
from django.conf import settings
from django.db import connection, transaction

mode = sys.argv[1]
if mode != "default":
    settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = mode
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS race (n INTEGER)")
    journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
connection.close()

errors, barrier = [], threading.Barrier(2)

def request(n):
    from django.db import connection
    try:
        barrier.wait()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM race")
                time.sleep(0.3)
                cursor.execute("INSERT INTO race (n) VALUES (%s)", [n])
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

threads = [threading.Thread(target=request, args=(n,)) for n in (1, 2)]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as cursor:
    rows = cursor.execute("SELECT COUNT(*) FROM race").fetchone()[0]
print(json.dumps({"errors": errors, "rows": rows, "journal": journal}))
"""


def _race(tmp_path, mode: str) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_concurrent_writers_wait_for_each_other(tmp_path):
    result = _race(tmp_path, "default")
    assert result["errors"] == []
    assert result["rows"] == 2
    assert result["journal"] == "wal"


def test_the_race_is_real_with_sqlites_own_deferred_transactions(tmp_path):
    """Without the embedded default's settings the same two requests collide: one fails."""
    result = _race(tmp_path, "DEFERRED")
    assert any("database is locked" in e for e in result["errors"]), result
    assert result["rows"] == 1
