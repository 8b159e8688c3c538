"""Open Badges 3.0 credentials of attestations, signed as JWTs (VC-JWT).

The JWT payload *is* the ``OpenBadgeCredential`` (its members at the top
level), plus the registered claims ``iss`` (issuer DID), ``jti`` (credential id)
and ``nbf`` (``validFrom``); the header names the key with ``kid`` (a DID URL
resolvable through ``/.well-known/did.json``; the JWKS is at
``/.well-known/jwks.json``). ``verify`` pins the algorithm to the key's type, so
``alg: none`` or an HMAC signed with the public key never pass.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from lms.emails import absolute_url

from . import status_list
from .keys import SigningKeyMissing, active_key, issuer_did, key_for

if TYPE_CHECKING:
    from .models import Attestation

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MAX_TOKEN_BYTES = 64 * 1024


def verification_url(attestation: Attestation) -> str:
    return absolute_url(reverse("certification:verify", args=[attestation.uuid]))


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def _hours(value) -> float:
    return float(value)


def build_credential(attestation: Attestation) -> dict[str, Any]:
    """The unsigned credential of an attestation (every field the PDF shows)."""
    list_number, index = status_list.position(attestation.id)
    list_url = status_list.list_url(list_number)
    kind_label = attestation.get_kind_display()
    identifiers = []
    if attestation.holder_matricule:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "identifier",
                "hashed": False,
                "identityHash": attestation.holder_matricule,
            }
        )
    identifiers.append(
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": attestation.holder_name,
        }
    )
    if attestation.holder_email:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": False,
                "identityHash": attestation.holder_email,
            }
        )
    alignments = [
        {
            "type": ["Alignment"],
            "targetCode": code,
            "targetName": f"DigCompEdu {code}",
            "targetFramework": "DigCompEdu",
            "targetType": "ceasn:Competency",
            "targetUrl": "https://joint-research-centre.ec.europa.eu/digcompedu_en",
        }
        for code in attestation.competences
    ]
    return {
        "@context": [
            VC2_CONTEXT,
            OB3_CONTEXT,
            {"tremplin": absolute_url("/ns/attestation#")},
        ],
        "id": f"urn:uuid:{attestation.uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{kind_label} — {attestation.training_title}",
        "issuer": {
            "id": issuer_did(),
            "type": ["Profile"],
            "name": settings.ATTESTATION_ISSUER_NAME,
            "url": settings.ATTESTATION_ISSUER_URL,
        },
        "validFrom": _iso(attestation.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "activityStartDate": attestation.starts_on.isoformat() + "T00:00:00Z",
            "activityEndDate": attestation.ends_on.isoformat() + "T00:00:00Z",
            "creditsEarned": _hours(attestation.total_hours),
            "achievement": {
                "id": absolute_url(f"/ns/trainings/{attestation.training_code}"),
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": attestation.training_title,
                "humanCode": attestation.training_code,
                "description": kind_label,
                "criteria": {
                    "narrative": (
                        _("Heures de formation suivies.")
                        if attestation.kind == attestation.Kind.PARTICIPATION
                        else _("Règle de réussite de la formation satisfaite.")
                    )
                },
                "alignment": alignments,
            },
            "tremplin:kind": attestation.kind,
            "tremplin:modality": attestation.modality,
            "tremplin:operator": attestation.operator,
            "tremplin:hours": {
                "synchronous": _hours(attestation.sync_hours),
                "asynchronous": _hours(attestation.async_hours),
                "total": _hours(attestation.total_hours),
            },
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }


def sign_payload(credential: dict[str, Any]) -> str:
    """A compact JWS of ``credential`` with the active key (``SigningKeyMissing``)."""
    key = active_key()
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    claims = {
        **credential,
        "iss": issuer_did(),
        "jti": credential["id"],
        "nbf": int(valid_from.timestamp()),
    }
    return jwt.encode(
        claims,
        key.private_key,
        algorithm=key.algorithm,
        headers={"kid": key.kid, "typ": "JWT"},
    )


def sign(attestation: Attestation) -> tuple[str, str]:
    """(compact JWS, kid) of an attestation."""
    token = sign_payload(build_credential(attestation))
    return token, active_key().kid


@dataclass
class Verification:
    """What a verifier learns: validity, the reason when invalid, and the
    content (``payload`` is shown even when invalid, labelled unverified)."""

    is_valid: bool
    reason: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    attestation: Attestation | None = None
    is_revoked: bool = False
    revocation_reason: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "valid": self.is_valid,
            "reason": self.reason,
            "header": self.header,
            "credential": self.payload,
            "revoked": self.is_revoked,
        }
        if self.is_revoked:
            data["revocation_reason"] = self.revocation_reason
        return data


def _unverified_part(token: str, index: int) -> dict[str, Any]:
    try:
        part = token.split(".")[index]
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return data if isinstance(data, dict) else {}


def verify(token: str) -> Verification:
    """Check a credential's signature, issuer, and revocation (fails closed)."""
    from .models import Attestation

    token = (token or "").strip()
    if len(token.encode()) > MAX_TOKEN_BYTES:
        return Verification(
            False, _("Attestation trop volumineuse pour être vérifiée.")
        )
    header = _unverified_part(token, 0)
    payload = _unverified_part(token, 1)
    result = Verification(False, header=header, payload=payload)
    if token.count(".") != 2 or not header:
        result.reason = _("Ce n'est pas une attestation signée (JWT) lisible.")
        return result
    kid = header.get("kid")
    key = key_for(kid) if isinstance(kid, str) else None
    if key is None:
        result.reason = _(
            "Clé de signature inconnue : l'attestation n'a pas été émise par Tremplin."
        )
        return result
    if header.get("alg") != key.algorithm:
        result.reason = _("Algorithme de signature refusé (%(alg)s).") % {
            "alg": str(header.get("alg"))[:20]
        }
        return result
    try:
        claims = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[key.algorithm],
            options={"require": ["iss", "jti", "nbf"], "verify_aud": False},
            leeway=60,
        )
    except jwt.InvalidSignatureError:
        result.reason = _("Signature invalide : le contenu a été modifié.")
        return result
    except jwt.PyJWTError as error:
        result.reason = _("Attestation refusée : %(error)s") % {"error": error}
        return result
    result.payload = claims
    if claims.get("iss") != issuer_did():
        result.reason = _("Émetteur inattendu.")
        return result
    jti = str(claims.get("jti", ""))
    attestation = (
        Attestation.objects.filter(uuid=jti.removeprefix("urn:uuid:")).first()
        if jti.startswith("urn:uuid:") and len(jti) == 45
        else None
    )
    if attestation is None:
        result.reason = _("Attestation inconnue de Tremplin.")
        return result
    result.attestation = attestation
    if attestation.is_revoked:
        result.is_revoked = True
        result.revocation_reason = attestation.revocation_reason
        result.reason = _("Attestation révoquée le %(date)s.") % {
            "date": attestation.revoked_at.date().isoformat()
        }
        return result
    result.is_valid = True
    return result


__all__ = [
    "SigningKeyMissing",
    "Verification",
    "build_credential",
    "sign",
    "sign_payload",
    "verification_url",
    "verify",
]
