"""Pure checks of the staff-space bodies, and the canonical form of a body.

``attestation_errors(body)`` and ``revocation_errors(body)`` return the list of
problems (empty when the body follows ``docs/staff-space-api.md``); they never
raise, whatever JSON value they get. ``canonical_json`` / ``body_hash`` define
"identical body": same JSON value once object keys are sorted, whitespace
dropped and numbers compared by value (``10`` and ``10.0`` are the same).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from datetime import date, datetime
from typing import Any, TypedDict
from urllib.parse import urlsplit

# The 22 DigCompEdu competences (lms/data/digcompedu.json); copied, not
# imported, so that the stand-in stays free of Django.
COMPETENCES = frozenset(
    f"{area}.{number}"
    for area, count in ((1, 4), (2, 3), (3, 4), (4, 3), (5, 3), (6, 5))
    for number in range(1, count + 1)
)
# catalogue.models.Modality values.
MODALITIES = frozenset(
    {"presentiel", "a_distance", "en_ligne", "hybride", "communaute"}
)
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:-]{0,127}")
HOURS_TOLERANCE = 0.01
MAX_HOURS = 10_000
MAX_TEXT = 1_000

ATTESTATION_FIELDS = (
    "id",
    "person",
    "training",
    "session",
    "hours",
    "competences",
    "issued_at",
    "verification_url",
    "credential",
    "pdf_base64",
)
PERSON_FIELDS = ("matricule", "email", "given_name", "family_name")
TRAINING_FIELDS = ("code", "title", "modality", "operator")
SESSION_FIELDS = ("start", "end")
HOURS_FIELDS = ("synchronous", "asynchronous", "total")


class FieldError(TypedDict):
    field: str
    message: str


def is_valid_id(value: object) -> bool:
    """An attestation id usable as an Idempotency-Key and in a URL path."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _text(errors: list[FieldError], field: str, value: object) -> bool:
    if not isinstance(value, str) or not value.strip():
        errors.append({"field": field, "message": "chaîne non vide attendue"})
        return False
    if len(value) > MAX_TEXT:
        errors.append({"field": field, "message": f"au plus {MAX_TEXT} caractères"})
        return False
    return True


