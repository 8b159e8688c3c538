"""ASGI lane that serves chosen GET paths with Django's *synchronous* handler.

Under ASGI, Django runs the (synchronous) middleware stack of each request in
a thread of its own (``ThreadSensitiveContext``), with further hops between
the event loop and that thread. With twenty requests in flight, twenty threads
then take turns on the GIL, and a cheap read costs several times its own CPU.
``SyncLane`` answers the paths in ``settings.SYNC_LANE_PATHS`` (read-only
public GETs such as the catalogue API) the way a WSGI server would: the same
middleware, views and signals, run synchronously on a small pool of threads
(``settings.SYNC_LANE_THREADS``) with one hop from the event loop. Answers
are identical; everything else goes to the wrapped application.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, ASGIRequest, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpResponseBadRequest
from django.urls import set_script_prefix

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A GET body larger than this is refused (413) rather than held in memory.
MAX_BODY_BYTES = 64 * 1024


class ClientDisconnected(Exception):
    """The client went away before the whole request body came."""


class BodyTooLarge(Exception):
    """The request body passed the limit (no more of it is read)."""


class SyncLane:
    """Serve ``settings.SYNC_LANE_PATHS`` synchronously; pass the rest to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._handler: BaseHandler | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def takes(self, scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and any(scope["path"].startswith(p) for p in settings.SYNC_LANE_PATHS)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.takes(scope):
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive, MAX_BODY_BYTES)
        except ClientDisconnected:
            return
        except BodyTooLarge:
            await _send(send, 413, [(b"content-type", b"text/plain")], b"")
            return
        loop = asyncio.get_running_loop()
        call = functools.partial(self._respond, scope, body)
        status, headers, content = await loop.run_in_executor(
            self.executor(), contextvars.copy_context().run, call
        )
        await _send(send, status, headers, content)

    def handler(self) -> BaseHandler:
        with self._lock:
            if self._handler is None:
                handler = BaseHandler()
                handler.load_middleware(is_async=False)
                self._handler = handler
            return self._handler

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=settings.SYNC_LANE_THREADS,
                    thread_name_prefix="sync-lane",
                )
            return self._executor

    def _respond(self, scope: Scope, body: bytes) -> tuple[int, list, bytes]:
        """One request through the synchronous stack, as a WSGI handler would."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=ASGIHandler, scope=scope)
        try:
            request = ASGIRequest(scope, io.BytesIO(body))
        except UnicodeDecodeError:
            response = HttpResponseBadRequest()
        else:
            response = self.handler().get_response(request)
        try:
            if response.streaming:
                content = b"".join(response.streaming_content)
            else:
                content = response.content
            headers = [
                (name.encode("ascii"), value.encode("latin1"))
                for name, value in response.items()
            ]
            headers += [
                (b"Set-Cookie", cookie.OutputString().encode("ascii"))
                for cookie in response.cookies.values()
            ]
            return response.status_code, headers, content
        finally:
            response.close()  # request_finished: connections back, caches closed


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; ``BodyTooLarge`` as soon as it passes ``limit``
    bytes, ``ClientDisconnected`` if the client leaves first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, status: int, headers: list, content: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
