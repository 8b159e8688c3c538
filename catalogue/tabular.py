"""Columns, vocabularies and cell formats shared by the catalogue import and export.

File format (documented for staff in the import page and the README):

* **XLSX**: one workbook with a sheet ``formations`` and/or a sheet ``sessions``.
* **CSV**: one file per kind, UTF-8 (with or without BOM; Windows-1252 and UTF-16
  with BOM are read too), separated by ``;`` (``,`` and tabulations are detected);
  the header row decides whether it holds trainings or sessions.
* Headers are the column names below (accents, case and spaces ignored; English
  field names are accepted too). Unknown columns are refused; optional columns
  may be left out, and are then left unchanged on existing rows.
* Choices accept the code or the French label (« hybride » or « Hybride »).
* Lists (levels, audiences, competences, tutors) are separated by ``;``, ``|``
  or ``,``; session days by ``|``, ``;`` or a line break, each written
  ``2027-01-12 09:00-16:00 presentiel`` (the kind is optional: ``presentiel`` or
  ``classe_virtuelle``).
* Dates are ``2027-01-12`` or ``12/01/2027``; date-times add ``18:00``; decimals
  take a point or a comma; booleans are ``oui``/``non`` (``1``/``0``, ``x``…).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db.models import TextChoices

from .models import Audience, Level, Modality, NetworkScope, Session, SessionDay
from .models.taxonomy import TrainingLanguage

TRAININGS = "formations"
SESSIONS = "sessions"

TRAINING_COLUMNS: list[str] = [
    "code",
    "titre",
    "resume",
    "modalite",
    "niveaux",
    "publics",
    "competences",
    "reseau",
    "heures_synchrones",
    "heures_asynchrones",
    "langue",
    "prerequis",
    "organisateur",
    "contact_nom",
    "contact_email",
    "objectifs",
    "programme",
    "modele_de_cours",
]
TRAINING_REQUIRED = frozenset({"code", "titre", "resume", "modalite"})

SESSION_COLUMNS: list[str] = [
    "formation",
    "code",
    "debut",
    "fin",
    "journees",
    "a_distance",
    "etablissement",
    "lieu",
    "adresse",
    "code_postal",
    "localite",
    "places",
    "liste_attente",
    "ouverture_inscriptions",
    "cloture_inscriptions",
    "limite_desinscription",
    "statut",
    "mode_inscription",
    "tuteurs",
    "informations_pratiques",
]
SESSION_REQUIRED = frozenset(
    {"formation", "code", "debut", "fin", "places", "cloture_inscriptions"}
)

#: English (model field) names and other spellings accepted in headers.
HEADER_ALIASES: dict[str, dict[str, str]] = {
    TRAININGS: {
        "title": "titre",
        "summary": "resume",
        "modality": "modalite",
        "levels": "niveaux",
        "niveaux_d_enseignement": "niveaux",
        "audiences": "publics",
        "publics_cibles": "publics",
        "network_scope": "reseau",
        "sync_hours": "heures_synchrones",
        "async_hours": "heures_asynchrones",
        "language": "langue",
        "prerequisites": "prerequis",
        "organiser": "organisateur",
        "contact_name": "contact_nom",
        "objectives": "objectifs",
        "course_template": "modele_de_cours",
    },
    SESSIONS: {
        "training": "formation",
        "code_formation": "formation",
        "session": "code",
        "code_session": "code",
        "session_code": "code",
        "starts_on": "debut",
        "ends_on": "fin",
        "days": "journees",
        "is_online": "a_distance",
        "establishment": "etablissement",
        "venue": "lieu",
        "address": "adresse",
        "postal_code": "code_postal",
        "city": "localite",
        "capacity": "places",
        "has_waitlist": "liste_attente",
        "registration_opens_at": "ouverture_inscriptions",
        "registration_closes_at": "cloture_inscriptions",
        "cancellation_deadline": "limite_desinscription",
        "status": "statut",
        "policy": "mode_inscription",
        "tutors": "tuteurs",
        "notes": "informations_pratiques",
    },
}

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DAY_RE = re.compile(
    r"^(?P<date>\S+)\s+(?P<start>\d{1,2}[:h]\d{0,2})\s*[-–]\s*(?P<end>\d{1,2}[:h]\d{0,2})"
    r"(?:\s+(?P<kind>.+))?$"
)


def normalise(value: str) -> str:
    """``"Présentiel "`` → ``"presentiel"``: no accents, lower case, ``_`` separators."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9.]+", "_", text.lower()).strip("_")


def header_key(kind: str, header: str) -> str:
    """The column key a header names (``"Résumé"`` → ``"resume"``)."""
    key = normalise(header).replace(".", "_")
    return HEADER_ALIASES[kind].get(key, key)


def _choice_map(
    choices: type[TextChoices], extra: dict[str, Iterable[str]] | None = None
) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value, label in choices.choices:
        mapping[normalise(value)] = value
        mapping[normalise(str(label))] = value
    for value, aliases in (extra or {}).items():
        for alias in aliases:
            mapping[normalise(alias)] = value
    return mapping


def choice_maps() -> dict[str, dict[str, str]]:
    """Accepted spellings (normalised) → code, per column (labels are lazy)."""
    return {
        "modalite": _choice_map(
            Modality,
            {
                Modality.REMOTE: ["à distance", "distanciel", "synchrone"],
                Modality.ONLINE: ["en ligne", "asynchrone"],
                Modality.COMMUNITY: ["communauté"],
            },
        ),
        "niveaux": _choice_map(Level),
        "publics": _choice_map(
            Audience,
            {
                Audience.TEACHER: ["enseignants", "enseignantes", "enseignant·e·s"],
                Audience.DIRECTOR: ["direction", "directeurs", "directrices"],
                Audience.EDUCATOR: ["éducateur", "éducateurs"],
                Audience.INTERNAL_TRAINER: ["formateurs internes", "formateur"],
            },
        ),
        "reseau": _choice_map(NetworkScope, {NetworkScope.INTER_NETWORK: ["inter"]}),
        "langue": _choice_map(TrainingLanguage),
        "statut": _choice_map(
            Session.Status,
            {
                Session.Status.PLANNED: ["planifiée", "planifie"],
                Session.Status.OPEN: ["ouverte", "ouvert", "ouvertes"],
                Session.Status.FULL: ["complet", "complète"],
                Session.Status.CLOSED: ["clôturée", "clôturées", "fermée", "close"],
                Session.Status.CANCELLED: ["annulée", "annule"],
            },
        ),
        "mode_inscription": _choice_map(
            Session.Policy,
            {
                Session.Policy.AUTOMATIC: ["automatique", "auto"],
                Session.Policy.MANUAL: ["manuelle", "manuel", "validation"],
                Session.Policy.MANUAL_PRIORITY: [
                    "manuelle avec priorité",
                    "priorité",
                    "manuelle_priorite",
                ],
            },
        ),
        "day_kind": _choice_map(
            SessionDay.Kind,
            {
                SessionDay.Kind.IN_PERSON: ["présentiel", "presence"],
                SessionDay.Kind.VIRTUAL: ["classe virtuelle", "virtuelle", "en ligne"],
            },
        ),
    }


TRUE_WORDS = frozenset({"oui", "o", "vrai", "true", "yes", "y", "1", "x"})
FALSE_WORDS = frozenset({"non", "n", "faux", "false", "no", "0"})


def neutralise_formula(text: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with ``'``."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def strip_formula_guard(text: str) -> str:
    """Undo ``neutralise_formula`` (so that an export imports back unchanged)."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
