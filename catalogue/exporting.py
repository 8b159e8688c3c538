"""Export trainings and sessions in the import format (CSV or XLSX), so that they round-trip.

Trainings are exported as staff last saved them (their latest revision, draft
included). Every text cell that a spreadsheet would run as a formula is
prefixed with ``'`` (CSV/formula injection); the import removes that prefix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from wagtail.models import Revision

from . import tabular
from .models import Session, TrainingPage

LIST_SEPARATOR = " | "


def _training_versions(pages: Iterable[TrainingPage]) -> list[TrainingPage]:
    """Each page as staff last saved it (its latest revision if it has drafts)."""
    pages = list(pages)
    draft_revision_ids = [
        p.latest_revision_id
        for p in pages
        if p.has_unpublished_changes and p.latest_revision_id
    ]
    revisions = {r.pk: r for r in Revision.objects.filter(pk__in=draft_revision_ids)}
    result = []
    for page in pages:
        revision = revisions.get(page.latest_revision_id)
        result.append(revision.as_object() if revision is not None else page)
    return result


def training_rows(
    queryset: QuerySet[TrainingPage] | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the trainings sheet (native values, not yet text)."""
    queryset = TrainingPage.objects.all() if queryset is None else queryset
    pages = queryset.select_related("course_template").prefetch_related(
        "levels", "audiences", "competences"
    )
    rows = []
    for page in sorted(_training_versions(pages.order_by("code")), key=_code):
        course = page.course_template
        rows.append(
            [
                page.code,
                page.title,
                page.summary,
                page.modality,
                [lv.code for lv in _ordered(page.levels.all(), "position")],
                [a.code for a in _ordered(page.audiences.all(), "position")],
                sorted(c.code for c in page.competences.all()),
                page.network_scope,
                Decimal(page.sync_hours or 0),
                Decimal(page.async_hours or 0),
                page.language,
                page.prerequisites,
                page.organiser,
                page.contact_name,
                page.contact_email,
                page.objectives,
                page.programme,
                course.code if course else "",
            ]
        )
    return list(tabular.TRAINING_COLUMNS), rows


def _code(page: TrainingPage) -> str:
    return page.code


def _ordered(objects: Iterable[Any], attribute: str) -> list[Any]:
    return sorted(objects, key=lambda o: (getattr(o, attribute), o.pk))


def session_rows(
    queryset: QuerySet[Session] | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the sessions sheet (native values, not yet text)."""
    queryset = Session.objects.all() if queryset is None else queryset
    sessions = (
        queryset.select_related("training", "establishment")
        .prefetch_related("days", "tutors")
        .order_by("training__code", "starts_on", "code")
    )
    rows = []
    for session in sessions:
        days = sorted(session.days.all(), key=lambda d: (d.date, d.start_time))
        rows.append(
            [
                session.training.code,
                session.code,
                session.starts_on,
                session.ends_on,
                LIST_SEPARATOR.join(
                    f"{d.date:%Y-%m-%d} {d.start_time:%H:%M}-{d.end_time:%H:%M} {d.kind}"
                    for d in days
                ),
                session.is_online,
                str(session.establishment.fase_number) if session.establishment else "",
                session.venue,
                session.address,
                session.postal_code,
                session.city,
                session.capacity,
                session.has_waitlist,
                session.registration_opens_at,
                session.registration_closes_at,
                session.cancellation_deadline,
                session.status,
                session.policy,
                sorted(t.email for t in session.tutors.all()),
                session.notes,
            ]
        )
    return list(tabular.SESSION_COLUMNS), rows


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def cell_text(value: Any) -> str:
    """A value as the import reads it back (CSV, or text cells of a workbook)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        moment = _local(value)
        fmt = "%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M"
        return moment.strftime(fmt)
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return tabular.neutralise_formula(str(value))


def export_csv(kind: str, queryset: QuerySet | None = None) -> bytes:
    """One kind (``tabular.TRAININGS`` or ``tabular.SESSIONS``) as CSV: UTF-8 with BOM, ``;``."""
    headers, rows = (
        training_rows(queryset) if kind == tabular.TRAININGS else session_rows(queryset)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(
    trainings: QuerySet[TrainingPage] | None = None,
    sessions: QuerySet[Session] | None = None,
) -> bytes:
    """A workbook with the sheets ``formations`` and ``sessions``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for title, (headers, rows) in (
        (tabular.TRAININGS, training_rows(trainings)),
        (tabular.SESSIONS, session_rows(sessions)),
    ):
        sheet = workbook.create_sheet(title)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value, WriteOnlyCell) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: Any, cell_class: Any) -> Any:
    if isinstance(value, bool) or value is None:
        value = cell_text(value)
    if isinstance(value, dt.datetime):
        cell = cell_class(sheet, value=_local(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = cell_class(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, Decimal):
        return cell_class(sheet, value=float(value))
    if isinstance(value, int):
        return cell_class(sheet, value=value)
    cell = cell_class(sheet, value=cell_text(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell
