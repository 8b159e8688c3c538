"""Signing keys: credentials verify with an independent JOSE library against the
published keys; forgeries fail; rotation keeps old credentials valid; a missing
key is a deploy-check error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core import checks
from jwcrypto import jwk, jws

from certification import credentials, keys
from certification.checks import check_signing_keys
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pem_file(path, private_key) -> str:
    path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


def _header(token: str) -> dict:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _verify_with_jwcrypto(token: str, public: dict) -> dict:
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(jwk.JWK(**public))
    return json.loads(signed.payload)


def test_the_credential_verifies_with_the_key_from_the_published_jwks(client):
    """jwcrypto verifies the credential with the JWKS key named by its ``kid``."""
    attestation = make_attestation()
    published = client.get("/.well-known/jwks.json").json()["keys"]
    kid = _header(attestation.credential)["kid"]
    public = next(key for key in published if key["kid"] == kid)
    payload = _verify_with_jwcrypto(attestation.credential, public)
    assert payload["jti"] == f"urn:uuid:{attestation.uuid}"
    assert payload["credentialSubject"]["achievement"]["humanCode"] == (
        attestation.training_code
    )


def test_the_credential_verifies_with_the_key_from_the_did_document(client):
    """The ``kid`` is a DID URL resolved through ``/.well-known/did.json``."""
    attestation = make_attestation()
    document = client.get("/.well-known/did.json").json()
    kid = _header(attestation.credential)["kid"]
    assert kid.startswith(document["id"] + "#")
    assert kid in document["assertionMethod"]
    method = next(m for m in document["verificationMethod"] if m["id"] == kid)
    _verify_with_jwcrypto(attestation.credential, method["publicKeyJwk"])


def test_one_changed_byte_fails_both_libraries_with_a_reason():
    """One changed byte: jwcrypto refuses it and Tremplin says why."""
    attestation = make_attestation()
    header, payload, signature = attestation.credential.split(".")
    middle = len(payload) // 2
    flipped = "B" if payload[middle] != "B" else "C"
    tampered = (
        f"{header}.{payload[:middle]}{flipped}{payload[middle + 1 :]}.{signature}"
    )
    public = keys.active_key().jwk()
    with pytest.raises(jws.InvalidJWSSignature):
        _verify_with_jwcrypto(tampered, public)
    result = credentials.verify(tampered)
    assert not result.is_valid
    assert "Signature invalide" in result.reason


def test_an_unsigned_alg_none_token_is_refused():
    """``alg: none`` with a valid ``kid`` is refused."""
    attestation = make_attestation()
    header = {"alg": "none", "kid": attestation.kid, "typ": "JWT"}
    payload = attestation.credential.split(".")[1]
    token = f"{_b64(json.dumps(header).encode())}.{payload}."
    result = credentials.verify(token)
    assert not result.is_valid
    assert "Algorithme de signature refusé" in result.reason


@pytest.mark.parametrize("encoding", ["raw", "pem"])
def test_an_hmac_signed_with_the_public_key_is_refused(encoding):
    """HS256 keyed with the published public key (algorithm confusion) is refused."""
    attestation = make_attestation()
    public = keys.active_key().private_key.public_key()
    secret = (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if encoding == "raw"
        else public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    header = _b64(json.dumps({"alg": "HS256", "kid": attestation.kid}).encode())
    payload = attestation.credential.split(".")[1]
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    result = credentials.verify(f"{header}.{payload}.{_b64(mac)}")
    assert not result.is_valid
    assert "HS256" in result.reason


def test_after_rotation_old_credentials_verify_and_new_ones_use_the_new_key(
    settings, tmp_path, client
):
    """New key first, old key after: old credentials stay valid, new ones carry the new kid."""
    old_file = _pem_file(tmp_path / "old.pem", ed25519.Ed25519PrivateKey.generate())
    new_file = _pem_file(tmp_path / "new.pem", ed25519.Ed25519PrivateKey.generate())
    settings.ATTESTATION_SIGNING_KEY_FILES = [old_file]
    before = make_attestation()
    old_kid = keys.active_key().kid
    settings.ATTESTATION_SIGNING_KEY_FILES = [new_file, old_file]
    after = make_attestation()
    new_kid = keys.active_key().kid
    assert new_kid != old_kid
    assert (before.kid, after.kid) == (old_kid, new_kid)
    assert _header(after.credential)["kid"] == new_kid
    assert credentials.verify(before.credential).is_valid
    assert credentials.verify(after.credential).is_valid
    published = {
        key["kid"]: key for key in client.get("/.well-known/jwks.json").json()["keys"]
    }
    assert list(published) == [new_kid, old_kid]
    _verify_with_jwcrypto(before.credential, published[old_kid])
    settings.ATTESTATION_SIGNING_KEY_FILES = [new_file]  # old key retired
    result = credentials.verify(before.credential)
    assert not result.is_valid
    assert "Clé de signature inconnue" in result.reason


def test_a_missing_key_file_is_a_deploy_check_error(settings, tmp_path):
    """An absent key file gives ``certification.E001`` with a French message."""
    settings.ATTESTATION_SIGNING_KEY_FILES = [str(tmp_path / "absent.pem")]
    errors = check_signing_keys()
    assert [error.id for error in errors] == ["certification.E001"]
    assert "introuvable" in errors[0].msg
    assert errors[0].level == checks.ERROR


def test_an_unsupported_or_unreadable_key_is_a_deploy_check_error(settings, tmp_path):
    """An RSA key or a file that is not a key gives the same error with its reason."""
    rsa_file = _pem_file(
        tmp_path / "rsa.pem",
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )
    settings.ATTESTATION_SIGNING_KEY_FILES = [rsa_file]
    assert "seules Ed25519 et EC P-256" in check_signing_keys()[0].msg
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("pas une clé")
    settings.ATTESTATION_SIGNING_KEY_FILES = [str(garbage)]
    assert "illisible" in check_signing_keys()[0].msg


def test_the_key_check_runs_only_with_deploy_and_passes_with_a_good_key(
    settings, tmp_path
):
    """The check is registered as a deploy check and is silent with a usable key."""
    settings.ATTESTATION_SIGNING_KEY_FILES = [
        _pem_file(tmp_path / "ok.pem", ed25519.Ed25519PrivateKey.generate())
    ]
    assert check_signing_keys() == []
    settings.ATTESTATION_SIGNING_KEY_FILES = [str(tmp_path / "absent.pem")]
    ids = {message.id for message in checks.run_checks(include_deployment_checks=True)}
    assert "certification.E001" in ids
    assert "certification.E001" not in {m.id for m in checks.run_checks()}
