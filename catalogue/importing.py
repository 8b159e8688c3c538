"""Import trainings and sessions from CSV or XLSX: check every cell, then write all or nothing.

``import_catalogue(data, filename=..., user=..., dry_run=...)`` reads the file
(format in ``catalogue.tabular``), validates every row and returns an
``ImportReport`` listing each problem as (sheet, line, column, French message).
Only when there is none does it write, in one transaction:

* trainings are matched by code; a new one is added under the catalogue index as
  a **draft**, an existing one gets a **new revision** (its live version is not
  touched): staff then submit them to moderation to publish them;
* sessions are matched by session code and created or updated directly, with
  their days and tutors.

Rows identical to what is stored are left alone, so importing an export changes
nothing. Malformed files (too big, wrong encoding, not a workbook, zip bombs,
too many rows) are refused with a clear message, never with a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.digcompedu import competence_codes
from lms.models import Competence, Establishment, User
from lms.roles import Role

from . import tabular
from .import_files import (
    XLSX_CONTENT_TYPE,
    CellError,
    ImportRefused,
    Table,
    clean_text,
    parse_bool,
    parse_choice,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_rich_text,
    parse_time,
    read_tables,
    same_rich_text,
    split_list,
    too_big_message,
)
from .models import (
    AudienceFunction,
    CatalogueIndexPage,
    EducationLevel,
    Session,
    SessionDay,
    TrainingPage,
)
from .services import promote_waitlisted
from .session_rules import needs_seat_refresh, session_change_errors

logger = logging.getLogger(__name__)

__all__ = [
    "XLSX_CONTENT_TYPE",
    "ImportProblem",
    "ImportRefused",
    "ImportReport",
    "import_catalogue",
    "too_big_message",
]
#: Stop listing problems past this many; the import is refused anyway.
MAX_PROBLEMS = 500


@dataclass(frozen=True)
class ImportProblem:
    """One reason to refuse the import; ``line`` is 0 for the whole file or sheet."""

    sheet: str
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found (``problems``) or did (the counts)."""

    problems: list[ImportProblem] = field(default_factory=list)
    trainings_created: int = 0
    trainings_updated: int = 0
    trainings_unchanged: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def applied(self) -> bool:
        """True when rows were written (valid file, not a dry run)."""
        return self.ok and not self.dry_run

    def add(self, sheet: str, line: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(sheet, line, column, str(message)))

    @property
    def truncated(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS


# --- Validation ----------------------------------------------------------------


@dataclass
class _Row:
    """Values of one row, with the sheet, line and header of each column."""

    table: Table
    line: int
    values: dict[str, Any]
    columns: dict[str, str]
    report: ImportReport
    bad: set[str] = field(default_factory=set)

    def has(self, key: str) -> bool:
        return key in self.values

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str) -> str:
        try:
            return clean_text(self.values.get(key))
        except CellError as error:
            self.error(key, str(error))
            return ""

    def error(self, key: str, message: str) -> None:
        self.bad.add(key)
        self.report.add(
            self.table.sheet, self.line, self.columns.get(key, key), str(message)
        )

    def parse(self, key: str, parser: Any, *args: Any, **kwargs: Any) -> Any:
        """``parser(cell)``, or None (with the problem noted) if the cell is bad."""
        try:
            return parser(self.values.get(key), *args, **kwargs)
        except CellError as error:
            self.error(key, str(error))
            return None


