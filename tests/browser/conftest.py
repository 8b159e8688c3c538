"""Headless Chromium (Debian's) driven by Playwright, against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parents[2]
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    """One Chromium per test: Playwright's sync API runs an event loop in this
    thread while it is open, which must not outlive the test (async tests follow)."""
    from playwright.sync_api import sync_playwright

    # Django's ORM calls made by fixtures while that loop runs are still
    # synchronous and safe; allow them for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium is required for browser tests and missing at {executable}"
        )
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make install) first")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp lets the test inject axe-core; the site's own CSP stays strict.
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="en-US"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo", "--quiet-accounts")


def serious_axe_violations(page):
    """Run axe-core on the current page; return serious and critical violations."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def player_origins(settings, live_server):
    """Two origins on the live server: the platform at ``live_server.url``
    (http://localhost:PORT) and the package content origin at http://127.0.0.1:PORT
    (another site for the browser, so the session cookie never reaches it)."""
    from urllib.parse import urlsplit

    port = urlsplit(live_server.url).port
    settings.SITE_URL = live_server.url
    settings.CONTENT_ORIGIN = f"http://127.0.0.1:{port}"
    return live_server.url, settings.CONTENT_ORIGIN
