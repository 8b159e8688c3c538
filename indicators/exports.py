"""CSV and XLSX exports of the filtered indicators (aggregate tables only).

CSV follows the project convention (``courses.reports.stream_csv``: UTF-8 BOM,
``;``, cells neutralised against formula injection): one row per training,
session or cohort, then a total row. XLSX (openpyxl, write-only) holds three
sheets: the headline figures with the filters, the same detail table, and the
shared self-test level distribution.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from courses.reports import csv_safe, stream_csv

from . import selectors
from .refresh import SELFTEST_MIN_GROUP
from .selectors import DIMENSIONS, Figures, Filters

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows of one detail export (every session of several school years fits).
EXPORT_LIMIT = 100_000


def _pct(value: float | None) -> Any:
    return "" if value is None else value


def detail_header(kind: str) -> list[str]:
    first = {
        "training": _("Formation"),
        "session": _("Session"),
        "cohort": _("Cohorte"),
    }[kind]
    return [
        first,
        _("Inscriptions"),
        _("Acceptées"),
        _("Terminées"),
        _("Taux d'achèvement (%)"),
        _("Heures-participant"),
        _("Activités terminées (%)"),
        _("Présence (%)"),
        _("Attestations émises"),
        _("Attestations reçues par l'espace personnel"),
    ]


def detail_cells(figures: Figures) -> list[Any]:
    return [
        figures.label,
        figures.registered,
        figures.accepted,
        figures.completed,
        _pct(figures.completion_rate),
        figures.participant_hours,
        _pct(figures.activity_completion_rate),
        _pct(figures.attendance_rate),
        figures.attestations_issued,
        figures.attestations_delivered,
    ]


def detail_rows(filters: Filters, kind: str) -> Iterator[list[Any]]:
    """Every row of the detail table, labelled in pages of 2,000, then the total."""
    rows = list(selectors.table_rows(filters, kind)[:EXPORT_LIMIT])
    for start in range(0, len(rows), 2000):
        for figures in selectors.labelled(rows[start : start + 2000], kind):
            yield detail_cells(figures)
    total = selectors.headline(filters)
    total.label = _("Total")
    yield detail_cells(total)


def csv_lines(filters: Filters, kind: str) -> Iterator[str]:
    return stream_csv(detail_header(kind), detail_rows(filters, kind))


def filter_lines(filters: Filters) -> list[list[str]]:
    """The filters in words (first rows of the summary sheet)."""
    year = (
        selectors.school_year_label(filters.school_year)
        if filters.school_year is not None
        else _("Toutes")
    )
    lines = [[_("Année scolaire"), year]]
    for name, (label, _choices) in DIMENSIONS.items():
        value = getattr(filters, name)
        shown = _("Tous") if value is None else selectors.dimension_label(name, value)
        lines.append([str(label), shown])
    return lines


def headline_lines(figures: Figures) -> list[list[Any]]:
    return [
        [_("Heures-participant"), figures.participant_hours],
        [_("Inscriptions"), figures.registered],
        [_("Inscriptions acceptées"), figures.accepted],
        [_("Apprenant·es en ligne ou hybride"), figures.online_or_hybrid],
        [_("Formations avec inscriptions"), figures.trainings],
        [
            _("Part des formations numériques (%)"),
            _pct(figures.digital_trainings_share),
        ],
        [_("Part des heures numériques (%)"), _pct(figures.digital_hours_share)],
        [_("Taux d'achèvement (%)"), _pct(figures.completion_rate)],
        [_("Activités terminées (%)"), _pct(figures.activity_completion_rate)],
        [_("Taux de présence (%)"), _pct(figures.attendance_rate)],
        [_("Attestations émises"), figures.attestations_issued],
        [
            _("Attestations reçues par l'espace personnel"),
            figures.attestations_delivered,
        ],
    ]


def write_xlsx(filters: Filters, kind: str, refreshed_at: str) -> IO[bytes]:
    """The workbook in a temporary file (rewound)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Synthèse"))
    summary.append([csv_safe(_("Données actualisées le")), refreshed_at])
    for line in filter_lines(filters):
        summary.append([csv_safe(cell) for cell in line])
    summary.append([])
    for line in headline_lines(selectors.headline(filters)):
        summary.append([csv_safe(cell) for cell in line])
    detail = workbook.create_sheet(_("Détail"))
    detail.append([csv_safe(cell) for cell in detail_header(kind)])
    for row in detail_rows(filters, kind):
        detail.append([csv_safe(cell) for cell in row])
    levels = workbook.create_sheet(_("Autotest"))
    levels.append([_("Compétence"), _("Résultats partagés"), *selectors.LEVELS])
    for competence in selectors.selftest_levels(filters):
        label = f"{competence.code} {competence.name}"
        if competence.suppressed:
            levels.append(
                [csv_safe(label), _("moins de %(n)s") % {"n": SELFTEST_MIN_GROUP}]
            )
        else:
            levels.append(
                [
                    csv_safe(label),
                    competence.n,
                    *[share.count for share in competence.distribution],
                ]
            )
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse
    workbook.save(output)
    output.seek(0)
    return output
