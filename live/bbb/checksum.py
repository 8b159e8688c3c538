"""The BBB API checksum: ``hash(callName + queryString + sharedSecret)``.

The query string is hashed exactly as sent (our ``urlencode`` output), without
the ``checksum`` parameter. BBB accepts SHA-1 (historic default), SHA-256,
SHA-384 and SHA-512, told apart by the length of the hex digest. No Django
imports: the stand-in server uses this module too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode

#: Supported algorithms and the length of their hex digest.
ALGORITHMS = {"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}
_BY_LENGTH = {length: name for name, length in ALGORITHMS.items()}


def checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported BBB checksum algorithm {algorithm!r}")
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def signed_query(
    call: str, params: Mapping[str, object], secret: str, algorithm: str = "sha1"
) -> str:
    """``params`` url-encoded (None dropped, booleans as true/false) + checksum."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append((key, str(value)))
    query = urlencode(pairs)
    digest = checksum(call, query, secret, algorithm)
    return f"{query}&checksum={digest}" if query else f"checksum={digest}"


def verify_query(call: str, raw_query: str, secret: str) -> bool:
    """Check the checksum of a received raw query string, as a BBB server does.

    The algorithm is recognised from the digest length; comparison is in
    constant time.
    """
    parts = raw_query.split("&") if raw_query else []
    received = [p[len("checksum=") :] for p in parts if p.startswith("checksum=")]
    if len(received) != 1:
        return False
    digest = received[0].lower()
    algorithm = _BY_LENGTH.get(len(digest))
    if algorithm is None:
        return False
    query = "&".join(p for p in parts if not p.startswith("checksum="))
    expected = checksum(call, query, secret, algorithm)
    return hmac.compare_digest(expected, digest)
