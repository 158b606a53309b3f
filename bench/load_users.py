"""bench/load.py's child process: the demo accounts log in, a preflight opens every page
once, then locust's virtual users request their pages; one line of JSON (``RESULT`` …) on
stdout carries the samples back to the parent."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from load_scenarios import PASSWORD

RESULT = "RESULT "  # prefix of the child's one line of JSON on stdout


def cpu_seconds(pid: int) -> float:
    """User + system CPU of gunicorn's master and workers."""
    import psutil

    master = psutil.Process(pid)
    total = 0.0
    for p in [master, *master.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_child(plan_path: Path) -> None:
    # locust monkey-patches the standard library with gevent when imported: only in here,
    # and before anything imports ssl (requests, urllib3)
    from locust import HttpUser, between, task  # isort: skip
    from locust.env import Environment  # isort: skip

    import random
    from http.cookies import SimpleCookie
    from itertools import cycle

    import gevent
    import requests

    plan = json.loads(plan_path.read_text())
    base = plan["base"]
    proxy = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-CN,zh;q=0.9"}

    def set_cookies(response) -> dict:
        jar = {}
        for header in response.raw.headers.getlist("Set-Cookie"):
            jar |= {k: m.value for k, m in SimpleCookie(header).items()}
        return jar

    def cookie_header(jar: dict) -> str:
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    http = requests.Session()
    sessions, logins = {}, []
    for account in plan["pages"]:
        form = http.get(f"{base}/login/", headers=proxy, allow_redirects=False)
        jar = set_cookies(form)
        start = time.perf_counter()
        done = http.post(
            f"{base}/login/",
            data={
                "username": account,
                "password": PASSWORD,
                "csrfmiddlewaretoken": jar["csrftoken"],
            },
            headers=proxy | {"Cookie": cookie_header(jar), "Origin": base.replace("http", "https")},
            allow_redirects=False,
        )
        logins.append([account, 1000 * (time.perf_counter() - start)])
        jar |= set_cookies(done)
        if done.status_code != 302 or "sessionid" not in jar:
            raise SystemExit(f"login of {account} failed: HTTP {done.status_code}")
        sessions[account] = cookie_header(jar)
    http.cookies.clear()

    notes, preflight_errors, absent = [], [], set()
    pages = {}
    for account, account_pages in plan["pages"].items():
        pages[account] = []
        for name, path, weight in account_pages:
            final, status = path, 0
            for _hop in range(5):  # follow redirects to the page the user lands on
                r = http.get(
                    base + final,
                    headers=proxy | {"Cookie": sessions[account]},
                    allow_redirects=False,
                )
                status = r.status_code
                if status not in (301, 302) or "/login/" in r.headers.get("Location", ""):
                    break
                final = r.headers["Location"]
            if name in plan["optional"] and status == 404:
                absent.add(name)
            elif 200 <= status < 300:
                pages[account].append((name, final, weight))
            else:
                preflight_errors.append([account, name, path, f"HTTP {status}"])
    for name in sorted(absent):
        notes.append(f"{name} left out: not there yet (404)")

    samples: list[list] = []
    accounts = cycle(plan["users"])

    class Visitor(HttpUser):
        host = base
        wait_time = between(*plan["think"])

        def on_start(self):
            self.account = next(accounts)
            self.pages = pages[self.account]
            self.weights = [w for _, _, w in self.pages]
            self.client.headers.update(proxy | {"Cookie": sessions[self.account]})

        @task
        def page(self):
            name, path, _ = random.choices(self.pages, weights=self.weights)[0]
            with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
                location = r.headers.get("Location", "")
                if r.status_code == 0 or r.status_code >= 400:
                    r.failure(f"HTTP {r.status_code} {r.error or ''}".strip())
                elif "/login/" in location:
                    r.failure("sent to the login page")
                else:
                    r.success()

    def record(request_type, name, response_time, response_length, exception=None, **kw):
        samples.append([name, response_time, str(exception) if exception else ""])

    env = Environment(user_classes=[Visitor])
    env.events.request.add_listener(record)
    runner = env.create_local_runner()
    load_before, cpu_before = os.getloadavg(), cpu_seconds(plan["gunicorn"])
    start = time.perf_counter()
    runner.start(len(plan["users"]), spawn_rate=len(plan["users"]))
    gevent.spawn_later(plan["duration"], runner.quit)
    runner.greenlet.join()
    elapsed = time.perf_counter() - start
    result = {
        "cpu": cpu_seconds(plan["gunicorn"]) - cpu_before,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "samples": samples,
        "logins": logins,
        "preflight_errors": preflight_errors,
        "notes": notes,
        "elapsed": elapsed,
    }
    print(RESULT + json.dumps(result), flush=True)
