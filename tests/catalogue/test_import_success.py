"""Importing trainings and sessions creates drafts, new revisions and sessions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

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
    session_row,
    training_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _index():
    catalogue_index()


def test_workbook_creates_draft_training_and_its_sessions(catalogue_manager):
    """A workbook creates a draft training (revision by the importer) and its session."""
    tutor = UserFactory(roles=[Role.TUTOR], email="tutrice@example.test")
    data = both_sheets([training_row()], [session_row(tuteurs="TUTRICE@example.test")])
    report = import_catalogue(data, filename="catalogue.xlsx", user=catalogue_manager)
    assert report.problems == []
    assert (report.trainings_created, report.sessions_created) == (1, 1)
    page = TrainingPage.objects.get(code="IMP-001")
    assert not page.live
    assert page.get_parent().specific == catalogue_index()
    assert page.latest_revision.user == catalogue_manager
    assert page.sync_hours == Decimal("6") and page.async_hours == Decimal("3.5")
    assert sorted(c.code for c in page.competences.all()) == ["4.1", "4.3"]
    assert sorted(lv.code for lv in page.levels.all()) == [
        "primaire",
        "secondaire_inferieur",
    ]
    session = Session.objects.get(code="IMP-001-S1")
    assert session.training_id == page.pk
    assert session.province == "namur"
    assert session.status == Session.Status.OPEN
    assert list(session.tutors.all()) == [tutor]
    days = [(d.date, d.start_time, d.end_time, d.kind) for d in session.days.all()]
    assert days == [
        (dt.date(2030, 3, 4), dt.time(9), dt.time(16), "presentiel"),
        (dt.date(2030, 3, 11), dt.time(13), dt.time(16), "classe_virtuelle"),
    ]
    assert timezone.localtime(session.registration_closes_at).hour == 18


def test_existing_training_gets_a_new_revision_not_published(catalogue_manager):
    """Updating a live training saves a draft revision; the live title is unchanged."""
    live = make_training(code="IMP-001", title="Ancien titre")
    revisions = Revision.objects.for_instance(live).count()
    data = csv_bytes(TRAINING_HEADER, [training_row(titre="Nouveau titre")])
    report = import_catalogue(data, filename="f.csv", user=catalogue_manager)
    assert report.problems == []
    assert report.trainings_updated == 1
    live.refresh_from_db()
    assert live.live and live.title == "Ancien titre"
    assert live.has_unpublished_changes
    assert Revision.objects.for_instance(live).count() == revisions + 1
    assert live.get_latest_revision_as_object().title == "Nouveau titre"


def test_sessions_csv_updates_session_by_code():
    """A sessions CSV updates an existing session found by its code."""
    training = make_training(code="IMP-001")
    session = make_session(training, code="IMP-001-S1", capacity=10)
    data = csv_bytes(SESSION_HEADER, [session_row(places="25")])
    report = import_catalogue(data, filename="sessions.csv")
    assert report.problems == []
    assert report.sessions_updated == 1
    session.refresh_from_db()
    assert session.capacity == 25
    assert session.starts_on == dt.date(2030, 3, 4)
    assert session.days.count() == 2


def test_same_file_twice_changes_nothing_the_second_time():
    """Importing the same file again reports everything unchanged, no new revision."""
    data = both_sheets([training_row()], [session_row()])
    assert import_catalogue(data, filename="c.xlsx").ok
    page = TrainingPage.objects.get(code="IMP-001")
    revisions = Revision.objects.for_instance(page).count()
    report = import_catalogue(data, filename="c.xlsx")
    assert report.problems == []
    assert (report.trainings_unchanged, report.sessions_unchanged) == (1, 1)
    assert (report.trainings_updated, report.sessions_updated) == (0, 0)
    assert Revision.objects.for_instance(page).count() == revisions


def test_french_labels_comma_decimals_and_cp1252_are_read():
    """French labels, dd/mm/yyyy dates, comma decimals and Windows-1252 are accepted."""
    trainings = csv_bytes(
        TRAINING_HEADER,
        [
            training_row(
                modalite="Hybride",
                niveaux="Secondaire inférieur",
                publics="Directions",
                heures_synchrones="6,5",
            )
        ],
        encoding="cp1252",
    )
    assert import_catalogue(trainings, filename="f.csv").problems == []
    sessions = csv_bytes(
        SESSION_HEADER,
        [
            session_row(
                debut="04/03/2030",
                fin="11/03/2030",
                journees="04/03/2030 9h-16h ; 11/03/2030 13:00-16:00 classe virtuelle",
                cloture_inscriptions="25/02/2030",
                statut="Inscriptions ouvertes",
            )
        ],
    )
    assert import_catalogue(sessions, filename="s.csv").problems == []
    page = TrainingPage.objects.get(code="IMP-001")
    assert page.sync_hours == Decimal("6.5")
    assert [a.code for a in page.audiences.all()] == ["directeur"]
    session = Session.objects.get(code="IMP-001-S1")
    assert timezone.localtime(session.registration_closes_at).time() == dt.time(23, 59)
    assert session.days.count() == 2


def test_dry_run_saves_nothing_but_counts():
    """A dry run reports what it would create and saves nothing."""
    data = both_sheets([training_row()], [session_row()])
    report = import_catalogue(data, filename="c.xlsx", dry_run=True)
    assert report.ok and not report.applied
    assert (report.trainings_created, report.sessions_created) == (1, 1)
    assert not TrainingPage.objects.filter(code="IMP-001").exists()
    assert not Session.objects.exists()


def test_command_imports_a_file(tmp_path, capsys):
    """``import_catalogue FILE`` imports and prints the counts."""
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(both_sheets([training_row()], [session_row()]))
    call_command("import_catalogue", str(path))
    assert "1 créées" in capsys.readouterr().out
    assert Session.objects.filter(code="IMP-001-S1").exists()


def test_course_template_and_establishment_are_linked_by_code():
    """A course template code and an establishment FASE number are resolved."""
    from tests.factories import EstablishmentFactory
    from tests.factories.courses import CourseFactory

    course = CourseFactory(code="MODELE-EVAL")
    school = EstablishmentFactory(fase_number=4321, postal_code="6000")
    trainings = csv_bytes(
        [*TRAINING_HEADER, "modele_de_cours"], [[*training_row(), "MODELE-EVAL"]]
    )
    assert import_catalogue(trainings, filename="f.csv").problems == []
    sessions = csv_bytes(
        [*SESSION_HEADER, "etablissement"],
        [[*session_row(adresse="", code_postal="", localite=""), "4321"]],
    )
    assert import_catalogue(sessions, filename="s.csv").problems == []
    assert TrainingPage.objects.get(code="IMP-001").course_template == course
    session = Session.objects.get(code="IMP-001-S1")
    assert session.establishment == school
    assert session.province == "hainaut"


def test_raising_capacity_by_import_promotes_the_waitlist():
    """An import that raises a full session's capacity promotes waitlisted people."""
    from catalogue.models import Registration
    from catalogue.services import register_for_session

    training = make_training(code="IMP-001")
    session = make_session(training, code="IMP-001-S1", capacity=1)
    register_for_session(UserFactory(roles=[Role.TEACHER]), session)
    waiting = register_for_session(UserFactory(roles=[Role.TEACHER]), session)
    data = csv_bytes(
        ["formation", "code", "debut", "fin", "places", "cloture_inscriptions"],
        [
            [
                "IMP-001",
                "IMP-001-S1",
                session.starts_on.isoformat(),
                session.ends_on.isoformat(),
                "5",
                timezone.localtime(session.registration_closes_at).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            ]
        ],
    )
    report = import_catalogue(data, filename="s.csv")
    assert report.problems == []
    assert report.sessions_updated == 1
    waiting.refresh_from_db()
    session.refresh_from_db()
    assert waiting.status == Registration.Status.ACCEPTED
    assert (session.seats_taken, session.status) == (2, Session.Status.OPEN)
