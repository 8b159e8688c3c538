"""CSV import of enrolments: parse, preview what each line will do, then apply.

The file is UTF-8 (with or without BOM), ``;`` or ``,`` separated (detected on
the header line), with an ``email`` column and an optional ``groupe`` column
(the name of an existing group of the cohort). ``parse_csv`` only reads;
``plan_import`` looks the people and groups up (a few queries whatever the
number of lines) and says per line what would happen; ``apply_import``
re-validates everything and enrols the valid lines in one transaction.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from lms import audit

from . import cohorts
from .models import Cohort, Enrolment

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
EMAIL_HEADERS = ("email", "e-mail", "courriel")
GROUP_HEADERS = ("groupe", "group")

# Outcomes of one line.
ENROL = "enrol"
ALREADY_ENROLLED = "already_enrolled"
UNKNOWN_ACCOUNT = "unknown_account"
INACTIVE_ACCOUNT = "inactive_account"
UNKNOWN_GROUP = "unknown_group"
INVALID_EMAIL = "invalid_email"
DUPLICATE = "duplicate"


class ImportFileError(Exception):
    """The file cannot be read as an enrolment list (message in French)."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    email: str
    group: str


@dataclass(frozen=True, slots=True)
class ParsedCsv:
    rows: tuple[CsvRow, ...]
    has_group_column: bool


@dataclass(frozen=True, slots=True)
class PlannedLine:
    line: int
    email: str
    group: str
    outcome: str
    user_id: int | None = None
    group_id: int | None = None
    reactivates: bool = False
    duplicate_of: int | None = None

    @property
    def is_valid(self) -> bool:
        return self.outcome == ENROL


@dataclass(frozen=True, slots=True)
class ImportPlan:
    lines: tuple[PlannedLine, ...]

    @property
    def to_enrol(self) -> list[PlannedLine]:
        return [line for line in self.lines if line.is_valid]

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for line in self.lines:
            result[line.outcome] = result.get(line.outcome, 0) + 1
        return result


def _header_key(cell: str) -> str:
    return cell.strip().strip('"').strip().lower()


def detect_delimiter(header: str) -> str:
    """``;`` or ``,``: whichever the header line holds more of (``,`` on a tie
    with none of either, i.e. a single-column file)."""
    return ";" if header.count(";") > header.count(",") else ","


