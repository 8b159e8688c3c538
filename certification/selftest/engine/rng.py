"""Seeded, stateless randomness: every draw is HMAC-SHA256(secret, seed ‖ purpose ‖ step).

Nothing depends on a global RNG or on draws made earlier, so the same attempt seed
and the same state always give the same draw: a reload cannot re-roll an item.
"""

from __future__ import annotations

import hashlib
import hmac

_DEFAULT_SECRET = b"tremplin-selftest-engine"


def _as_bytes(value: str | bytes | int) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


class SeededDraws:
    """Uniform draws addressed by (purpose, step) for one attempt seed."""

    def __init__(self, seed: str | bytes | int, secret: bytes | None = None) -> None:
        self._key = secret or _DEFAULT_SECRET
        self._seed = _as_bytes(seed)

    def uniform(self, purpose: str, step: int) -> float:
        """A float in [0, 1) from 53 bits of the HMAC digest."""
        message = b"|".join((self._seed, purpose.encode(), str(step).encode()))
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)

    def index(self, purpose: str, step: int, size: int) -> int:
        """An index in range(size), uniformly."""
        if size < 1:
            raise ValueError("cannot draw from an empty range")
        return min(int(self.uniform(purpose, step) * size), size - 1)
