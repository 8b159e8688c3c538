"""End to end in Chromium against a real ASGI server: the cohort chat and the
tutor dashboard update live over WebSockets (pytest-django's live server speaks
WSGI only, so uvicorn runs ``lms.asgi`` on the test database in a subprocess)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect

from courses import services as course_services
from tests.browser.conftest import serious_axe_violations
from tests.browser.dialogs import accept_dialogs
from tests.conftest import PASSWORD
from tests.factories.tutoring import make_cohort
from tutoring.models import ChatMessage, Enrolment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 90
#: Long enough for a reconnection after a few failed attempts (1 s, 2 s, 5 s…).
LIVE_TIMEOUT_MS = 20_000

CONNECTED = "Connecté·e au chat."
PENDING = "envoi en cours…"
HIDDEN_PLACEHOLDER = "Message masqué par un·e tuteur·rice."
HIDDEN_FOR_TUTORS = "(masqué pour les participant·es)"

# Runs before the page's scripts: keeps every WebSocket the page opens within
# reach of the test, which can then drop the connection as a lost network
# would (``cut``), and refuse new ones until ``restore`` (``go_offline``).
# Chromium's offline emulation leaves open WebSockets alone.
WEBSOCKET_SPY = """
(() => {
  const Native = window.WebSocket;
  const sockets = [];
  let offline = false;
  class SpiedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      sockets.push(this);
      if (offline) this.close();
    }
  }
  window.WebSocket = SpiedWebSocket;
  window.e2eSockets = {
    isOpen: () => sockets.some((s) => s.readyState === Native.OPEN),
    opened: () => sockets.length,
    cut: () => sockets.forEach((s) => s.close()),
    goOffline: () => {
      offline = true;
      sockets.forEach((s) => s.close());
    },
    restore: () => {
      offline = false;
    },
  };
})();
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test copy)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _answers(port: int) -> bool:
    """Whether the server on ``port`` serves the login page."""
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        probe.request("GET", "/accounts/login/")
        return probe.getresponse().status == 200
    except OSError:
        return False
    finally:
        probe.close()


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def asgi_server(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """Uvicorn serving ``lms.asgi`` (plus static files) on the test database and
    the test Redis; yields its base URL. Stopped before the database is flushed:
    its connections never block the flush or the final drop."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_URL": settings.CACHE_URL,
        # The test process pushes dashboard updates through this layer too.
        "CHANNEL_LAYER_URL": settings.CHANNEL_LAYER_URL,
        "TREMPLIN_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    # Set by the ``browser`` fixture for this process only.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                str(BASE_DIR / ".venv/bin/uvicorn"),
                "tests.browser.asgi_server:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                "3",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _answers(port):
            if server.poll() is not None:
                pytest.fail(f"uvicorn exited:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not answer:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        _stop(server)
        errors = log_path.read_text(errors="replace")
        if "Traceback" in errors:
            print(f"uvicorn log:\n{errors}")  # noqa: T201 - shown with the failure


@pytest.fixture
def sign_in(browser: Browser, asgi_server: str) -> Iterator[Callable[[Any], Page]]:
    """A signed-in page per person, each in its own browser context (own cookies
    and local storage) on the ASGI server."""
    contexts = []

    def open_page(user: Any) -> Page:
        # bypass_csp lets the test inject axe-core; the site's own CSP stays strict.
        context = browser.new_context(
            base_url=asgi_server, bypass_csp=True, locale="en-US"
        )
        contexts.append(context)
        context.add_init_script(WEBSOCKET_SPY)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Adresse e-mail").fill(user.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/dashboard/")
        return page

    yield open_page
    for context in contexts:
        context.close()
    # While Playwright's event loop runs in this thread, asgiref's Local gives
    # the test's ORM calls a connection of their own, which pytest-django does
    # not know about: close it now, or it outlives the test and the test
    # database cannot be dropped at the end of the session.
    connections.close_all()


def _in_worker_thread[T](function: Callable[[], T]) -> T:
    """Run ORM work that broadcasts after commit outside this thread, where
    Playwright's event loop would make ``async_to_sync`` refuse (and the
    best-effort push be silently dropped)."""

    def run() -> T:
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=60)


def _open_chat(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#chat-status")).to_have_text(
        CONNECTED, timeout=LIVE_TIMEOUT_MS
    )
    # Reloading would reset this: the assertions below prove live updates.
    page.evaluate("() => { window.e2eNoReload = true; }")


def _messages(page: Page, text: str) -> Locator:
    return page.locator("#chat-log li.chat-message").filter(has_text=text)


def _assert_shown_once(page: Page, text: str) -> None:
    expect(_messages(page, text)).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(_messages(page, text).locator(".chat-body")).to_have_text(text)
    expect(page.locator("#chat-log li.chat-pending")).to_have_count(
        0, timeout=LIVE_TIMEOUT_MS
    )
    assert page.evaluate("() => window.e2eNoReload === true")


def test_chat_message_reaches_the_tutor_live_and_can_be_hidden(sign_in):
    """A learner's message appears once on the tutor's open chat page without a
    reload, once (acknowledged) on the learner's, HTML shown as text; the tutor
    hides it and the learner's page shows the placeholder; no serious axe
    violation."""
    setup = make_cohort(learners=1, activities=1)
    learner = setup.learners[0]
    chat_url = reverse("tutoring:chat", args=[setup.cohort.pk])
    learner_page = sign_in(learner)
    tutor_page = sign_in(setup.tutor)
    alerts: list[str] = []
    learner_page.on(
        "dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss())
    )
    accept_dialogs(tutor_page)
    _open_chat(learner_page, chat_url)
    _open_chat(tutor_page, chat_url)
    assert serious_axe_violations(learner_page) == []

    body = "Voici mon essai : <img src=x onerror=alert(1)>"
    learner_page.get_by_label("Votre message").fill(body)
    learner_page.get_by_role("button", name="Envoyer").click()

    _assert_shown_once(tutor_page, body)
    _assert_shown_once(learner_page, body)
    for page in (learner_page, tutor_page):
        assert page.locator("#chat-log img").count() == 0
    message = ChatMessage.objects.get(cohort=setup.cohort)
    assert message.body == body
    assert message.author == learner
    assert alerts == []
    assert serious_axe_violations(learner_page) == []
    assert serious_axe_violations(tutor_page) == []

    item = f'#chat-log li[data-id="{message.pk}"]'
    tutor_page.locator(item).get_by_role("button", name="Masquer").click()

    expect(learner_page.locator(f"{item} .chat-body")).to_have_text(
        HIDDEN_PLACEHOLDER, timeout=LIVE_TIMEOUT_MS
    )
    expect(learner_page.locator("#chat-log")).not_to_contain_text("Voici mon essai")
    expect(tutor_page.locator(item)).to_contain_text(HIDDEN_FOR_TUTORS)
    expect(tutor_page.locator(f"{item} .chat-body")).to_have_text(body)
    expect(
        tutor_page.locator(item).get_by_role("button", name="Masquer")
    ).to_have_count(0)
    assert learner_page.evaluate("() => window.e2eNoReload === true")
    message.refresh_from_db()
    assert message.is_hidden
    assert message.hidden_by == setup.tutor
    assert alerts == []


def test_chat_messages_survive_lost_connections(sign_in):
    """A message written while the connection is down waits as pending and is
    delivered after the reconnection; one sent as the connection drops, and one
    still pending when the page is reloaded, too: each is stored once and shown
    once on both pages."""
    setup = make_cohort(learners=1, activities=1)
    learner = setup.learners[0]
    chat_url = reverse("tutoring:chat", args=[setup.cohort.pk])
    learner_page = sign_in(learner)
    tutor_page = sign_in(setup.tutor)
    _open_chat(learner_page, chat_url)
    _open_chat(tutor_page, chat_url)
    status = learner_page.locator("#chat-status")

    # 1. Offline: the message stays in the outbox until the socket is back.
    offline_body = "Écrit hors connexion."
    learner_page.evaluate("() => window.e2eSockets.goOffline()")
    expect(status).to_contain_text("Connexion perdue")
    learner_page.get_by_label("Votre message").fill(offline_body)
    learner_page.get_by_role("button", name="Envoyer").click()
    expect(_messages(learner_page, offline_body)).to_contain_text(PENDING)
    assert not ChatMessage.objects.filter(body=offline_body).exists()
    learner_page.evaluate("() => window.e2eSockets.restore()")
    expect(status).to_have_text(CONNECTED, timeout=LIVE_TIMEOUT_MS)
    _assert_shown_once(learner_page, offline_body)
    _assert_shown_once(tutor_page, offline_body)

    # 2. The connection drops right after the send: the acknowledgement and
    # the broadcast are lost to the learner, the reconnection makes up for it.
    dropped_body = "Envoyé au moment de la coupure."
    learner_page.get_by_label("Votre message").fill(dropped_body)
    learner_page.evaluate(
        """() => {
          document.getElementById("chat-form").requestSubmit();
          window.e2eSockets.cut();
        }"""
    )
    expect(status).to_contain_text("Connexion perdue")
    expect(status).to_have_text(CONNECTED, timeout=LIVE_TIMEOUT_MS)
    _assert_shown_once(learner_page, dropped_body)
    _assert_shown_once(tutor_page, dropped_body)

    # 3. Still pending when the page is reloaded: the outbox is kept in local
    # storage and sent by the new page.
    reloaded_body = "En attente pendant le rechargement."
    learner_page.evaluate("() => window.e2eSockets.goOffline()")
    expect(status).to_contain_text("Connexion perdue")
    learner_page.get_by_label("Votre message").fill(reloaded_body)
    learner_page.get_by_role("button", name="Envoyer").click()
    expect(_messages(learner_page, reloaded_body)).to_contain_text(PENDING)
    learner_page.reload()
    expect(status).to_have_text(CONNECTED, timeout=LIVE_TIMEOUT_MS)
    expect(_messages(learner_page, reloaded_body)).to_have_count(
        1, timeout=LIVE_TIMEOUT_MS
    )
    expect(learner_page.locator("#chat-log li.chat-pending")).to_have_count(
        0, timeout=LIVE_TIMEOUT_MS
    )
    _assert_shown_once(tutor_page, reloaded_body)

    for body in (offline_body, dropped_body, reloaded_body):
        assert ChatMessage.objects.filter(cohort=setup.cohort, body=body).count() == 1
        expect(_messages(learner_page, body)).to_have_count(1)
        expect(_messages(tutor_page, body)).to_have_count(1)
    assert ChatMessage.objects.filter(cohort=setup.cohort).count() == 3
    assert learner_page.evaluate("() => localStorage.length") == 0


def test_dashboard_shows_a_completion_live(sign_in):
    """When a learner completes an activity, the tutor's open dashboard updates
    that learner's progress and activity cell without a reload and announces it
    in the live region; no serious axe violation."""
    setup = make_cohort(learners=1, activities=3)
    learner = setup.learners[0]
    activity = setup.activities[0]
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    tutor_page = sign_in(setup.tutor)
    tutor_page.goto(reverse("tutoring:dashboard", args=[setup.cohort.pk]))
    tutor_page.wait_for_function(
        "() => window.e2eSockets.isOpen()", timeout=LIVE_TIMEOUT_MS
    )
    tutor_page.evaluate("() => { window.e2eNoReload = true; }")
    row = tutor_page.locator(f'tr[data-enrolment-id="{enrolment.pk}"]')
    cell = row.locator(f'td[data-activity-id="{activity.pk}"]')
    live = tutor_page.locator("#dashboard-live")
    expect(row.locator(".js-progress")).to_have_text("0 %")
    expect(cell).to_have_class("state state-not_started")
    assert serious_axe_violations(tutor_page) == []

    _in_worker_thread(lambda: course_services.mark_viewed(learner, activity))

    enrolment.refresh_from_db()
    assert enrolment.progress_percent > 0
    expect(row.locator(".js-progress")).to_have_text(
        f"{enrolment.progress_percent} %", timeout=LIVE_TIMEOUT_MS
    )
    expect(cell).to_have_class("state state-completed")
    expect(cell).to_contain_text("terminée")
    expect(row.locator("progress")).to_have_js_property(
        "value", enrolment.progress_percent
    )
    expect(row.locator(".js-last-activity time")).to_have_count(1)
    name = row.get_attribute("data-name")
    assert name
    expect(live).to_have_text(f"{name} a terminé une activité")
    assert tutor_page.evaluate("() => window.e2eNoReload === true")
    assert serious_axe_violations(tutor_page) == []