def _object(
    errors: list[FieldError],
    field: str,
    value: object,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    prefix = f"{field}." if field else ""
    if not isinstance(value, dict):
        errors.append({"field": field or "(corps)", "message": "objet JSON attendu"})
        return None
    errors.extend(
        {"field": prefix + name, "message": "champ obligatoire absent"}
        for name in required
        if name not in value
    )
    errors.extend(
        {"field": prefix + str(name), "message": "champ inconnu"}
        for name in value
        if name not in required and name not in optional
    )
    return value


def _iso_date(value: str) -> date | datetime | None:
    """An ISO 8601 date, or a date-time with its UTC offset (naive refused)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})", value
    ):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _datetime(
    errors: list[FieldError], field: str, value: object, *, date_only_ok: bool
) -> date | datetime | None:
    if not isinstance(value, str):
        errors.append({"field": field, "message": "date ISO 8601 attendue"})
        return None
    parsed = _iso_date(value)
    if parsed is None or (not date_only_ok and not isinstance(parsed, datetime)):
        expected = (
            "date (AAAA-MM-JJ) ou date-heure avec fuseau"
            if date_only_ok
            else "date-heure ISO 8601 avec fuseau"
        )
        errors.append({"field": field, "message": f"{expected} attendue"})
        return None
    return parsed


def _comparable(value: date | datetime) -> tuple[date, datetime | None]:
    if isinstance(value, datetime):
        return value.date(), value
    return value, None


def _hours(errors: list[FieldError], value: object) -> None:
    hours = _object(errors, "hours", value, HOURS_FIELDS)
    if hours is None:
        return
    numbers: dict[str, float] = {}
    for name in HOURS_FIELDS:
        if name not in hours:
            continue
        number = hours[name]
        if isinstance(number, bool) or not isinstance(number, int | float):
            errors.append({"field": f"hours.{name}", "message": "nombre attendu"})
        elif not math.isfinite(number) or number < 0 or number > MAX_HOURS:
            errors.append(
                {
                    "field": f"hours.{name}",
                    "message": f"nombre entre 0 et {MAX_HOURS} attendu",
                }
            )
        else:
            numbers[name] = float(number)
    if len(numbers) == len(HOURS_FIELDS) and (
        abs(numbers["synchronous"] + numbers["asynchronous"] - numbers["total"])
        > HOURS_TOLERANCE
    ):
        errors.append(
            {
                "field": "hours.total",
                "message": "total différent de synchronous + asynchronous (± 0,01)",
            }
        )


def _credential(errors: list[FieldError], value: object) -> None:
    """A compact JWS: three base64url parts, a JSON header with a real ``alg``."""
    message = "JWS compact attendu (en-tête.charge.signature, base64url)"
    if not isinstance(value, str):
        errors.append({"field": "credential", "message": message})
        return
    parts = value.split(".")
    if len(parts) != 3 or not all(
        re.fullmatch(r"[A-Za-z0-9_-]+", part) for part in parts
    ):
        errors.append({"field": "credential", "message": message})
        return
    try:
        header = json.loads(
            base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        )
    except (ValueError, binascii.Error):
        header = None
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        errors.append(
            {"field": "credential", "message": "en-tête JWS illisible ou sans « alg »"}
        )
    elif header["alg"].lower() == "none":
        errors.append({"field": "credential", "message": "« alg: none » refusé"})


def _pdf(errors: list[FieldError], value: object) -> None:
    if not isinstance(value, str) or not value:
        errors.append({"field": "pdf_base64", "message": "PDF en base64 attendu"})
        return
    try:
        pdf = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        errors.append({"field": "pdf_base64", "message": "base64 invalide"})
        return
    if not pdf.startswith(b"%PDF-"):
        errors.append(
            {
                "field": "pdf_base64",
                "message": "ce n'est pas un PDF (« %PDF- » attendu)",
            }
        )


def attestation_errors(body: object) -> list[FieldError]:
    """Problems of an attestation body; empty when it follows the contract."""
    errors: list[FieldError] = []
    root = _object(errors, "", body, ATTESTATION_FIELDS)
    if root is None:
        return errors
    if "id" in root and not is_valid_id(root["id"]):
        errors.append(
            {
                "field": "id",
                "message": "identifiant de 1 à 128 caractères [A-Za-z0-9._~:-]",
            }
        )
    if "person" in root:
        person = _object(
            errors, "person", root["person"], PERSON_FIELDS[1:], ("matricule",)
        )
        if person is not None:
            matricule = person.get("matricule")
            if matricule is not None:
                _text(errors, "person.matricule", matricule)
            for name in PERSON_FIELDS[1:]:
                if name in person and _text(errors, f"person.{name}", person[name]):
                    if name == "email" and not re.fullmatch(
                        r"[^@\s]+@[^@\s]+\.[^@\s]+", person[name]
                    ):
                        errors.append(
                            {
                                "field": "person.email",
                                "message": "adresse e-mail invalide",
                            }
                        )
    if "training" in root:
        training = _object(errors, "training", root["training"], TRAINING_FIELDS)
        if training is not None:
            for name in TRAINING_FIELDS:
                if name in training:
                    _text(errors, f"training.{name}", training[name])
            modality = training.get("modality")
            if (
                isinstance(modality, str)
                and modality.strip()
                and modality not in MODALITIES
            ):
                errors.append(
                    {
                        "field": "training.modality",
                        "message": "une de : " + ", ".join(sorted(MODALITIES)),
                    }
                )
    if "session" in root:
        session = _object(errors, "session", root["session"], SESSION_FIELDS)
        if session is not None:
            start = end = None
            if "start" in session:
                start = _datetime(
                    errors, "session.start", session["start"], date_only_ok=True
                )
            if "end" in session:
                end = _datetime(
                    errors, "session.end", session["end"], date_only_ok=True
                )
            if start is not None and end is not None:
                (start_day, start_at), (end_day, end_at) = (
                    _comparable(start),
                    _comparable(end),
                )
                before = (
                    end_at < start_at
                    if start_at is not None and end_at is not None
                    else end_day < start_day
                )
                if before:
                    errors.append(
                        {"field": "session.end", "message": "fin avant le début"}
                    )
    if "hours" in root:
        _hours(errors, root["hours"])
    if "competences" in root:
        competences = root["competences"]
        if not isinstance(competences, list):
            errors.append({"field": "competences", "message": "liste attendue"})
        else:
            for index, code in enumerate(competences):
                if not isinstance(code, str) or code not in COMPETENCES:
                    errors.append(
                        {
                            "field": f"competences[{index}]",
                            "message": "code DigCompEdu attendu (« 1.1 » … « 6.5 »)",
                        }
                    )
            hashable = [code for code in competences if isinstance(code, str)]
            if len(set(hashable)) != len(hashable):
                errors.append({"field": "competences", "message": "code en double"})
    if "issued_at" in root:
        _datetime(errors, "issued_at", root["issued_at"], date_only_ok=False)
    if "verification_url" in root:
        url = root["verification_url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(
                {"field": "verification_url", "message": "URL http(s) absolue attendue"}
            )
    if "credential" in root:
        _credential(errors, root["credential"])
    if "pdf_base64" in root:
        _pdf(errors, root["pdf_base64"])
    return errors


def revocation_errors(body: object) -> list[FieldError]:
    """Problems of a revocation body ``{"reason": "..."}``."""
    errors: list[FieldError] = []
    root = _object(errors, "", body, ("reason",))
    if root is not None and "reason" in root:
        _text(errors, "reason", root["reason"])
    return errors


def _canonical(value: object) -> object:
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_json(value: object) -> str:
    """The canonical text of a JSON value: sorted keys, no spaces, 10.0 → 10."""
    return json.dumps(
        _canonical(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def body_hash(value: object) -> str:
    """SHA-256 (hex) of ``canonical_json(value)`` in UTF-8."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
