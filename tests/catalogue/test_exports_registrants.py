"""Registrant exports: CSV for Belgian Excel (BOM, ';') and XLSX, formula-safe."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from catalogue import services
from catalogue.exports import neutralise, registrants_csv, registrants_xlsx
from catalogue.models import Session

from .builders_registrations import open_session, teacher_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def session() -> Session:
    session = open_session(capacity=1)
    services.register_for_session(
        teacher_user(first_name="Émilie", last_name="Dupont"), session
    )
    services.register_for_session(
        teacher_user(first_name='=HYPERLINK("http://x")', last_name="@SUM(A1)"),
        session,
    )
    return session


def test_csv_has_bom_semicolons_and_one_row_per_registration(session):
    """The CSV starts with a UTF-8 BOM, uses ';' and lists each registration."""
    data = registrants_csv(session)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Prénom", "Adresse e-mail"]
    assert rows[1][:2] == ["Dupont", "Émilie"]
    assert rows[1][5] == "Acceptée"
    assert rows[2][5] == "Sur liste d'attente"
    assert len(rows) == 3


def test_csv_neutralises_formulas(session):
    """Cells that look like formulas are prefixed with an apostrophe."""
    rows = list(
        csv.reader(
            io.StringIO(registrants_csv(session).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[2][0] == "'@SUM(A1)"
    assert rows[2][1] == '\'=HYPERLINK("http://x")'


def test_xlsx_opens_with_text_cells(session):
    """The XLSX opens with openpyxl; no cell is a formula."""
    workbook = load_workbook(io.BytesIO(registrants_xlsx(session)))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Nom"
    assert values[1][:2] == ["Dupont", "Émilie"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values[2][1].startswith("'=")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+32", "'+32"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("ok", "ok"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    """Formula triggers are neutralised, plain text is kept."""
    assert neutralise(value) == expected
