"""Fixtures of the chat tests: clean Redis keys, recorded broadcasts."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def clear_chat_keys() -> None:
    """Forget rate-limit counters and presence of earlier tests."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return
    client = backend._cache.get_client(write=True)  # noqa: SLF001
    keys = list(client.scan_iter(match="*tutoring:chat:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture
def clean_chat_keys():
    clear_chat_keys()
    yield
    clear_chat_keys()


@pytest.fixture
def broadcasts(monkeypatch):
    """What the chat services broadcast: a list of (group, event type, payload)."""
    sent: list[tuple[str, str, dict]] = []
    monkeypatch.setattr(
        "tutoring.chat.broadcast",
        lambda group, event_type, payload, **_: sent.append(
            (group, event_type, payload)
        ),
    )
    return sent
