"""Bad import files are refused with the exact line, column and a French message; nothing is saved."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalogue.importing import import_catalogue
from catalogue.models import Session, TrainingPage
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import catalogue_index, make_session, make_training

from .builders_importing import (
    SESSION_HEADER,
    TRAINING_HEADER,
    both_sheets,
    csv_bytes,
    problems,
    session_row,
    training_row,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _index():
    catalogue_index()


def _nothing_saved() -> bool:
    return (
        not TrainingPage.objects.filter(code__startswith="IMP-").exists()
        and not Session.objects.filter(code__startswith="IMP-").exists()
    )


def _refused(data: bytes, filename: str) -> list[tuple[str, int, str]]:
    report = import_catalogue(data, filename=filename)
    assert not report.ok
    assert _nothing_saved()
    return problems(report)


def _messages(data: bytes, filename: str) -> str:
    return " ".join(
        p.message for p in import_catalogue(data, filename=filename).problems
    )


def test_session_ending_before_start_is_refused_on_its_line():
    """End before start: sessions line 3, column « fin »; the valid row is not saved."""
    data = both_sheets(
        [training_row()],
        [
            session_row(),
            session_row(code="IMP-001-S2", debut="2030-03-11", fin="2030-03-04"),
        ],
    )
    assert _refused(data, "c.xlsx") == [("sessions", 3, "fin")]
    assert "précéder son début" in _messages(data, "c.xlsx")


@pytest.mark.parametrize("capacity", ["0", "-3"])
def test_capacity_not_positive_is_refused(capacity):
    """Capacity 0 or negative: column « places » with a French message."""
    data = both_sheets([training_row()], [session_row(places=capacity)])
    assert _refused(data, "c.xlsx") == [("sessions", 2, "places")]
    assert "supérieur à zéro" in _messages(data, "c.xlsx")


def test_registration_window_after_session_is_refused():
    """Registrations closing after the session: column « cloture_inscriptions »."""
    data = both_sheets(
        [training_row()], [session_row(cloture_inscriptions="2030-04-01 18:00")]
    )
    assert _refused(data, "c.xlsx") == [("sessions", 2, "cloture_inscriptions")]
    assert "avant la fin de la session" in _messages(data, "c.xlsx")


def test_unknown_competence_code_is_refused():
    """An unknown DigCompEdu code: trainings line 3, column « competences »."""
    data = csv_bytes(
        TRAINING_HEADER,
        [training_row(), training_row(code="IMP-002", competences="2.1; 9.9")],
    )
    assert _refused(data, "f.csv") == [("formations", 3, "competences")]
    assert "« 9.9 »" in _messages(data, "f.csv")


def test_unknown_choice_and_bad_date_are_each_reported():
    """An unknown modality and an impossible date are both reported at once."""
    trainings = csv_bytes(TRAINING_HEADER, [training_row(modalite="mixte")])
    assert _refused(trainings, "f.csv") == [("formations", 2, "modalite")]
    sessions = csv_bytes(
        SESSION_HEADER,
        [session_row(training="X"), session_row(code="S2", debut="31/02/2030")],
    )
    assert sorted(_refused(sessions, "s.csv")) == [
        ("sessions", 2, "formation"),
        ("sessions", 3, "debut"),
        ("sessions", 3, "formation"),
    ]


def test_duplicate_codes_in_file_are_refused():
    """A code repeated in the file is reported on its second line."""
    data = csv_bytes(TRAINING_HEADER, [training_row(), training_row()])
    assert _refused(data, "f.csv") == [("formations", 3, "code")]
    assert "déjà ligne 2" in _messages(data, "f.csv")


def test_missing_and_unknown_columns_are_refused():
    """A missing required column and an unknown column are reported on the header."""
    header = [h for h in TRAINING_HEADER if h != "resume"] + ["couleur"]
    rows = [[*training_row()[:2], *training_row()[3:], "bleu"]]
    data = csv_bytes(header, rows)
    assert sorted(_refused(data, "f.csv")) == [
        ("formations", 1, "couleur"),
        ("formations", 1, "resume"),
    ]


def test_day_outside_session_dates_and_bad_tutor_are_refused():
    """A day outside the session dates and a tutor without the role are refused."""
    UserFactory(roles=[Role.TEACHER], email="prof@example.test")
    data = both_sheets([training_row()], [session_row(tuteurs="prof@example.test")])
    assert _refused(data, "c.xlsx") == [("sessions", 2, "tuteurs")]
    data = both_sheets(
        [training_row()], [session_row(journees="2030-03-20 9:00-12:00")]
    )
    assert _refused(data, "c.xlsx") == [("sessions", 2, "journees")]
    assert "en dehors des dates" in _messages(data, "c.xlsx")


def test_capacity_below_seats_taken_is_refused():
    """A capacity below the seats already taken is refused with a clear message."""
    training = make_training(code="IMP-001")
    session = make_session(training, code="IMP-001-S1", capacity=10)
    Session.objects.filter(pk=session.pk).update(seats_taken=8)
    data = csv_bytes(SESSION_HEADER, [session_row(places="5")])
    report = import_catalogue(data, filename="s.csv")
    assert problems(report) == [("sessions", 2, "places")]
    assert "8 inscriptions sont déjà acceptées" in report.problems[0].message
    session.refresh_from_db()
    assert session.capacity == 10


def test_ten_megabytes_of_garbage_are_refused_early():
    """10 MB of random bytes are refused for their size, before any parsing."""
    report = import_catalogue(os.urandom(10 * 1024 * 1024), filename="gros.csv")
    assert len(report.problems) == 1
    assert "taille maximale de 5 Mo" in report.problems[0].message
    assert _nothing_saved()


def test_binary_garbage_under_the_cap_is_refused():
    """Random bytes under the cap: refused as not a CSV file."""
    message = _messages(b"\x00\x01\x02garbage" + os.urandom(5000), "f.csv")
    assert "n'est pas un fichier texte CSV" in message


def test_text_that_is_not_a_catalogue_file_is_refused():
    """A CSV with unrelated headers: the kind of file is not recognised."""
    message = _messages(b"nom;prenom\nDupont;Marie\n", "f.csv")
    assert "Type de fichier non reconnu" in message


def test_fake_xlsx_is_refused():
    """A text file named .xlsx is refused as not a workbook."""
    message = _messages(b"ceci n'est pas un classeur", "f.xlsx")
    assert "n'est pas un classeur Excel" in message


def test_zip_bomb_is_refused():
    """A workbook that expands to a huge size is refused before being parsed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (200 * 1024 * 1024))
    message = _messages(buffer.getvalue(), "bombe.xlsx")
    assert "anormalement grand" in message


