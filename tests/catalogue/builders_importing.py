"""Small builders for catalogue import/export tests: CSV bytes and XLSX workbooks."""

from __future__ import annotations

import csv
import io
from typing import Any

from catalogue import tabular

TRAINING_HEADER = [
    "code",
    "titre",
    "resume",
    "modalite",
    "niveaux",
    "publics",
    "competences",
    "heures_synchrones",
    "heures_asynchrones",
]
SESSION_HEADER = [
    "formation",
    "code",
    "debut",
    "fin",
    "journees",
    "a_distance",
    "adresse",
    "code_postal",
    "localite",
    "places",
    "cloture_inscriptions",
    "statut",
    "tuteurs",
]


def training_row(code: str = "IMP-001", **values: str) -> list[str]:
    """A valid trainings row in ``TRAINING_HEADER`` order; override by column."""
    row = {
        "code": code,
        "titre": "Évaluer avec le numérique",
        "resume": "Des outils numériques pour évaluer les apprentissages.",
        "modalite": "hybride",
        "niveaux": "primaire; secondaire_inferieur",
        "publics": "enseignant",
        "competences": "4.1 | 4.3",
        "heures_synchrones": "6",
        "heures_asynchrones": "3,5",
    }
    row.update(values)
    return [row[key] for key in TRAINING_HEADER]


def session_row(
    training: str = "IMP-001", code: str = "IMP-001-S1", **values: str
) -> list[str]:
    """A valid sessions row in ``SESSION_HEADER`` order (in 2030, in Namur)."""
    row = {
        "formation": training,
        "code": code,
        "debut": "2030-03-04",
        "fin": "2030-03-11",
        "journees": "2030-03-04 09:00-16:00 presentiel | 2030-03-11 13:00-16:00 classe_virtuelle",
        "a_distance": "non",
        "adresse": "Rue de Fer 1",
        "code_postal": "5000",
        "localite": "Namur",
        "places": "20",
        "cloture_inscriptions": "2030-02-25 18:00",
        "statut": "open",
        "tuteurs": "",
    }
    row.update(values)
    return [row[key] for key in SESSION_HEADER]


def csv_bytes(
    header: list[str], rows: list[list[str]], *, encoding: str = "utf-8-sig"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    """A workbook with one sheet per ``{name: (header, rows)}``."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def both_sheets(trainings: list[list[str]], sessions: list[list[str]]) -> bytes:
    return xlsx_bytes(
        {
            tabular.TRAININGS: (TRAINING_HEADER, trainings),
            tabular.SESSIONS: (SESSION_HEADER, sessions),
        }
    )


def problems(report: Any) -> list[tuple[str, int, str]]:
    """(sheet, line, column) of each problem of an import report."""
    return [(p.sheet, p.line, p.column) for p in report.problems]
