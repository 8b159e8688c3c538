"""Exports of the tutor dashboard (CSV and XLSX), with the dashboard's filters.

Rows are read with ``values()`` and ``iterator(chunk_size=2000)`` (a server-side
cursor on PostgreSQL): memory stays flat for 12,000 learners. CSV follows the
project convention (``courses.reports.stream_csv``: UTF-8 BOM, ``;``, every text
cell neutralised against formula injection); XLSX uses openpyxl's write-only
mode into a temporary file. Times are shown in Europe/Brussels.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zoneinfo
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Activity
from courses.reports import csv_safe, stream_csv

from .dashboard_query import (
    STATE_COMPLETED,
    STATE_IN_PROGRESS,
    activity_cells,
    ordered_rows,
    row_flags,
)
from .flags import FLAG_LABELS
from .models import Cohort, Enrolment

CHUNK_SIZE = 2000
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def state_label(state: str) -> str:
    if state == STATE_COMPLETED:
        return _("terminée")
    if state == STATE_IN_PROGRESS:
        return _("en cours")
    return _("pas commencée")


def header(activities: Sequence[Activity]) -> list[str]:
    columns = [
        _("Nom"),
        _("Prénom"),
        _("Adresse e-mail"),
        _("Groupe"),
        _("Statut"),
        _("Progression (%)"),
        _("Activités terminées"),
    ]
    for activity in activities:
        columns.append(_("%(title)s — état") % {"title": activity.title})
        columns.append(_("%(title)s — score (%%)") % {"title": activity.title})
    columns += [
        _("Score moyen (%)"),
        _("Présence (%)"),
        _("Dernière activité (heure de Bruxelles)"),
        _("Signalements"),
    ]
    return columns


def _brussels(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")


def _number(value: Any) -> Any:
    if value is None:
        return ""
    return float(value) if not isinstance(value, int) else value


def rows(
    queryset: QuerySet[Enrolment],
    cohort: Cohort,
    activities: Sequence[Activity],
    group_names: dict[int, str],
    sort: str,
) -> Iterator[list[Any]]:
    """One list of cells per enrolment, in ``header()`` order (streamed)."""
    now = timezone.now()
    activity_ids = [a.pk for a in activities]
    statuses = dict(Enrolment.Status.choices)
    for row in ordered_rows(queryset, sort).iterator(chunk_size=CHUNK_SIZE):
        cells: list[Any] = [
            row["user__last_name"],
            row["user__first_name"],
            row["user__email"],
            group_names.get(row["group_id"], ""),
            str(statuses.get(row["status"], row["status"])),
            row["progress_percent"],
            row["completed_count"],
        ]
        for _id, state, score in activity_cells(row["activity_states"], activity_ids):
            cells.append(state_label(state))
            cells.append(_number(score))
        cells += [
            _number(row["average_score"]),
            _number(row["attendance_percent"]),
            _brussels(row["last_activity_at"]),
            ", ".join(str(FLAG_LABELS[f]) for f in row_flags(row, cohort, now)),
        ]
        yield cells


def csv_lines(
    queryset: QuerySet[Enrolment],
    cohort: Cohort,
    activities: Sequence[Activity],
    group_names: dict[int, str],
    sort: str,
) -> Iterator[str]:
    """The CSV text, line by line (BOM first)."""
    return stream_csv(
        header(activities), rows(queryset, cohort, activities, group_names, sort)
    )


async def aiter_batched(lines: Iterator[str], batch: int = 500) -> AsyncIterator[str]:
    """Serve a sync generator under ASGI without loading it whole: batches of
    lines are pulled in the request's thread (the one holding the DB cursor)."""

    def take() -> str:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= batch:
                break
        return "".join(chunk)

    while True:
        text = await sync_to_async(take, thread_sensitive=True)()
        if not text:
            return
        yield text


async def aiter_file(output: IO[bytes], size: int = 256 * 1024) -> AsyncIterator[bytes]:
    """Serve a (temporary) file under ASGI in chunks, then close it."""
    try:
        while chunk := await sync_to_async(output.read)(size):
            yield chunk
    finally:
        output.close()


def write_xlsx(
    queryset: QuerySet[Enrolment],
    cohort: Cohort,
    activities: Sequence[Activity],
    group_names: dict[int, str],
    sort: str,
) -> IO[bytes]:
    """The XLSX workbook in a temporary file (rewound), written in write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Apprenant·es")[:31])
    sheet.freeze_panes = "A2"
    # openpyxl stores a string starting with "=" as a formula: neutralise.
    sheet.append([csv_safe(cell) for cell in header(activities)])
    for row in rows(queryset, cohort, activities, group_names, sort):
        sheet.append([csv_safe(cell) for cell in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse
    workbook.save(output)
    output.seek(0)
    return output


def filename(cohort: Cohort, extension: str) -> str:
    safe = "".join(
        c if (c.isascii() and c.isalnum()) or c in "-_" else "-" for c in cohort.code
    )
    return f"tableau-de-bord-{safe}.{extension}"
