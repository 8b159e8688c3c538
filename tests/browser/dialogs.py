"""Dialog handling shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Error, Page


def accept_dialogs(page: Page) -> None:
    """Accept every dialog the page opens (confirmations, ``beforeunload``).

    A ``beforeunload`` dialog raised while the test closes the browser context
    cannot be accepted any more; that is the end of the test, not a failure.
    """

    def accept(dialog) -> None:
        try:
            dialog.accept()
        except Error:
            if not page.is_closed():
                raise

    page.on("dialog", accept)
