"""Registrant exports of a session: CSV for Belgian Excel and XLSX.

CSV files start with a UTF-8 BOM and use ``;`` (Excel in fr-BE expects both);
any cell that a spreadsheet would read as a formula (``= + - @``, tab, carriage
return) is prefixed with an apostrophe, so an exported name like
``=HYPERLINK(…)`` stays text (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .models import Registration, Session

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def registrants(session: Session) -> QuerySet[Registration]:
    """The session's registrations in queue order, with what the export shows."""
    return (
        Registration.objects.filter(session=session)
        .select_related("user", "decided_by")
        .prefetch_related("user__role_assignments__establishment")
        .order_by("created_at", "pk")
    )


def headers() -> list[str]:
    return [
        _("Nom"),
        _("Prénom"),
        _("Adresse e-mail"),
        _("Matricule"),
        _("Établissement(s)"),
        _("Statut"),
        _("Hors public cible"),
        _("Parcours"),
        _("Inscrit·e le"),
        _("Décidée le"),
        _("Décidée par"),
        _("Motif de la décision"),
        _("Motivation"),
    ]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def rows(registrations: Iterable[Registration]) -> Iterator[list[str]]:
    """One list of cells (text) per registration, in ``headers()`` order."""
    for registration in registrations:
        user = registration.user
        establishments = sorted(
            {
                a.establishment.name
                for a in user.role_assignments.all()
                if a.establishment_id
            }
        )
        yield [
            user.last_name,
            user.first_name,
            user.email,
            getattr(user, "matricule", "") or "",
            ", ".join(establishments),
            str(registration.get_status_display()),
            _("oui") if registration.is_audience_mismatch else _("non"),
            _("oui") if registration.track_registration_id else "",
            _when(registration.created_at),
            _when(registration.decided_at),
            registration.decided_by.get_full_name() if registration.decided_by else "",
            registration.decision_note,
            registration.motivation,
        ]


def neutralise(value: str) -> str:
    """Make a cell inert for spreadsheets (no formula, DDE or hyperlink)."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def registrants_csv(session: Session) -> bytes:
    """The registrants of ``session`` as CSV bytes (UTF-8 BOM, ``;``, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows(registrants(session)):
        writer.writerow([neutralise(cell) for cell in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def registrants_xlsx(session: Session) -> bytes:
    """The registrants of ``session`` as an XLSX workbook (one sheet)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Inscriptions")[:31]
    sheet.append(headers())
    for row in rows(registrants(session)):
        # openpyxl stores a string starting with "=" as a formula: neutralise.
        sheet.append([neutralise(cell) for cell in row])
    sheet.freeze_panes = "A2"
    for index, _title in enumerate(headers(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 20
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(session: Session, extension: str) -> str:
    """``inscriptions-<session code>.<extension>`` with a safe code."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in session.code)
    return f"inscriptions-{safe}.{extension}"