def _rows(table: Table, report: ImportReport) -> Iterator[_Row]:
    """Map headers to column keys (refusing unknown/missing ones), then yield rows."""
    if table.kind == tabular.TRAININGS:
        known, required = tabular.TRAINING_COLUMNS, tabular.TRAINING_REQUIRED
    else:
        known, required = tabular.SESSION_COLUMNS, tabular.SESSION_REQUIRED
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    problems_before = len(report.problems)
    for position, header in enumerate(table.headers):
        label = str(header).strip()
        key = tabular.header_key(table.kind, label)
        if not label:
            report.add(
                table.sheet,
                table.header_line,
                _("colonne %(n)s") % {"n": position + 1},
                _("Colonne sans en-tête."),
            )
            continue
        if key not in known:
            report.add(
                table.sheet,
                table.header_line,
                label,
                _("Colonne inconnue « %(name)s ». Colonnes possibles : %(known)s.")
                % {"name": label, "known": ", ".join(known)},
            )
            continue
        if key in positions:
            report.add(
                table.sheet,
                table.header_line,
                label,
                _("La colonne « %(name)s » apparaît deux fois.") % {"name": label},
            )
            continue
        positions[key] = position
        columns[key] = label
    for key in known:
        if key in required and key not in positions:
            report.add(
                table.sheet,
                table.header_line,
                key,
                _("Colonne obligatoire manquante : « %(name)s ».") % {"name": key},
            )
    if len(report.problems) != problems_before:
        return  # rows cannot be read reliably under a wrong header
    width = len(table.headers)
    for line, cells in table.rows:
        if len(cells) > width and any(
            c is not None and str(c).strip() for c in cells[width:]
        ):
            report.add(
                table.sheet,
                line,
                _("colonne %(n)s") % {"n": width + 1},
                _("Valeur hors des colonnes de l'en-tête."),
            )
        values = {
            key: (cells[pos] if pos < len(cells) else None)
            for key, pos in positions.items()
        }
        yield _Row(table, line, values, columns, report)


@dataclass
class _TrainingPlan:
    code: str
    page: TrainingPage  # new (unsaved) or the latest revision of an existing page
    is_new: bool
    changed: bool
    levels: list[EducationLevel] | None = None
    audiences: list[AudienceFunction] | None = None
    competences: list[Competence] | None = None


@dataclass
class _SessionPlan:
    code: str
    session: Session
    training_code: str
    is_new: bool
    changed: bool
    days: list[tuple[dt.date, dt.time, dt.time, str]] | None = None
    tutors: list[User] | None = None
    previous_capacity: int | None = None
    previous_status: str | None = None


@dataclass
class _Plan:
    trainings: list[_TrainingPlan] = field(default_factory=list)
    sessions: list[_SessionPlan] = field(default_factory=list)


#: Simple training columns: key → (model field, required, max_length check via model).
_TRAINING_TEXT = {
    "titre": "title",
    "resume": "summary",
    "prerequis": "prerequisites",
    "organisateur": "organiser",
    "contact_nom": "contact_name",
    "contact_email": "contact_email",
}
_TRAINING_CHOICES = {
    "modalite": "modality",
    "reseau": "network_scope",
    "langue": "language",
}
_TRAINING_DEFAULTS = {
    "network_scope": TrainingPage._meta.get_field("network_scope").default,
    "language": TrainingPage._meta.get_field("language").default,
    "organiser": TrainingPage._meta.get_field("organiser").default,
}
_TRAINING_FIELD_COLUMNS = {
    **{f: k for k, f in _TRAINING_TEXT.items()},
    **{f: k for k, f in _TRAINING_CHOICES.items()},
    "code": "code",
    "sync_hours": "heures_synchrones",
    "async_hours": "heures_asynchrones",
    "objectives": "objectifs",
    "programme": "programme",
    "course_template": "modele_de_cours",
}


def _training_snapshot(page: TrainingPage) -> dict[str, Any]:
    return {
        "title": page.title,
        "summary": page.summary,
        "prerequisites": page.prerequisites,
        "organiser": page.organiser,
        "contact_name": page.contact_name,
        "contact_email": page.contact_email,
        "modality": page.modality,
        "network_scope": page.network_scope,
        "language": page.language,
        "sync_hours": Decimal(page.sync_hours or 0),
        "async_hours": Decimal(page.async_hours or 0),
        "objectives": page.objectives,
        "programme": page.programme,
        "course_template_id": page.course_template_id,
    }


def _m2m_ids(page: TrainingPage, name: str) -> set[int]:
    return {obj.pk for obj in getattr(page, name).all()}


