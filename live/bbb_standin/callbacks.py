"""Sending the end and recording-ready callbacks, as a BBB server does."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import httpx

from .state import Delivery

logger = logging.getLogger(__name__)

#: BBB does not follow redirects on callbacks (a 3xx counts as an error).
TIMEOUT_SECONDS = 10.0


def deliver(deliveries: Iterable[Delivery]) -> list[dict[str, object]]:
    """Send each callback in order; ``[{"url", "method", "status"}]``.

    ``status`` is the HTTP status code, or a short error text when the
    receiver could not be reached.
    """
    results: list[dict[str, object]] = []
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for item in deliveries:
            status: int | str
            try:
                if item.method == "POST":
                    response = client.post(item.url, data=item.form or {})
                else:
                    response = client.get(item.url)
                status = response.status_code
            except httpx.HTTPError as exc:
                status = f"error: {type(exc).__name__}"
            logger.info("callback %s %s -> %s", item.method, item.url, status)
            results.append({"url": item.url, "method": item.method, "status": status})
    return results


def deliver_later(deliveries: list[Delivery]) -> None:
    """Send the callbacks from a background thread (the API ``end`` call)."""
    if deliveries:
        threading.Thread(target=deliver, args=(deliveries,), daemon=True).start()
