"""Issuing attestations: idempotent, signed, in the outbox in one transaction."""

from __future__ import annotations

import pytest
from jwcrypto import jwk, jws

from certification import credentials, keys
from certification.issuance import issue_attestation
from certification.models import Attestation, Delivery
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import content_for, make_attestation

pytestmark = pytest.mark.django_db


def _public_jwk(attestation: Attestation) -> jwk.JWK:
    published = {k["kid"]: k for k in keys.jwks()["keys"]}
    return jwk.JWK(**published[attestation.kid])


def test_an_issued_attestation_is_signed_and_waits_in_the_outbox():
    """Issue writes the attestation, its credential and one outbox row."""
    attestation = make_attestation(user=UserFactory(matricule="12345678"))
    assert attestation.deliveries.get().state == Delivery.State.PENDING
    token = jws.JWS()
    token.deserialize(attestation.credential)
    token.verify(_public_jwk(attestation))  # an independent JOSE library
    claims = credentials.verify(attestation.credential).payload
    assert "OpenBadgeCredential" in claims["type"]
    assert claims["jti"] == f"urn:uuid:{attestation.uuid}"
    subject = claims["credentialSubject"]
    assert subject["tremplin:hours"]["total"] == float(attestation.total_hours)
    assert {"identityType": "identifier", "identityHash": "12345678"}.items() <= (
        subject["identifier"][0].items()
    )


def test_issuing_twice_returns_the_first_attestation():
    """A second issue for the same learner, session and kind writes nothing."""
    first = make_attestation()
    again, created = issue_attestation(
        user=first.user,
        kind=first.kind,
        content=content_for(first.session),
        origin=Attestation.Origin.RULE,
        session=first.session,
    )
    assert (again.pk, created) == (first.pk, False)
    assert Delivery.objects.filter(attestation=first).count() == 1


def test_one_changed_byte_breaks_the_credential():
    """Changing one character of the signed payload fails verification."""
    attestation = make_attestation()
    header, payload, signature = attestation.credential.split(".")
    tampered = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    result = credentials.verify(f"{header}.{tampered}.{signature}")
    assert not result.is_valid
    assert credentials.verify(attestation.credential).is_valid


def test_a_missing_signing_key_issues_nothing(settings, tmp_path):
    """Without a usable key, issuing fails with a French message and writes nothing."""
    settings.ATTESTATION_SIGNING_KEY_FILES = [str(tmp_path / "absent.pem")]
    session = make_session(make_training(), starts_in_days=-5)
    with pytest.raises(keys.SigningKeyMissing, match="introuvable"):
        issue_attestation(
            user=UserFactory(),
            kind=Attestation.Kind.PARTICIPATION,
            content=content_for(session),
            origin=Attestation.Origin.CLOSURE,
            session=session,
        )
    assert not Attestation.objects.exists()