class _Validator:
    def __init__(self, report: ImportReport, *, lock: bool) -> None:
        self.report = report
        self.lock = lock
        self.maps = tabular.choice_maps()
        self.plan = _Plan()
        self.training_lines: dict[str, int] = {}
        self.session_lines: dict[str, int] = {}
        self.new_training_codes: set[str] = set()

    # Trainings ------------------------------------------------------------------

    def trainings(self, table: Table) -> None:
        rows = list(_rows(table, self.report))
        codes = [r.text("code") for r in rows]
        existing = {
            p.code: p
            for p in TrainingPage.objects.filter(code__in=[c for c in codes if c])
        }
        levels = {lv.code: lv for lv in EducationLevel.objects.all()}
        audiences = {a.code: a for a in AudienceFunction.objects.all()}
        competences = {c.code: c for c in Competence.objects.all()}
        valid_competences = competence_codes()
        course_codes = [
            r.text("modele_de_cours") for r in rows if r.has("modele_de_cours")
        ]
        from courses.models import Course

        courses = {
            c.code: c
            for c in Course.objects.filter(code__in=[c for c in course_codes if c])
        }
        for row, code in zip(rows, codes, strict=True):
            self._training(
                row,
                code,
                existing.get(code),
                levels,
                audiences,
                competences,
                valid_competences,
                courses,
            )

    def _training(
        self,
        row: _Row,
        code: str,
        existing: TrainingPage | None,
        levels: dict[str, EducationLevel],
        audiences: dict[str, AudienceFunction],
        competences: dict[str, Competence],
        valid_competences: frozenset[str],
        courses: dict[str, Any],
    ) -> None:
        start = len(self.report.problems)
        if not code:
            row.error("code", _("Le code de la formation est obligatoire."))
            return
        if code in self.training_lines:
            row.error(
                "code",
                _("Le code « %(code)s » apparaît déjà ligne %(line)s.")
                % {"code": code, "line": self.training_lines[code]},
            )
            return
        self.training_lines[code] = row.line
        if existing is not None:
            page = existing.get_latest_revision_as_object()
            before = _training_snapshot(page)
            before_m2m = {
                n: _m2m_ids(page, n) for n in ("levels", "audiences", "competences")
            }
        else:
            page = TrainingPage(code=code, live=False)
            before, before_m2m = {}, {}
            self.new_training_codes.add(code)
        plan = _TrainingPlan(code, page, existing is None, False)
        for key, name in _TRAINING_TEXT.items():
            if row.has(key):
                setattr(page, name, row.text(key) or _TRAINING_DEFAULTS.get(name, ""))
        for key, name in _TRAINING_CHOICES.items():
            if not row.has(key):
                continue
            if not row.text(key):
                if name in _TRAINING_DEFAULTS:
                    setattr(page, name, _TRAINING_DEFAULTS[name])
                else:
                    row.error(key, _("Ce champ est obligatoire."))
                continue
            value = row.parse(key, parse_choice, self.maps[key], key)
            if value is not None:
                setattr(page, name, value)
        for key, name in (
            ("heures_synchrones", "sync_hours"),
            ("heures_asynchrones", "async_hours"),
        ):
            if not row.has(key):
                continue
            if not row.text(key):
                setattr(page, name, Decimal("0"))
                continue
            hours = row.parse(key, parse_decimal)
            if hours is None:
                continue
            if hours < 0:
                row.error(key, _("Le nombre d'heures ne peut pas être négatif."))
            elif hours != hours.quantize(Decimal("0.1")):
                row.error(key, _("Une décimale au plus (p. ex. 6,5)."))
            elif hours >= 10000:
                row.error(key, _("Nombre d'heures trop grand."))
            else:
                setattr(page, name, hours.quantize(Decimal("0.1")))
        for key, name in (("objectifs", "objectives"), ("programme", "programme")):
            if row.has(key):
                html = row.parse(key, parse_rich_text)
                current = getattr(page, name) or ""
                if html is not None and same_rich_text(html, current):
                    continue  # block keys are random: keep what is stored
                if html is not None:
                    setattr(page, name, html)
        if row.has("modele_de_cours"):
            course_code = row.text("modele_de_cours")
            course = courses.get(course_code) if course_code else None
            if course_code and (
                course is None or course.source_id is not None or course.is_archived
            ):
                row.error(
                    "modele_de_cours",
                    _(
                        "Modèle de cours inconnu « %(code)s » (code d'un cours modèle actif)."
                    )
                    % {"code": course_code},
                )
            else:
                page.course_template = course
        if row.has("niveaux"):
            plan.levels = self._codes(row, "niveaux", levels)
        if row.has("publics"):
            plan.audiences = self._codes(row, "publics", audiences)
        if row.has("competences"):
            found = []
            for item in split_list(row.raw("competences")):
                if item not in valid_competences or item not in competences:
                    row.error(
                        "competences",
                        _(
                            "Compétence DigCompEdu inconnue « %(code)s » "
                            "(codes de 1.1 à 6.5)."
                        )
                        % {"code": item},
                    )
                elif competences[item] not in found:
                    found.append(competences[item])
            plan.competences = found
        if existing is None:
            page.title = page.title or ""
        self._check_training_fields(row, page)
        if len(self.report.problems) != start:
            return
        if existing is None:
            plan.changed = True
        else:
            after_m2m = {
                "levels": plan.levels,
                "audiences": plan.audiences,
                "competences": plan.competences,
            }
            plan.changed = _training_snapshot(page) != before or any(
                value is not None and {o.pk for o in value} != before_m2m[name]
                for name, value in after_m2m.items()
            )
        self.plan.trainings.append(plan)

    def _codes(self, row: _Row, key: str, lookup: dict[str, Any]) -> list[Any]:
        found: list[Any] = []
        for item in split_list(row.raw(key)):
            try:
                code = parse_choice(item, self.maps[key], key)
            except CellError as error:
                row.error(key, str(error))
                continue
            if lookup[code] not in found:
                found.append(lookup[code])
        return found

    def _check_training_fields(self, row: _Row, page: TrainingPage) -> None:
        for name in ("title", "summary", "modality"):
            column = _TRAINING_FIELD_COLUMNS[name]
            if not getattr(page, name) and not row.text(column):
                row.error(column, _("Ce champ est obligatoire."))
        if page.contact_email:
            try:
                validate_email(page.contact_email)
            except ValidationError:
                row.error("contact_email", _("Adresse e-mail invalide."))
        names = [
            "code",
            "title",
            "summary",
            "prerequisites",
            "organiser",
            "contact_name",
        ]
        for name in names:
            max_length = TrainingPage._meta.get_field(name).max_length
            if max_length and len(getattr(page, name) or "") > max_length:
                row.error(
                    _TRAINING_FIELD_COLUMNS[name],
                    _("%(max)s caractères au plus.") % {"max": max_length},
                )

    # Sessions -------------------------------------------------------------------

    def sessions(self, table: Table) -> None:
        rows = list(_rows(table, self.report))
        codes = [r.text("code") for r in rows]
        training_codes = {r.text("formation") for r in rows}
        trainings = {
            p.code: p for p in TrainingPage.objects.filter(code__in=training_codes)
        }
        queryset = Session.objects.filter(code__in=[c for c in codes if c])
        if self.lock:
            queryset = queryset.select_for_update()
        existing = {
            s.code: s
            for s in queryset.select_related("training").prefetch_related(
                "days", "tutors"
            )
        }
        emails = {
            e.lower()
            for r in rows
            if r.has("tuteurs")
            for e in split_list(r.raw("tuteurs"))
        }
        tutors = {
            u.email.lower(): u
            for u in User.objects.filter(email__in=emails).prefetch_related(
                "role_assignments"
            )
        }
        fase_numbers = {r.text("etablissement") for r in rows if r.has("etablissement")}
        establishments = {
            str(e.fase_number): e
            for e in Establishment.objects.filter(
                fase_number__in=[n for n in fase_numbers if n.isdigit()]
            )
        }
        for row, code in zip(rows, codes, strict=True):
            self._session(
                row, code, existing.get(code), trainings, tutors, establishments
            )

    def _session(  # noqa: C901 - one column after the other
        self,
        row: _Row,
        code: str,
        existing: Session | None,
        trainings: dict[str, TrainingPage],
        tutors: dict[str, User],
        establishments: dict[str, Establishment],
    ) -> None:
        start = len(self.report.problems)
        if not code:
            row.error("code", _("Le code de la session est obligatoire."))
            return
        if code in self.session_lines:
            row.error(
                "code",
                _("Le code « %(code)s » apparaît déjà ligne %(line)s.")
                % {"code": code, "line": self.session_lines[code]},
            )
            return
        self.session_lines[code] = row.line
        training_code = row.text("formation")
        training = trainings.get(training_code)
        if not training_code:
            row.error("formation", _("Le code de la formation est obligatoire."))
        elif training is None and training_code not in self.new_training_codes:
            row.error(
                "formation",
                _(
                    "Formation inconnue « %(code)s » : elle n'existe pas et "
                    "n'est pas dans la feuille des formations."
                )
                % {"code": training_code},
            )
        if existing is not None:
            session = existing
            before = _session_snapshot(session)
            before_days = _day_tuples(session.days.all())
            before_tutors = {t.pk for t in session.tutors.all()}
            if training_code and session.training.code != training_code:
                row.error(
                    "formation",
                    _(
                        "La session « %(code)s » appartient à la formation "
                        "« %(training)s » : elle ne peut pas changer de formation."
                    )
                    % {"code": code, "training": session.training.code},
                )
        else:
            session = Session(code=code, training=training)
            before, before_days, before_tutors = {}, [], set()
        previous_status = existing.status if existing else None
        plan = _SessionPlan(code, session, training_code, existing is None, False)
        if existing is not None:
            plan.previous_capacity = existing.capacity
            plan.previous_status = existing.status

        for key, name in (("debut", "starts_on"), ("fin", "ends_on")):
            if not row.text(key):
                row.error(key, _("Ce champ est obligatoire."))
            else:
                value = row.parse(key, parse_date)
                if value is not None:
                    setattr(session, name, value)
        if row.has("places"):
            capacity = row.parse("places", parse_int) if row.text("places") else None
            if capacity is None and not row.text("places"):
                row.error("places", _("Ce champ est obligatoire."))
            elif capacity is not None:
                if capacity <= 0:
                    row.error(
                        "places", _("Le nombre de places doit être supérieur à zéro.")
                    )
                elif capacity > 100_000:
                    row.error("places", _("Nombre de places trop grand."))
                else:
                    session.capacity = capacity
        for key, name, end_of_day in (
            ("ouverture_inscriptions", "registration_opens_at", False),
            ("cloture_inscriptions", "registration_closes_at", True),
            ("limite_desinscription", "cancellation_deadline", True),
        ):
            if not row.has(key):
                continue
            if not row.text(key):
                if key == "cloture_inscriptions":
                    row.error(key, _("Ce champ est obligatoire."))
                setattr(session, name, None)
                continue
            value = row.parse(key, parse_datetime, end_of_day=end_of_day)
            if value is not None:
                setattr(session, name, value)
        for key, name, default in (
            ("a_distance", "is_online", False),
            ("liste_attente", "has_waitlist", True),
        ):
            if row.has(key):
                value = row.parse(key, parse_bool) if row.text(key) else default
                if value is not None:
                    setattr(session, name, value)
        for key, name in (
            ("lieu", "venue"),
            ("adresse", "address"),
            ("code_postal", "postal_code"),
            ("localite", "city"),
            ("informations_pratiques", "notes"),
        ):
            if row.has(key):
                value = row.text(key)
                max_length = Session._meta.get_field(name).max_length
                if max_length and len(value) > max_length:
                    row.error(
                        key, _("%(max)s caractères au plus.") % {"max": max_length}
                    )
                setattr(session, name, value)
        if row.has("etablissement"):
            number = row.text("etablissement")
            if number and number not in establishments:
                row.error(
                    "etablissement",
                    _("Établissement inconnu (numéro FASE « %(number)s »).")
                    % {"number": number},
                )
            else:
                session.establishment = establishments.get(number)
        for key, name, default in (
            ("statut", "status", Session.Status.PLANNED),
            ("mode_inscription", "policy", Session.Policy.AUTOMATIC),
        ):
            if row.has(key):
                value = (
                    row.parse(key, parse_choice, self.maps[key], key)
                    if row.text(key)
                    else default
                )
                if value is not None:
                    setattr(session, name, value)
        if row.has("journees"):
            plan.days = self._days(row, session)
        if row.has("tuteurs"):
            plan.tutors = self._tutors(row, tutors)
        # Cross-field rules run even after cell errors, so that one pass reports
        # everything; a column already reported is not reported again.
        bad = set(row.bad)
        try:
            session.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = _SESSION_FIELD_COLUMNS.get(name, name)
                if column in bad:
                    continue
                for message in messages:
                    row.error(column, message)
        days = plan.days if plan.days is not None else before_days
        if not (
            session.starts_on
            and session.ends_on
            and session.ends_on >= session.starts_on
            and not bad & {"debut", "fin", "journees"}
        ):
            days = []
        for day, _start, _end, _kind in days:
            if (
                session.starts_on
                and session.ends_on
                and not (session.starts_on <= day <= session.ends_on)
            ):
                row.error(
                    "journees",
                    _("La journée du %(day)s est en dehors des dates de la session.")
                    % {"day": day.strftime("%d/%m/%Y")},
                )
        for name, message in session_change_errors(session, previous_status):
            column = _SESSION_FIELD_COLUMNS.get(name, name)
            if column not in bad:
                row.error(column, message)
        if len(self.report.problems) != start:
            return
        session.derive_place()
        plan.changed = existing is None or (
            _session_snapshot(session) != before
            or (plan.days is not None and plan.days != before_days)
            or (
                plan.tutors is not None and {t.pk for t in plan.tutors} != before_tutors
            )
        )
        self.plan.sessions.append(plan)

    def _days(
        self, row: _Row, session: Session
    ) -> list[tuple[dt.date, dt.time, dt.time, str]]:
        days: list[tuple[dt.date, dt.time, dt.time, str]] = []
        default_kind = (
            SessionDay.Kind.VIRTUAL if session.is_online else SessionDay.Kind.IN_PERSON
        )
        for item in split_list(row.raw("journees"), "|;\n"):
            match = tabular.DAY_RE.match(item)
            if not match:
                row.error(
                    "journees",
                    _(
                        "Journée illisible « %(value)s » : écrivez "
                        "« 2027-01-12 09:00-16:00 presentiel »."
                    )
                    % {"value": item},
                )
                continue
            try:
                date = parse_date(match["date"])
                start, end = parse_time(match["start"]), parse_time(match["end"])
                kind = (
                    parse_choice(match["kind"], self.maps["day_kind"], "journees")
                    if match["kind"]
                    else default_kind
                )
            except CellError as error:
                row.error("journees", f"{item} : {error}")
                continue
            if end <= start:
                row.error(
                    "journees",
                    _("« %(value)s » : l'heure de fin doit suivre l'heure de début.")
                    % {"value": item},
                )
                continue
            if any(d == date and s == start for d, s, _e, _k in days):
                row.error(
                    "journees",
                    _("La journée « %(value)s » est indiquée deux fois.")
                    % {"value": item},
                )
                continue
            days.append((date, start, end, str(kind)))
        return sorted(days)

    def _tutors(self, row: _Row, tutors: dict[str, User]) -> list[User]:
        found: list[User] = []
        for email in split_list(row.raw("tuteurs")):
            user = tutors.get(email.lower())
            if user is None:
                row.error(
                    "tuteurs",
                    _("Aucun compte avec l'adresse « %(email)s ».") % {"email": email},
                )
            elif Role.TUTOR not in {a.role for a in user.role_assignments.all()}:
                row.error(
                    "tuteurs",
                    _("« %(email)s » n'a pas la fonction de tuteur·rice.")
                    % {"email": email},
                )
            elif user not in found:
                found.append(user)
        return found