def test_too_many_rows_are_refused(settings):
    """More rows than CATALOGUE_IMPORT_MAX_ROWS are refused."""
    settings.CATALOGUE_IMPORT_MAX_ROWS = 3
    rows = [training_row(code=f"IMP-{n:03d}") for n in range(5)]
    assert "plus de 3 lignes" in _messages(csv_bytes(TRAINING_HEADER, rows), "f.csv")
    assert "plus de 3 lignes" in _messages(
        xlsx_bytes({"formations": (TRAINING_HEADER, rows)}), "f.xlsx"
    )


def test_unknown_sheet_is_refused():
    """A workbook sheet that is neither trainings nor sessions is refused."""
    data = xlsx_bytes({"Feuil1": (["a", "b"], [["1", "2"]])})
    assert "Feuille « Feuil1 » non reconnue" in _messages(data, "c.xlsx")


def test_command_fails_with_the_report(tmp_path):
    """``import_catalogue`` exits with an error listing line and column."""
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(TRAINING_HEADER, [training_row(modalite="mixte")]))
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path))
    assert "formations, ligne 2, colonne « modalite »" in str(error.value)
    assert _nothing_saved()


def test_cancelled_session_cannot_be_reopened_nor_full_with_seats_left():
    """A cancelled session stays cancelled; « complète » needs every seat taken."""
    training = make_training(code="IMP-001")
    make_session(training, code="IMP-001-S1", status=Session.Status.CANCELLED)
    data = csv_bytes(
        SESSION_HEADER,
        [
            session_row(statut="ouverte"),
            session_row(code="IMP-001-S2", statut="complète"),
        ],
    )
    report = import_catalogue(data, filename="s.csv")
    assert problems(report) == [("sessions", 2, "statut"), ("sessions", 3, "statut")]
    assert "ne peut pas être rouverte" in report.problems[0].message
    assert Session.objects.get(code="IMP-001-S1").status == Session.Status.CANCELLED
    assert not Session.objects.filter(code="IMP-001-S2").exists()


def test_unknown_course_template_is_refused():
    """An unknown course template code is refused on its column."""
    data = csv_bytes(
        [*TRAINING_HEADER, "modele_de_cours"], [[*training_row(), "INCONNU"]]
    )
    assert _refused(data, "f.csv") == [("formations", 2, "modele_de_cours")]


def test_every_problem_of_a_row_is_reported_in_one_pass():
    """A bad cell does not hide the row's other problems (capacity and dates)."""
    data = both_sheets(
        [training_row()], [session_row(places="0", fin="2030-03-01", journees="")]
    )
    assert sorted(_refused(data, "c.xlsx")) == [
        ("sessions", 2, "fin"),
        ("sessions", 2, "places"),
    ]


def test_line_numbers_count_multiline_cells():
    """After a cell spanning two lines, the next row is reported on its real line."""
    rows = [
        training_row(resume="Première ligne\nseconde ligne"),
        training_row(code="IMP-002", modalite="mixte"),
    ]
    assert _refused(csv_bytes(TRAINING_HEADER, rows), "f.csv") == [
        ("formations", 4, "modalite")
    ]
