"""Login throttling and lock-out, counted in the shared cache.

Failed sign-ins are counted per account (the normalised e-mail typed) and
per client address over ``LOGIN_FAILURE_WINDOW_SECONDS``. Past
``LOGIN_MAX_FAILURES_PER_ACCOUNT`` failures the account is locked for
``LOGIN_LOCKOUT_SECONDS``, whatever the password typed next; past
``LOGIN_MAX_FAILURES_PER_ADDRESS`` the address is. The message says the same
whether the account exists or not. A successful sign-in clears the account's
count. When the cache is down, sign-in goes on without throttling (logged).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .cache import count_in_window

logger = logging.getLogger(__name__)

_PREFIX = "login-throttle"


@dataclass(frozen=True)
class Lock:
    """A refusal: ``retry_after`` seconds until the next try is allowed."""

    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _now() -> float:
    return time.time()


def _digest(value: str) -> str:
    # Keys never hold e-mail addresses in clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def client_address(request: HttpRequest | None) -> str:
    """The client's address: behind the TLS proxy, the first forwarded one."""
    if request is None:
        return ""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",", 1)[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(email: str, address: str) -> tuple[str, str]:
    return (
        f"{_PREFIX}:account:{_digest(email.strip().lower())}",
        f"{_PREFIX}:address:{_digest(address)}",
    )


def current_lock(email: str, request: HttpRequest | None) -> Lock | None:
    """The lock on this account or address, if any."""
    now = _now()
    try:
        found = cache.get_many(
            [f"{key}:locked-until" for key in _keys(email, client_address(request))]
        )
    except Exception:  # noqa: BLE001 (a cache outage must not block sign-in)
        logger.warning("login throttling unavailable (cache error)")
        return None
    until = max((float(v) for v in found.values()), default=0.0)
    if until > now:
        return Lock(retry_after=math.ceil(until - now))
    return None


def record_failure(email: str, request: HttpRequest | None) -> Lock | None:
    """Count a failed sign-in; the lock it triggers, if any."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    lockout = settings.LOGIN_LOCKOUT_SECONDS
    address = client_address(request)
    account_key, address_key = _keys(email, address)
    try:
        account_failures = count_in_window(f"{account_key}:failures", window)
        address_failures = count_in_window(f"{address_key}:failures", window)
        until = _now() + lockout
        locked = None
        if account_failures >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
            cache.set(f"{account_key}:locked-until", until, lockout)
            cache.delete(f"{account_key}:failures")
            locked = Lock(retry_after=lockout)
        if address and address_failures >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS:
            cache.set(f"{address_key}:locked-until", until, lockout)
            cache.delete(f"{address_key}:failures")
            locked = Lock(retry_after=lockout)
    except Exception:  # noqa: BLE001 (a cache outage must not block sign-in)
        logger.warning("login throttling unavailable (cache error)")
        return None
    if locked:
        logger.warning(
            "sign-in locked account=%s address=%s", account_key[-12:], address
        )
    return locked


def record_success(email: str) -> None:
    account_key, _address_key = _keys(email, "")
    try:
        cache.delete(f"{account_key}:failures")
    except Exception:  # noqa: BLE001
        logger.warning("login throttling unavailable (cache error)")