_SESSION_FIELD_COLUMNS = {
    "starts_on": "debut",
    "ends_on": "fin",
    "capacity": "places",
    "registration_opens_at": "ouverture_inscriptions",
    "registration_closes_at": "cloture_inscriptions",
    "cancellation_deadline": "limite_desinscription",
    "address": "adresse",
    "venue": "lieu",
    "postal_code": "code_postal",
    "city": "localite",
    "status": "statut",
    "policy": "mode_inscription",
    "notes": "informations_pratiques",
    "is_online": "a_distance",
    "has_waitlist": "liste_attente",
    "establishment": "etablissement",
    "__all__": "code",
}


def _session_snapshot(session: Session) -> dict[str, Any]:
    return {
        name: getattr(session, name)
        for name in (
            "starts_on",
            "ends_on",
            "is_online",
            "establishment_id",
            "venue",
            "address",
            "postal_code",
            "city",
            "province",
            "capacity",
            "has_waitlist",
            "registration_opens_at",
            "registration_closes_at",
            "cancellation_deadline",
            "status",
            "policy",
            "notes",
        )
    }


def _day_tuples(days: Any) -> list[tuple[dt.date, dt.time, dt.time, str]]:
    return sorted((d.date, d.start_time, d.end_time, d.kind) for d in days)


