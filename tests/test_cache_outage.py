"""Redis down as the cache: the pages that keep results in the cache (the analysis page's
warnings) still answer, without waiting for Redis on every call."""

import time

import pytest
from django.core.cache import cache

from tests.test_analysis_pages import computed  # noqa: F401  (fixture)

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture
def redis_cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": CLOSED,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return cache


def test_an_unreachable_cache_is_a_miss_and_writes_are_dropped(redis_cache_down):
    assert redis_cache_down.get("k", "fallback") == "fallback"
    assert redis_cache_down.get_many(["a", "b"]) == {}
    assert redis_cache_down.add("k", 1) is False
    redis_cache_down.set("k", 1)
    assert redis_cache_down.get("k") is None


def test_after_a_failure_the_cache_is_skipped_instead_of_waited_for(redis_cache_down):
    redis_cache_down.get("k")
    started = time.monotonic()
    for _ in range(100):
        redis_cache_down.get("k")
    assert time.monotonic() - started < 0.5


@pytest.mark.django_db
def test_the_analysis_page_answers_with_redis_down(client, computed, redis_cache_down):  # noqa: F811
    client.force_login(computed["cm"]["a1"])
    response = client.get("/analysis/", follow=True)
    assert response.status_code == 200
    assert "月初分析" in response.content.decode()
