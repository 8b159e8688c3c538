"""Route requests for the content origin to its own URLconf and harden them.

Package files run third-party JavaScript. They are served only on the host of
``settings.CONTENT_ORIGIN``, a different *site* from the platform, so the session
cookie never reaches them. Every response there:

* carries ``Content-Security-Policy: sandbox …`` (no top navigation) and may be
  framed only by the platform origin;
* sets no cookie at all, and is ``nosniff`` with a same-origin resource policy.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SANDBOX = (
    "sandbox allow-scripts allow-same-origin allow-forms allow-popups "
    "allow-modals allow-downloads"
)


def content_host() -> str:
    """``host[:port]`` of the content origin, as browsers send it in ``Host``."""
    return urlsplit(settings.CONTENT_ORIGIN).netloc.lower()


def site_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def content_origin() -> str:
    parts = urlsplit(settings.CONTENT_ORIGIN)
    return f"{parts.scheme}://{parts.netloc}"


def is_content_request(request: HttpRequest) -> bool:
    return request.get_host().lower() == content_host()


def content_security_policy() -> str:
    return (
        f"{CONTENT_SANDBOX}; frame-ancestors 'self' {site_origin()}; "
        "base-uri 'self'; object-src 'none'"
    )


class ContentOriginMiddleware:
    """Serve ``courses.content_urls`` on the content host, with isolation headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_content_request(request):
            return self.get_response(request)
        request.urlconf = "courses.content_urls"
        request.is_content_origin = True  # type: ignore[attr-defined]
        # Nothing on this origin may read or create a session.
        request.COOKIES = {}
        response = self.get_response(request)
        response.cookies.clear()
        for header in ("Set-Cookie", "X-Frame-Options"):
            if header in response.headers:
                del response.headers[header]
        response.headers["Content-Security-Policy"] = content_security_policy()
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
