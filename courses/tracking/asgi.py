"""ASGI fast path for the tracking API: the same handlers, without the middleware.

Django's ASGI handler runs every synchronous middleware (and each
``MiddlewareMixin`` hook) through ``sync_to_async``, in a new thread per request:
for the tracking API — hundreds of learners committing every few seconds, no
session, no template, no user — that stack costs more CPU than the commit itself
and, with hundreds of requests in flight, hundreds of threads fighting for the
GIL. ``TrackingFastPath`` wraps the platform's ASGI application and answers the
four tracking endpoints itself, on the event loop; the database work runs on the
tracking threads (``courses.tracking.api.run_on_db_thread``) exactly as in the
Django views. Everything else goes to the wrapped application.

It answers only what the Django views would answer identically: POST (any other
method gets the views' 405), on the content origin's host, over HTTPS when
``SECURE_SSL_REDIRECT`` is on (plain HTTP falls through to Django, which
redirects). Responses carry the headers ``ContentOriginMiddleware`` sets on that
origin (sandbox CSP, ``nosniff``, resource and referrer policies; never a
cookie) and HSTS as ``SecurityMiddleware`` would.

``lms/asgi.py`` wires it in front of Django's ASGI application.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse

from courses.middleware import content_host, content_security_policy
from lms.asgi_sync import BodyTooLarge, ClientDisconnected, read_body

# ``courses.tracking.api`` (models) is imported on first use: ASGI servers import
# this module before Django is set up.

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TrackingFastPath:
    """Serve the tracking API directly; pass every other request to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: dict[str, Any] | None = None

    def routes(self) -> dict[str, Any]:
        if self._routes is None:
            from courses.tracking import api

            self._routes = {
                reverse(f"content:{name}", urlconf="courses.content_urls"): handler
                for name, handler in api.HANDLERS.items()
            }
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handler_for(scope)
        if handler is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await self._respond(scope, receive, handler)
        except ClientDisconnected:
            return  # nothing was read whole, nothing applied
        await self._send(scope, send, response)

    def _handler_for(self, scope: Scope) -> Any:
        if scope["type"] != "http":
            return None
        handler = self.routes().get(scope["path"])
        if handler is None:
            return None
        headers = _headers(scope)
        if headers.get("host", "").lower() != content_host():
            return None
        if settings.SECURE_SSL_REDIRECT and not _is_secure(scope, headers):
            return None  # Django redirects to HTTPS
        return handler

    async def _respond(
        self, scope: Scope, receive: Receive, handler: Any
    ) -> JsonResponse:
        from courses.tracking import api

        if scope["method"] != "POST":
            return api.method_not_allowed()
        headers = _headers(scope)
        limit = settings.TRACKING_MAX_BODY_BYTES
        try:
            declared = int(headers.get("content-length") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return api.too_large().response()
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        try:
            body = await read_body(receive, limit)
            data = api.parse_body(media_type, body)
        except BodyTooLarge:
            return api.too_large().response()
        except api.ApiError as error:
            return error.response()
        return await api.run_on_db_thread(api.answer, handler, data)

    async def _send(self, scope: Scope, send: Send, response: JsonResponse) -> None:
        content = response.content
        headers = [(b"content-length", str(len(content)).encode())]
        headers += [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in response.items()
        ]
        headers += [
            (name, value.encode("latin-1")) for name, value in _origin_headers(scope)
        ]
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": headers,
            }
        )
        await send({"type": "http.response.body", "body": content})


def _headers(scope: Scope) -> dict[str, str]:
    cached = scope.get("tremplin.headers")
    if cached is None:
        cached = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        scope["tremplin.headers"] = cached
    return cached


def _is_secure(scope: Scope, headers: dict[str, str]) -> bool:
    if scope.get("scheme") == "https":
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy:
        return False
    name, expected = proxy
    header = name.removeprefix("HTTP_").replace("_", "-").lower()
    return headers.get(header, "").split(",", 1)[0].strip() == expected


def _origin_headers(scope: Scope) -> list[tuple[bytes, str]]:
    """What ``ContentOriginMiddleware`` and ``SecurityMiddleware`` would add."""
    result = [
        (b"content-security-policy", content_security_policy()),
        (b"x-content-type-options", "nosniff"),
        (b"cross-origin-resource-policy", "same-origin"),
        (b"referrer-policy", "no-referrer"),
    ]
    hsts = settings.SECURE_HSTS_SECONDS
    if hsts and _is_secure(scope, _headers(scope)):
        value = f"max-age={hsts}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        result.append((b"strict-transport-security", value))
    return result
