"""Exports use the import format: importing an export changes nothing; formulas are neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from wagtail.models import Revision

from catalogue import tabular
from catalogue.exporting import export_csv, export_xlsx
from catalogue.importing import import_catalogue
from catalogue.models import Session, TrainingPage
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    tutor = UserFactory(roles=[Role.TUTOR])
    first = make_training(
        code="EXP-001",
        levels=["primaire", "specialise"],
        competences=["1.1", "5.2"],
        sync_hours=6,
        async_hours=0,
        objectives="<p>Comprendre <b>l'évaluation</b></p>",
    )
    draft = make_training(code="EXP-002", live=False, title='=HYPERLINK("x")')
    session = make_session(first, code="EXP-001-S1", length_days=2)
    session.tutors.add(tutor)
    make_session(draft, code="EXP-002-S1", is_online=True)
    # A pending draft on a live page: the export shows the draft.
    latest = first.get_latest_revision_as_object()
    latest.summary = "Résumé modifié en brouillon ; avec point-virgule"
    latest.save_revision()
    return first, draft


def _revision_count() -> int:
    return Revision.objects.count()


def test_xlsx_export_imports_back_without_change(catalogue):
    """Importing the XLSX export reports every row unchanged and adds no revision."""
    before = _revision_count()
    report = import_catalogue(export_xlsx(), filename="export.xlsx")
    assert report.problems == []
    assert (report.trainings_unchanged, report.sessions_unchanged) == (2, 2)
    assert report.trainings_updated == report.sessions_updated == 0
    assert _revision_count() == before


def test_csv_exports_import_back_without_change(catalogue):
    """Each CSV export imports back unchanged."""
    for kind in (tabular.TRAININGS, tabular.SESSIONS):
        data = export_csv(kind)
        assert data.startswith("\ufeff".encode())
        report = import_catalogue(data, filename=f"{kind}.csv")
        assert report.problems == []
        assert report.trainings_updated == report.sessions_updated == 0
        assert report.trainings_unchanged + report.sessions_unchanged == 2


def test_export_neutralises_formulas(catalogue):
    """A title starting with « = » is exported as text with a leading quote."""
    rows = list(
        csv.reader(
            io.StringIO(export_csv(tabular.TRAININGS).decode("utf-8-sig")),
            delimiter=";",
        )
    )
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles["EXP-002"] == '\'=HYPERLINK("x")'
    sheet = load_workbook(io.BytesIO(export_xlsx()))["formations"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert cells["EXP-002"].data_type == "s"
    assert cells["EXP-002"].value.startswith("'=")


def test_export_shows_the_latest_draft(catalogue):
    """The export carries the training's latest revision, not only its live version."""
    text = export_csv(tabular.TRAININGS).decode("utf-8-sig")
    assert "Résumé modifié en brouillon" in text


def test_edited_export_updates_only_what_changed(catalogue):
    """Changing one session's capacity in an export updates only that session."""
    data = export_csv(tabular.SESSIONS).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    capacity = rows[0].index("places")
    rows[1][capacity] = "42"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    report = import_catalogue(buffer.getvalue().encode(), filename="s.csv")
    assert report.problems == []
    assert (report.sessions_updated, report.sessions_unchanged) == (1, 1)
    assert Session.objects.get(code=rows[1][1]).capacity == 42


def test_export_command_writes_a_workbook(catalogue, tmp_path):
    """``export_catalogue FILE.xlsx`` writes both sheets."""
    path = tmp_path / "catalogue.xlsx"
    call_command("export_catalogue", str(path))
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["formations", "sessions"]
    assert TrainingPage.objects.count() == 2
