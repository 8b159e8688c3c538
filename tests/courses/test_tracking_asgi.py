"""The ASGI fast path of the tracking API answers like the Django views."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from courses.middleware import content_host
from courses.models import ScoState
from courses.tracking.api import shutdown_db_threads
from courses.tracking.asgi import TrackingFastPath
from courses.tracking.tokens import make_attempt_token
from tests.asgi_support import Inner
from tests.courses.tracking_fixtures import SCORM_12, commit_body, new_attempt

pytestmark = pytest.mark.django_db(transaction=True)


async def call(
    app, path, body=b"", *, method="POST", host=None, chunks=None, headers=()
):
    host = host or content_host()
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "scheme": "http",
        "headers": [
            (b"host", host.encode()),
            (b"content-type", b"text/plain;charset=UTF-8"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    messages = [
        {"type": "http.request", "body": chunk, "more_body": True}
        for chunk in (chunks or [])
    ] + [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0)

    sent = []

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    head = sent[0]
    return (
        head["status"],
        {k.decode(): v.decode() for k, v in head["headers"]},
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


@pytest.fixture
async def app(settings):
    settings.TRACKING_DB_THREADS = 2
    inner = Inner()
    yield TrackingFastPath(inner), inner
    shutdown_db_threads()
    # The thread sync_to_async used for the test's own queries keeps a connection.
    await sync_to_async(connections.close_all)()


async def test_commit_is_applied_with_the_content_origin_headers(app):
    """A beacon commit is applied, with sandbox CSP, nosniff and no cookie."""
    fast, inner = app
    attempt = await sync_to_async(new_attempt)(SCORM_12)
    token = await sync_to_async(make_attempt_token)(attempt)
    body = json.dumps(
        commit_body(attempt, 1, {"cmi.core.lesson_location": "p9"}, token=token)
    ).encode()
    status, headers, content = await call(fast, "/api/v1/tracking/commits", body)
    assert status == 200
    assert json.loads(content) == {"status": "applied", "seq": 1}
    assert headers["content-security-policy"].startswith("sandbox")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert "set-cookie" not in headers
    assert inner.paths == []
    state = await sync_to_async(ScoState.objects.get)(attempt=attempt)
    assert state.location == "p9"


async def test_bad_token_is_401_json(app):
    """The fast path refuses a forged token like the view does."""
    fast, _inner = app
    body = json.dumps({"token": "x", "sco": "sco_1", "seq": 1, "elements": {}})
    status, headers, content = await call(
        fast, "/api/v1/tracking/commits", body.encode()
    )
    assert (status, json.loads(content)) == (401, {"error": "token"})
    assert headers["content-type"] == "application/json"


async def test_streamed_oversize_body_is_413(app, settings):
    """A body growing past the cap is refused without being kept in full."""
    settings.TRACKING_MAX_BODY_BYTES = 1000
    fast, _inner = app
    status, _headers, content = await call(
        fast, "/api/v1/tracking/commits", b"x" * 600, chunks=[b"x" * 600]
    )
    assert status == 413
    assert json.loads(content)["error"] == "too_large"


async def test_get_is_405(app):
    """Only POST is served."""
    fast, _inner = app
    status, headers, _content = await call(fast, "/api/v1/tracking/state", method="GET")
    assert status == 405 and headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "host"),
    [
        ("/courses/", None),
        ("/api/v1/tracking/commits", "127.0.0.1"),
        ("/api/v1/tracking/commits/", None),
    ],
)
async def test_everything_else_goes_to_the_platform(app, path, host):
    """Other paths, and the tracking path on the platform host, pass through."""
    fast, inner = app
    status, _headers, _content = await call(fast, path, host=host)
    assert status == 204
    assert inner.paths == [path]


async def test_plain_http_falls_through_to_django_when_https_is_required(app, settings):
    """Without TLS (and SSL redirect on) Django handles the redirect."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    fast, inner = app
    await call(fast, "/api/v1/tracking/commits", b"{}")
    assert inner.paths == ["/api/v1/tracking/commits"]
    status, _headers, _content = await call(
        fast,
        "/api/v1/tracking/commits",
        b"{}",
        headers=[(b"x-forwarded-proto", b"https")],
    )
    assert status == 400  # answered by the fast path (no seq in the body)
    assert len(inner.paths) == 1
