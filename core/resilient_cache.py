"""Django's Redis cache, but an unreachable Redis is a cache miss, not a failed page.

Everything the pages keep in the cache can be computed again (the analysis warnings, for
one), so while Redis is down a page is slower, not broken. After a failure the cache is
skipped for ``RETRY_SECONDS`` in this process: otherwise each cache call of each request
would wait for the connect timeout again."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_SECONDS = 30


def _guarded(name: str, fallback):
    """RedisCache's method ``name``, answering ``fallback(*args, **kwargs)`` while Redis is
    unreachable."""
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            self._down_until = time.monotonic() + RETRY_SECONDS
            logger.warning("cache unreachable, pages go without it for %ss: %s", RETRY_SECONDS, exc)
            return fallback(*args, **kwargs)

    call.__name__ = name
    return call


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    get = _guarded("get", _default)
    get_many = _guarded("get_many", lambda *a, **k: {})
    has_key = _guarded("has_key", lambda *a, **k: False)
    add = _guarded("add", lambda *a, **k: False)
    set = _guarded("set", lambda *a, **k: None)
    set_many = _guarded("set_many", lambda *a, **k: [])
    touch = _guarded("touch", lambda *a, **k: False)
    delete = _guarded("delete", lambda *a, **k: False)
    delete_many = _guarded("delete_many", lambda *a, **k: None)