# --- Writing -------------------------------------------------------------------


def _unique_slug(index: CatalogueIndexPage, page: TrainingPage, taken: set[str]) -> str:
    base = (
        slugify(f"{page.code}-{page.title}")[:200] or slugify(page.code) or "formation"
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _apply(plan: _Plan, report: ImportReport, user: Any) -> None:
    index = CatalogueIndexPage.objects.first()
    by_code: dict[str, TrainingPage] = {}
    new_trainings = [t for t in plan.trainings if t.is_new]
    if new_trainings and index is None:
        report.add(
            tabular.TRAININGS,
            0,
            "",
            _("Aucun index du catalogue : créez d'abord la page « Catalogue »."),
        )
        return
    taken = set(index.get_children().values_list("slug", flat=True)) if index else set()
    for item in plan.trainings:
        page = item.page
        if item.levels is not None:
            page.levels = item.levels
        if item.audiences is not None:
            page.audiences = item.audiences
        if item.competences is not None:
            page.competences = item.competences
        if item.is_new:
            page.slug = _unique_slug(index, page, taken)
            index.add_child(instance=page)
            page.save_revision(user=user, log_action=True)
            report.trainings_created += 1
        elif item.changed:
            page.save_revision(user=user, log_action=True)
            report.trainings_updated += 1
        else:
            report.trainings_unchanged += 1
        by_code[item.code] = page
    missing = {s.training_code for s in plan.sessions if s.training_code not in by_code}
    for page in TrainingPage.objects.filter(code__in=missing):
        by_code[page.code] = page
    for item in plan.sessions:
        session = item.session
        if not item.changed:
            report.sessions_unchanged += 1
            continue
        if item.is_new:
            session.training = by_code[item.training_code]
        if item.days is not None:
            session.days = [
                SessionDay(date=d, start_time=s, end_time=e, kind=k)
                for d, s, e, k in item.days
            ]
        session.save()
        if item.tutors is not None:
            session.tutors.set(item.tutors)
        if item.is_new:
            report.sessions_created += 1
        else:
            report.sessions_updated += 1
            if needs_seat_refresh(
                session, item.previous_capacity, item.previous_status
            ):
                promote_waitlisted(session)


def import_catalogue(
    data: bytes, *, filename: str = "", user: Any = None, dry_run: bool = False
) -> ImportReport:
    """Validate ``data`` (CSV or XLSX) and, unless ``dry_run`` or a problem was found,
    write every training and session in one transaction.

    Never raises for bad input: every problem is in ``report.problems`` and nothing
    is saved. ``user`` is recorded as the author of the training revisions.
    A dry run reports the counts the import would reach.
    """
    report = ImportReport(dry_run=dry_run)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            tables = read_tables(data, filename)
        except ImportRefused as refused:
            report.add(refused.sheet, refused.line, "", refused.message)
            return report
        try:
            with transaction.atomic():
                validator = _Validator(report, lock=not dry_run)
                ordered = sorted(tables, key=lambda t: t.kind != tabular.TRAININGS)
                for table in ordered:
                    if table.kind == tabular.TRAININGS:
                        validator.trainings(table)
                    else:
                        validator.sessions(table)
                if report.problems:
                    return report
                _apply(validator.plan, report, user)
                if report.problems or dry_run:
                    transaction.set_rollback(True)
        except ValidationError as error:
            # A rule checked only when saving (page tree, slug…): report it whole.
            logger.warning("Catalogue import refused on save: %s", error)
            for message in error.messages:
                report.add("", 0, "", message)
        except DatabaseError as error:
            logger.warning("Catalogue import refused by the database: %s", error)
            report.add(
                "",
                0,
                "",
                _(
                    "La base de données a refusé l'import (données modifiées entre-"
                    "temps ?) : rien n'a été enregistré. Réessayez."
                ),
            )
        if report.problems:
            report.trainings_created = report.trainings_updated = 0
            report.trainings_unchanged = report.sessions_created = 0
            report.sessions_updated = report.sessions_unchanged = 0
    return report
