"""Revocation through W3C Bitstring Status Lists.

An attestation's integer id places it in list ``id // STATUS_LIST_SIZE`` at bit
``id % STATUS_LIST_SIZE`` (bit 0 is the most significant bit of the first
byte). A list is served as a signed ``BitstringStatusListCredential`` built from
the revoked rows, cached for ``ATTESTATION_STATUS_LIST_CACHE_SECONDS`` (so a
revocation shows within that delay; Tremplin's own verification page reads the
database and shows it at once).
"""

from __future__ import annotations

import base64
import gzip
import io
import zlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from lms.emails import absolute_url

STATUS_LIST_SIZE = 131_072  # 16 KiB: the minimum the specification recommends
MAX_INFLATED_BYTES = 4 * 1024 * 1024  # a status list larger than this is refused


def position(attestation_id: int) -> tuple[int, int]:
    """(list number, index in the list) of an attestation."""
    return divmod(attestation_id, STATUS_LIST_SIZE)


def list_url(number: int) -> str:
    return absolute_url(reverse("certification:status_list", args=[number]))


def encode(revoked_indexes: list[int], size: int = STATUS_LIST_SIZE) -> str:
    """The ``encodedList``: multibase base64url (``u``) of the GZIP'd bitstring."""
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same revocations always give the same bytes.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(encoded: str, max_bytes: int = MAX_INFLATED_BYTES) -> bytes:
    """The bitstring of an ``encodedList``; refuses (``ValueError``) anything
    malformed or inflating past ``max_bytes`` (a gzip bomb)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u')")
    data = encoded[1:]
    try:
        raw = base64.b64decode(
            data + "=" * (-len(data) % 4), altchars=b"-_", validate=True
        )
    except ValueError as error:  # binascii.Error: not base64url
        raise ValueError("encodedList is not base64url") from error
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            inflated = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as error:  # not gzip, or truncated
        raise ValueError(f"encodedList is not valid GZIP: {error}") from error
    if len(inflated) > max_bytes:
        raise ValueError("status list too large")
    if not inflated:
        raise ValueError("empty status list")
    return inflated


def is_set(bitstring: bytes, index: int) -> bool:
    if index < 0 or index // 8 >= len(bitstring):
        raise ValueError("status index outside the list")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def revoked_indexes(number: int) -> list[int]:
    from .models import Attestation

    start = number * STATUS_LIST_SIZE
    ids = Attestation.objects.filter(
        id__gte=start,
        id__lt=start + STATUS_LIST_SIZE,
        revoked_at__isnull=False,
    ).values_list("id", flat=True)
    return [attestation_id - start for attestation_id in ids]


def status_list_credential(number: int) -> dict:
    """The unsigned ``BitstringStatusListCredential`` of list ``number``."""
    from .keys import issuer_did

    url = list_url(number)
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": now.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked_indexes(number)),
        },
    }


def signed_status_list(number: int) -> str:
    """The list as a compact JWS (cached; dropped on every revocation)."""
    from .credentials import sign_payload

    key = f"certification:status-list:{number}"
    token = cache.get(key)
    if token is None:
        credential = status_list_credential(number)
        token = sign_payload(credential)
        cache.set(key, token, settings.ATTESTATION_STATUS_LIST_CACHE_SECONDS)
    return token


def forget(number: int) -> None:
    cache.delete(f"certification:status-list:{number}")
