"""Helpers for tests of ASGI wrappers (fast paths, lanes)."""

from __future__ import annotations


class Inner:
    """A wrapped ASGI application that records the paths that reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
