"""Redis cache backend whose connection pools and clients live for the process.

Django keeps cache backends in a context-local store: under ASGI (and in any
thread running a copied context) every request gets new backend objects, and
Django's ``RedisCache`` then a new connection pool, so each request opened
fresh TCP connections to Redis. It also builds a new ``redis.Redis`` client for
every operation, whose constructor alone costs more CPU than a local ``GET``.
Here pools and clients are shared per process, keyed by server and options;
both are thread-safe (each command borrows a connection from the pool), and
redis-py resets a pool it finds in a forked child.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisClient

_clients: dict[tuple, Any] = {}
_lock = threading.Lock()


class RedisCacheClient(DjangoRedisClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        shared = (
            self._servers[index],
            repr(sorted(self._pool_options.items())),
            self._pool_class,
            self._client,
        )
        client = _clients.get(shared)
        if client is None:
            with _lock:
                client = _clients.get(shared)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = _clients[shared] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


def redis_client(alias: str = "default") -> Any | None:
    """The process's shared ``redis.Redis`` client of cache ``alias`` (``None``
    when that cache is not on Redis, as in the embedded default)."""
    from django.core.cache import caches

    backend = caches[alias]
    if not isinstance(backend, DjangoRedisCache):
        return None
    return backend._cache.get_client(write=True)  # noqa: SLF001


def count_in_window(key: str, ttl: int) -> int:
    """Increment a counter that expires ``ttl`` s after its creation.

    On Redis: one round trip (``SET NX EX`` + ``INCR`` pipelined). Other cache
    backends (the in-memory one of the embedded default): ``add`` + ``incr``.
    Cache errors are the caller's to handle.
    """
    from django.core.cache import caches

    backend = caches["default"]
    client = redis_client()
    if client is not None:
        name = backend.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.set(name, 0, ex=ttl, nx=True)
        pipe.incr(name)
        return int(pipe.execute()[1])
    if backend.add(key, 1, ttl):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr
        backend.add(key, 1, ttl)
        return 1