def parse_csv(data: bytes) -> ParsedCsv:
    """Read an enrolment CSV; raise ``ImportFileError`` for an unreadable file.

    Line numbers are those a spreadsheet shows (the header is line 1). Blank
    lines are skipped. Emails are stripped and lower-cased; they are not
    validated here (``plan_import`` reports invalid ones per line).
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Le fichier dépasse la taille maximale de 2 Mo."))
    if not data.strip():
        raise ImportFileError(_("Le fichier est vide."))
    if b"\x00" in data:
        raise ImportFileError(
            _("Ce fichier n'est pas un fichier CSV (contenu binaire).")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _(
                "Le fichier n'est pas encodé en UTF-8 : enregistrez-le au format "
                "« CSV UTF-8 » depuis votre tableur."
            )
        ) from error
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.splitlines() else ""
    delimiter = detect_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("Le fichier est vide."))
        keys = [_header_key(cell) for cell in header]
        email_index = next((keys.index(k) for k in EMAIL_HEADERS if k in keys), None)
        if email_index is None:
            raise ImportFileError(
                _(
                    "La colonne « email » est introuvable sur la première ligne "
                    "(colonnes attendues : email ; groupe, facultative)."
                )
            )
        group_index = next((keys.index(k) for k in GROUP_HEADERS if k in keys), None)
        rows: list[CsvRow] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    _("Le fichier dépasse %(max)s lignes : découpez-le.")
                    % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
                )
            email = (
                cells[email_index].strip().lower() if email_index < len(cells) else ""
            )
            group = ""
            if group_index is not None and group_index < len(cells):
                group = cells[group_index].strip()
            rows.append(CsvRow(reader.line_num, email, group))
    except csv.Error as error:
        raise ImportFileError(
            _("Le fichier CSV est mal formé (ligne %(line)s).")
            % {"line": reader.line_num}
        ) from error
    return ParsedCsv(tuple(rows), group_index is not None)


def _is_email(value: str) -> bool:
    if not value or len(value) > 254:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def plan_import(cohort: Cohort, parsed: ParsedCsv) -> ImportPlan:
    """What each line would do (three queries whatever the number of lines)."""
    User = get_user_model()
    emails = {row.email for row in parsed.rows if _is_email(row.email)}
    users: dict[str, Any] = {}
    if emails:
        for user in (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .only("pk", "email", "is_active")
        ):
            users[user.email_lower] = user
    enrolments = {
        e.user_id: e.status
        for e in Enrolment.objects.filter(
            cohort=cohort, user_id__in=[u.pk for u in users.values()]
        ).only("user_id", "status")
    }
    groups = {g.name.lower(): g for g in cohort.groups.all()}
    seen: dict[str, int] = {}
    lines: list[PlannedLine] = []
    for row in parsed.rows:
        base = {"line": row.line, "email": row.email, "group": row.group}
        if not _is_email(row.email):
            lines.append(PlannedLine(**base, outcome=INVALID_EMAIL))
            continue
        if row.email in seen:
            lines.append(
                PlannedLine(**base, outcome=DUPLICATE, duplicate_of=seen[row.email])
            )
            continue
        seen[row.email] = row.line
        user = users.get(row.email)
        if user is None:
            lines.append(PlannedLine(**base, outcome=UNKNOWN_ACCOUNT))
            continue
        if not user.is_active:
            lines.append(PlannedLine(**base, outcome=INACTIVE_ACCOUNT, user_id=user.pk))
            continue
        group = groups.get(row.group.lower()) if row.group else None
        if row.group and group is None:
            lines.append(PlannedLine(**base, outcome=UNKNOWN_GROUP, user_id=user.pk))
            continue
        status = enrolments.get(user.pk)
        if status == Enrolment.Status.ACTIVE:
            lines.append(PlannedLine(**base, outcome=ALREADY_ENROLLED, user_id=user.pk))
            continue
        lines.append(
            PlannedLine(
                **base,
                outcome=ENROL,
                user_id=user.pk,
                group_id=group.pk if group else None,
                reactivates=status == Enrolment.Status.WITHDRAWN,
            )
        )
    return ImportPlan(tuple(lines))


@transaction.atomic
def apply_import(cohort: Cohort, data: bytes, *, by: Any = None) -> ImportPlan:
    """Parse and plan ``data`` again, then enrol every valid line (source CSV)
    in one transaction: either all valid lines are enrolled or none.

    Raises ``ImportFileError`` when the file became unreadable (it cannot: the
    same bytes were previewed) and lets a ``ValidationError`` of the enrolment
    service roll everything back. Returns the plan that was applied.
    """
    # Serialise imports into the same cohort: the plan stays true while applied.
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    plan = plan_import(cohort, parse_csv(data))
    valid = plan.to_enrol
    if not valid:
        return plan
    User = get_user_model()
    users = User.objects.in_bulk([line.user_id for line in valid])
    groups = {g.pk: g for g in cohort.groups.all()}
    for line in valid:
        cohorts.enrol(
            cohort,
            users[line.user_id],
            source=Enrolment.Source.CSV,
            group=groups.get(line.group_id) if line.group_id else None,
            by=by,
        )
    audit.record(
        by,
        [cohort],
        audit.CHANGE,
        _("Import CSV : %(count)s inscription(s)") % {"count": len(valid)},
        logger=logger,
        action=audit.Action.ENROLMENT_CHANGED,
    )
    return plan


def outcome_label(line: PlannedLine) -> str:
    """What happens to one line, in French, for the preview table."""
    if line.outcome == ENROL:
        if line.reactivates:
            return _("Sera réinscrit·e (données de suivi conservées)")
        return _("Sera inscrit·e")
    if line.outcome == ALREADY_ENROLLED:
        return _("Déjà inscrit·e : ligne ignorée")
    if line.outcome == UNKNOWN_ACCOUNT:
        return _("Aucun compte avec cette adresse : ligne ignorée")
    if line.outcome == INACTIVE_ACCOUNT:
        return _("Compte désactivé : ligne ignorée")
    if line.outcome == UNKNOWN_GROUP:
        return _("Groupe « %(group)s » inconnu dans cette cohorte : ligne ignorée") % {
            "group": line.group
        }
    if line.outcome == INVALID_EMAIL:
        return _("Adresse e-mail invalide : ligne ignorée")
    if line.outcome == DUPLICATE:
        return _("Doublon de la ligne %(line)s : ligne ignorée") % {
            "line": line.duplicate_of
        }
    return line.outcome


OUTCOME_ORDER: Sequence[str] = (
    ENROL,
    ALREADY_ENROLLED,
    UNKNOWN_ACCOUNT,
    INACTIVE_ACCOUNT,
    UNKNOWN_GROUP,
    INVALID_EMAIL,
    DUPLICATE,
)


def summary_labels() -> dict[str, str]:
    """Short French names of the outcomes (the preview's summary)."""
    return {
        ENROL: _("à inscrire"),
        ALREADY_ENROLLED: _("déjà inscrit·es"),
        UNKNOWN_ACCOUNT: _("comptes inconnus"),
        INACTIVE_ACCOUNT: _("comptes désactivés"),
        UNKNOWN_GROUP: _("groupes inconnus"),
        INVALID_EMAIL: _("adresses invalides"),
        DUPLICATE: _("doublons"),
    }
