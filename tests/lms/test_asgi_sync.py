"""The synchronous lane answers exactly as Django's ASGI handler would."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application
from django.db import connections

from lms.asgi_sync import MAX_BODY_BYTES, SyncLane
from tests.asgi_support import Inner
from tests.factories.catalogue import make_training

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/catalogue/trainings/"


async def call(app, path, query="", *, method="GET", body=b"", headers=()):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 40000),
        "headers": [(b"host", b"localhost"), *headers],
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    done = asyncio.Event()

    async def receive():
        if messages:
            return messages.pop(0)
        await done.wait()  # the client stays until the whole answer came
        return {"type": "http.disconnect"}

    sent = []

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    head = sent[0]
    return (
        head["status"],
        sorted((k.decode().lower(), v.decode()) for k, v in head["headers"]),
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


@pytest.fixture
async def apps():
    await sync_to_async(make_training)(code="LANE-1", title="Robotique en classe")
    yield SyncLane(get_asgi_application()), get_asgi_application()
    await sync_to_async(connections.close_all)()


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("q=robotique", [(b"accept-language", b"fr-BE")]),
        ("q=robotique&modality=hybride", [(b"accept-language", b"en")]),
        ("page=0", []),  # 400 in French
        ("page=9", []),  # 404
    ],
)
async def test_answers_match_the_asgi_handler(apps, query, headers):
    lane, django = apps
    expected = await call(django, API, query, headers=headers)
    got = await call(lane, API, query, headers=headers)
    assert got == expected
    status, _headers, body = got
    assert status in (200, 400, 404)
    if status == 200:
        assert [t["code"] for t in json.loads(body)["results"]] == ["LANE-1"]


async def test_a_host_outside_allowed_hosts_gets_400(apps):
    lane, django = apps
    bad = [(b"host", b"evil.example")]
    status, _headers, _body = await call(lane, API, "q=x", headers=bad)
    assert status == 400
    assert (await call(django, API, "q=x", headers=bad))[0] == 400


async def test_only_gets_on_its_paths_take_the_lane():
    inner = Inner()
    lane = SyncLane(inner)
    await call(lane, API, method="POST")
    await call(lane, "/formations/")
    await call(lane, "/api/v1/selftest/")
    assert inner.paths == [API, "/formations/", "/api/v1/selftest/"]


async def test_an_oversized_get_body_is_refused_without_reading_more():
    inner = Inner()
    status, _headers, _body = await call(
        SyncLane(inner), API, body=b"x" * (MAX_BODY_BYTES + 1)
    )
    assert status == 413
    assert inner.paths == []
