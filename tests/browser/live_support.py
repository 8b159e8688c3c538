"""Helpers of the ``live`` browser tests: the BBB stand-in, signed-in pages under
the site's real Content-Security-Policy, axe-core with the WCAG 2.1 AA tags."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.browser.conftest import AXE_JS
from tests.conftest import PASSWORD
from tests.live.standin import StandIn
from tests.two_factor_support import pass_second_factor

#: The rule sets the brief asks for (WCAG 2.0 and 2.1, levels A and AA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}
"""


@pytest.fixture(scope="module")
def standin_process() -> Iterator[StandIn]:
    """One BBB stand-in process for the module."""
    standin = StandIn.start()
    yield standin
    standin.stop()


@pytest.fixture
def bbb(standin_process: StandIn, settings, live_server) -> StandIn:
    """The stand-in, emptied, with Tremplin pointed at it; absolute URLs (logout,
    end callback, QR check-in links) lead back to the live server."""
    settings.BBB_URL = standin_process.url
    settings.BBB_SECRET = standin_process.secret
    settings.BBB_CHECKSUM_ALGORITHM = "sha256"
    settings.BBB_IS_SIMULATOR = True
    settings.SITE_URL = live_server.url
    standin_process.control("reset")
    return standin_process


@dataclass
class Visitor:
    """One person's browser window (own cookies), and what the browser refused
    because of the Content-Security-Policy (console messages)."""

    context: BrowserContext
    page: Page
    csp_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                self.csp_errors.append(message.text)

        page.on("console", on_console)


def visitor(browser: Browser, base_url: str, user=None) -> Visitor:
    """A new browser window, signed in as ``user`` if given.

    The site's CSP stays in force (no ``bypass_csp``): axe-core is loaded by an
    init script, which the CSP does not govern, so every page (popups included)
    can be checked as users get it.
    """
    context = browser.new_context(base_url=base_url, locale="fr-BE")
    context.set_default_timeout(10_000)  # a missing text fails fast
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    seen = Visitor(context, page)
    seen.watch(page)
    context.on("page", seen.watch)
    if user is not None:
        sign_in(page, user)
    return seen


def sign_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    pass_second_factor(page, user.email)
    page.wait_for_url("**/dashboard/")


def axe_violations(page: Page) -> list[dict]:
    """Every axe-core violation of the WCAG 2.1 A/AA rules on the current page."""
    return page.evaluate(AXE_RUN, AXE_TAGS)


def main_text(page: Page) -> str:
    return page.locator("main").inner_text()
