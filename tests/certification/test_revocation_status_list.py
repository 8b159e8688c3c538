"""Revocation through the signed Bitstring Status List."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from django.urls import reverse
from jwcrypto import jwk, jws

from certification import status_list
from certification.issuance import revoke_attestation
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db


def _signed_list(client, number: int) -> dict:
    """The status list credential, verified with jwcrypto against the JWKS."""
    response = client.get(reverse("certification:status_list", args=[number]))
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    published = {
        k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]
    }
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(jwk.JWK(**published[header["kid"]]))
    return json.loads(signed.payload)


def test_revocation_sets_the_attestations_bit_in_the_signed_list(
    client, administrator, committed
):
    """After revocation the list at the credential's ``statusListCredential``
    has exactly that attestation's bit set (a neighbour's stays clear)."""
    attestation = make_attestation()
    neighbour = make_attestation()
    number, index = status_list.position(attestation.pk)
    status_list.forget(number)
    before = _signed_list(client, number)  # cached now; revocation must drop it
    bits = status_list.decode(before["credentialSubject"]["encodedList"])
    assert not status_list.is_set(bits, index)

    with committed():
        assert revoke_attestation(attestation, by=administrator, reason="Erreur")
    entry = json.loads(
        base64.urlsafe_b64decode(attestation.credential.split(".")[1] + "==")
    )["credentialStatus"]
    assert entry["statusListCredential"].endswith(
        reverse("certification:status_list", args=[number])
    )
    assert entry["statusListIndex"] == str(index)
    after = _signed_list(client, number)
    bits = status_list.decode(after["credentialSubject"]["encodedList"])
    assert status_list.is_set(bits, int(entry["statusListIndex"]))
    _n, neighbour_index = status_list.position(neighbour.pk)
    assert not status_list.is_set(bits, neighbour_index)
    assert len(bits) * 8 == status_list.STATUS_LIST_SIZE


def test_revocation_is_in_the_history_and_only_once(administrator):
    """A second revocation changes nothing; the first is an event with its reason."""
    attestation = make_attestation()
    assert revoke_attestation(attestation, by=administrator, reason="Doublon")
    assert not revoke_attestation(attestation, by=administrator, reason="Encore")
    events = attestation.events.filter(kind="revoked")
    assert [event.message for event in events] == ["Doublon"]


def test_a_gzip_bomb_encoded_list_is_refused():
    """An encodedList inflating past the cap raises instead of eating memory."""
    bomb = gzip.compress(bytes(64 * 1024 * 1024))
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="too large"):
        status_list.decode(encoded)


@pytest.mark.parametrize(
    "encoded",
    ["zABC", "u" + base64.urlsafe_b64encode(b"pas du gzip").decode(), "u!!!"],
)
def test_malformed_encoded_lists_are_refused_with_value_error(encoded):
    """Wrong multibase prefix, non-GZIP or non-base64 data raise ``ValueError``."""
    with pytest.raises(ValueError):
        status_list.decode(encoded)


def test_encode_and_decode_round_trip_with_the_first_bit_most_significant():
    """Bit 0 is the most significant bit of the first byte."""
    bits = status_list.decode(status_list.encode([0, 9], size=16))
    assert bits == bytes([0b1000_0000, 0b0100_0000])
    assert status_list.is_set(bits, 9) and not status_list.is_set(bits, 1)
