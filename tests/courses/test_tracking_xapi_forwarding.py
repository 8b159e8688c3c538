"""Forwarding xAPI statements to an LRS: a real HTTP server on loopback, no mocks."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry

from courses.models import Statement
from courses.tasks import forward_statements_task
from courses.tracking.commits import apply_commit
from courses.xapi import LRSUnavailable, forward_pending_statements
from lms.celery import app as celery_app
from tests.courses.tracking_fixtures import SCORM_12, new_attempt

pytestmark = pytest.mark.django_db


class FakeLRS:
    """An HTTP server answering a script of statuses, recording every request."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str]]] = []
        self.requests: list[dict] = []
        self.delay = 0.0
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                lrs.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                time.sleep(lrs.delay)
                status, headers = lrs.script.pop(0) if lrs.script else (200, {})
                payload = json.dumps(
                    [s["id"] for s in body] if isinstance(body, list) else []
                ).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lrs(settings):
    server = FakeLRS()
    settings.LRS_URL = server.url
    settings.LRS_USERNAME = "tremplin"
    settings.LRS_PASSWORD = "secret"
    settings.LRS_TIMEOUT_SECONDS = 2
    yield server
    server.close()


def passed_commit(attempt) -> None:
    apply_commit(
        attempt,
        "sco_1",
        1,
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "92"},
        False,
    )


def test_statements_are_posted_with_version_and_basic_auth(lrs):
    """Pending statements reach /xAPI/statements with the xAPI headers."""
    attempt = new_attempt(SCORM_12)
    passed_commit(attempt)
    assert forward_pending_statements() == 2
    request = lrs.requests[0]
    assert request["path"] == "/xAPI/statements"
    assert request["headers"]["X-Experience-API-Version"] == "1.0.3"
    expected = base64.b64encode(b"tremplin:secret").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"
    sent_ids = {s["id"] for s in request["body"]}
    assert sent_ids == {
        str(pk) for pk in Statement.objects.values_list("pk", flat=True)
    }
    assert not Statement.objects.filter(forwarded_at__isnull=True).exists()
    assert forward_pending_statements() == 0  # nothing is sent twice
    assert len(lrs.requests) == 1


def test_a_409_from_the_lrs_counts_as_delivered(lrs):
    """Already stored at the LRS (409) is success, statement by statement."""
    passed_commit(new_attempt(SCORM_12))
    lrs.script = [(409, {}), (409, {}), (200, {})]
    assert forward_pending_statements() == 2
    assert [len(r["body"]) for r in lrs.requests] == [2, 1, 1]
    assert not Statement.objects.filter(forwarded_at__isnull=True).exists()


def test_the_task_retries_after_a_server_error(lrs):
    """5xx makes the task retry (with backoff); the next try delivers."""
    passed_commit(new_attempt(SCORM_12))
    lrs.script = [(503, {})]
    forward_statements_task.apply(throw=False)
    assert len(lrs.requests) == 2
    assert not Statement.objects.filter(forwarded_at__isnull=True).exists()
    assert set(Statement.objects.values_list("forward_attempts", flat=True)) == {1}


def test_429_passes_retry_after_on(lrs):
    """A rate-limited LRS tells the task when to come back."""
    passed_commit(new_attempt(SCORM_12))
    lrs.script = [(429, {"Retry-After": "120"})]
    with pytest.raises(LRSUnavailable) as raised:
        forward_pending_statements()
    assert raised.value.retry_after == 120
    assert Statement.objects.filter(forwarded_at__isnull=True).count() == 2
    assert set(Statement.objects.values_list("last_error", flat=True)) == {
        "LRS answered 429"
    }


def test_a_slow_lrs_times_out_and_is_retried_with_backoff(lrs, settings):
    """A timeout makes the task schedule a retry, with jittered backoff."""
    settings.LRS_TIMEOUT_SECONDS = 1
    passed_commit(new_attempt(SCORM_12))
    lrs.delay = 1.5
    with pytest.raises(Retry) as raised:
        forward_statements_task.apply(retries=1, throw=True)
    assert 5 <= raised.value.when <= 10  # 2nd try: between 5 and 10 s
    assert Statement.objects.filter(forwarded_at__isnull=True).count() == 2


def test_the_task_gives_up_after_max_retries(lrs, settings):
    """After LRS_MAX_RETRIES the task stops; statements stay pending for later."""
    settings.LRS_MAX_RETRIES = 3
    passed_commit(new_attempt(SCORM_12))
    lrs.script = [(500, {})]
    result = forward_statements_task.apply(retries=3, throw=True)
    assert result.get() == 0
    assert len(lrs.requests) == 1
    assert Statement.objects.filter(forwarded_at__isnull=True).count() == 2


def test_other_4xx_records_the_error_without_retrying(lrs):
    """A refused statement (400) keeps its error for staff, no retry storm."""
    passed_commit(new_attempt(SCORM_12))
    lrs.script = [(400, {})]
    assert forward_pending_statements() == 0
    statement = Statement.objects.first()
    assert statement.forward_attempts == 1
    assert statement.last_error.startswith("LRS answered 400")


def test_forwarding_is_enqueued_on_commit_only_with_an_lrs(
    lrs, settings, django_capture_on_commit_callbacks
):
    """A status change enqueues forwarding after commit; without LRS_URL, never."""
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            passed_commit(new_attempt(SCORM_12))
        assert callbacks
        assert len(lrs.requests) == 1
        settings.LRS_URL = ""
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            passed_commit(new_attempt(SCORM_12))
        assert len(lrs.requests) == 1
        assert Statement.objects.filter(forwarded_at__isnull=True).count() == 2
    finally:
        celery_app.conf.task_always_eager = False
