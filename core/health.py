"""Health checks, outside the language prefix and exempt from the HTTPS redirect.

``/livez`` only says the process answers HTTP (no database, no Redis): it is what the
container's health check asks, because restarting the web container mends neither a
database nor a Redis outage. ``/healthz`` says whether the site can serve: the database
answers a query and, when ``REDIS_URL`` is set, Redis answers a ping within
``REDIS_TIMEOUT_SECONDS``; otherwise 503 with one line per failure naming the service and the
error (never an address's password), for the load balancer and the monitoring."""

from __future__ import annotations

import re

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

# user:password@ in a URL some driver put into its message
CREDENTIALS = re.compile(r"//[^/@\s]*@")


@never_cache
def livez(request):
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def healthz(request):
    failures = [failure for failure in (_database(), _redis()) if failure]
    if failures:
        return HttpResponse(
            "\n".join(failures) + "\n", status=503, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse("ok", content_type="text/plain")


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"database: {_describe(exc)}"
    return ""


def _redis() -> str:
    if not settings.REDIS_URL:
        return ""
    timeout = settings.REDIS_TIMEOUT_SECONDS
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
    except Exception as exc:
        return f"redis: {_describe(exc)}"
    finally:
        client.close()
    return ""


def _describe(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    detail = CREDENTIALS.sub("//***@", lines[0])[:200] if lines else ""
    return f"{type(exc).__name__} {detail}".rstrip()
