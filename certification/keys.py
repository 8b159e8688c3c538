"""Signing keys of attestations: loaded from settings, named by ``kid``, published.

``ATTESTATION_SIGNING_KEY_FILES`` lists PEM private keys (Ed25519 → EdDSA, or
P-256 → ES256); ``ATTESTATION_SIGNING_KEYS_PEM`` may hold the same PEM text
directly (one or more blocks). The **first** key signs; the others are former
keys kept to verify what they signed (rotation: put the new key first, keep the
old one after it for as long as its attestations must verify). The embedded
default and tests generate one Ed25519 key under ``VAR_DIR/keys/`` on first use;
production refuses to start without a configured key (``lms.settings.production``).

A key's ``kid`` is its RFC 7638 JWK thumbprint, so it never depends on file
names or order; in credentials it is the DID URL ``did:web:<host>#<thumbprint>``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.conf import settings
from django.utils.translation import gettext as _


class SigningKeyMissing(Exception):
    """No usable signing key: attestations cannot be issued (message in French)."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    private_key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
    algorithm: str  # "EdDSA" or "ES256"
    public_jwk: dict[str, str]
    thumbprint: str

    @property
    def kid(self) -> str:
        return f"{issuer_did()}#{self.thumbprint}"

    def jwk(self) -> dict[str, str]:
        """The public JWK as published (with ``kid``, ``alg`` and ``use``)."""
        return {**self.public_jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def _from_private_key(private_key) -> SigningKey:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
        algorithm = "EdDSA"
    elif isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(
        private_key.curve, ec.SECP256R1
    ):
        numbers = private_key.public_key().public_numbers()
        jwk = {
            "crv": "P-256",
            "kty": "EC",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }
        algorithm = "ES256"
    else:
        raise SigningKeyMissing(
            _("Clé de signature refusée : seules Ed25519 et EC P-256 sont acceptées.")
        )
    # RFC 7638: the required members, lexicographic order, no whitespace.
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()
    return SigningKey(
        private_key=private_key,
        algorithm=algorithm,
        public_jwk=jwk,
        thumbprint=b64url(hashlib.sha256(canonical).digest()),
    )


def _pem_blocks(text: str) -> list[bytes]:
    blocks, current = [], []
    for line in text.strip().splitlines():
        current.append(line.strip())
        if line.startswith("-----END"):
            blocks.append("\n".join(current).encode() + b"\n")
            current = []
    return blocks


def _load_pem(pem: bytes, origin: str) -> SigningKey:
    try:
        private_key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyMissing(
            _("Clé de signature illisible (%(origin)s) : %(error)s")
            % {"origin": origin, "error": error}
        ) from error
    return _from_private_key(private_key)


def _default_key_file() -> Path:
    """The embedded default's key, generated once (never in production)."""
    path = Path(settings.VAR_DIR) / "keys" / "attestation-signing-ed25519.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pem)
        temporary.chmod(0o600)
        os.replace(temporary, path)
    return path


_cache: dict[tuple, list[SigningKey]] = {}
_lock = threading.Lock()


def signing_keys() -> list[SigningKey]:
    """Every configured key, the signing one first. Raises ``SigningKeyMissing``."""
    files = list(getattr(settings, "ATTESTATION_SIGNING_KEY_FILES", []) or [])
    pem_text = getattr(settings, "ATTESTATION_SIGNING_KEYS_PEM", "") or ""
    if not files and not pem_text:
        if not getattr(settings, "ATTESTATION_GENERATE_DEV_KEY", False):
            raise SigningKeyMissing(
                _(
                    "Aucune clé de signature des attestations n'est configurée "
                    "(ATTESTATION_SIGNING_KEY_FILES ou ATTESTATION_SIGNING_KEYS_PEM)."
                )
            )
        files = [str(_default_key_file())]
    cache_key = (tuple(files), pem_text, issuer_did())
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]
        keys = []
        for block in _pem_blocks(pem_text):
            keys.append(_load_pem(block, "ATTESTATION_SIGNING_KEYS_PEM"))
        for name in files:
            try:
                pem = Path(name).read_bytes()
            except FileNotFoundError as error:
                raise SigningKeyMissing(
                    _("Fichier de clé de signature introuvable : %(name)s")
                    % {"name": name}
                ) from error
            except OSError as error:
                raise SigningKeyMissing(
                    _("Fichier de clé de signature illisible (%(name)s) : %(error)s")
                    % {"name": name, "error": error.strerror or error}
                ) from error
            keys.append(_load_pem(pem, name))
        _cache.clear()
        _cache[cache_key] = keys
        return keys


def active_key() -> SigningKey:
    return signing_keys()[0]


def key_for(kid: str) -> SigningKey | None:
    """The key named by a credential's ``kid`` (DID URL or bare thumbprint)."""
    thumbprint = kid.rsplit("#", 1)[-1]
    try:
        keys = signing_keys()
    except SigningKeyMissing:
        return None
    return next((key for key in keys if key.thumbprint == thumbprint), None)


def issuer_did() -> str:
    """``did:web`` of this platform, from ``SITE_URL`` (port encoded as ``%3A``)."""
    parts = urlsplit(settings.SITE_URL)
    host = quote(parts.netloc, safe="")
    path = [quote(p, safe="") for p in parts.path.strip("/").split("/") if p]
    return ":".join(["did:web", host, *path])


def jwks() -> dict[str, list[dict[str, str]]]:
    return {"keys": [key.jwk() for key in signing_keys()]}


def did_document() -> dict:
    """The ``did:web`` document: every key as a JsonWebKey verification method."""
    did = issuer_did()
    methods = [
        {
            "id": key.kid,
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": key.public_jwk,
        }
        for key in signing_keys()
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/jwk/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }
