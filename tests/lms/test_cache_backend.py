"""The Redis cache backend keeps its connections for the whole process."""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

import redis.connection
from django.core import signals
from django.core.cache import cache


def test_requests_in_their_own_contexts_reuse_one_connection(monkeypatch):
    """Under ASGI each request has its own context, hence its own backend object;
    they must still share the pool instead of connecting to Redis each time."""
    assert type(cache._cache).__module__ == "lms.cache"
    opened = []
    connect = redis.connection.ConnectionPool.make_connection

    def counting(self):
        opened.append(1)
        return connect(self)

    monkeypatch.setattr(redis.connection.ConnectionPool, "make_connection", counting)

    def request(number: int) -> int:
        cache.set(f"tests:cache-backend:{number}", number, 30)
        value = cache.get(f"tests:cache-backend:{number}")
        signals.request_finished.send(sender=None)
        return value

    with ThreadPoolExecutor(max_workers=1) as executor:
        values = [
            executor.submit(contextvars.copy_context().run, request, n).result()
            for n in range(20)
        ]
    assert values == list(range(20))
    assert len(opened) <= 1
