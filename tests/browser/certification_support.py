"""Helpers of the ``certification`` browser tests: a browser window (signed in or
not) under the site's real Content-Security-Policy that records every console
error and uncaught script error, and an axe-core check of the current page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.browser.conftest import AXE_JS
from tests.browser.live_support import axe_violations, sign_in

#: Chromium logs a non-2xx main document as a console error; a page answered
#: with the status a test expects (a 410, a form's 400) is allowed through this.
_LOAD_FAILED = re.compile(r"Failed to load resource: .* status of (\d{3})")
#: Artefacts of pytest-django's live server, not of the pages: it is a WSGI
#: server, so the notifications WebSocket (served by the ASGI application) is a
#: 404 there; and the site has no ``/favicon.ico`` route (the browser asks anyway).
_HARNESS_NOISE = re.compile(r"WebSocket connection to '[^']*/ws/notifications/'")


@dataclass
class Window:
    """One person's browser window (own cookies) and the errors it logged."""

    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type != "error" or _HARNESS_NOISE.search(message.text):
                return
            if message.location.get("url", "").endswith("/favicon.ico"):
                return
            failed = _LOAD_FAILED.search(message.text)
            if failed and int(failed.group(1)) in self.expected_statuses:
                return
            self.errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def check(self) -> None:
        """Zero axe-core WCAG 2.1 A/AA violations and no console error so far."""
        violations = axe_violations(self.page)
        assert violations == [], (self.page.url, violations)
        assert self.errors == [], self.errors


def window(browser: Browser, base_url: str, user=None) -> Window:
    """A new window in French (``fr-BE``), signed in as ``user`` if given; the
    CSP stays in force, axe-core comes in through an init script."""
    context = browser.new_context(base_url=base_url, locale="fr-BE")
    context.set_default_timeout(10_000)
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    seen = Window(context, page)
    seen.watch(page)
    context.on("page", seen.watch)
    if user is not None:
        sign_in(page, user)
    return seen


def focused(page: Page) -> dict:
    """What has the keyboard focus: tag, type, id, name and text."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return {tag: el.tagName, type: el.type || "", id: el.id || "",
                  name: el.name || "", text: (el.textContent || "").trim()};
        }"""
    )


def tab_until(page: Page, predicate, *, limit: int = 80) -> dict:
    """Press Tab until ``predicate(focused(page))`` holds; returns that element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        if predicate(current):
            return current
    raise AssertionError(f"Tab never reached the element (last: {focused(page)})")
