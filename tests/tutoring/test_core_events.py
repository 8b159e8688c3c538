"""Cohorts follow the catalogue: a session that opens gets a cohort on a run of the
training's course template; accepted registrations enrol, cancellations withdraw."""

from __future__ import annotations

import pytest

from catalogue.models import Session
from catalogue.services import cancel_registration, register_for_session
from courses.models import Participant
from courses.services import mark_viewed
from lms.roles import Role
from tests.catalogue.builders_registrations import eager_tasks  # noqa: F401
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory
from tutoring import cohorts
from tutoring.models import Cohort, CohortTutor, Enrolment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _training_with_template():
    template = CourseFactory(code="MODELE-NUM")
    module = ModuleFactory(course=template)
    ActivityFactory(module=module, title="Lire le guide")
    ActivityFactory(module=module, title="Quiz final")
    return make_training(course_template=template), template


def test_opening_a_session_creates_its_cohort_on_a_new_run(committed):
    training, template = _training_with_template()
    tutor = UserFactory(roles=[Role.TUTOR])
    with committed():
        session = make_session(training, status=Session.Status.PLANNED)
    assert not Cohort.objects.filter(session=session).exists()
    with committed():
        session.tutors.add(tutor)
        session.status = Session.Status.OPEN
        session.save()
    cohort = Cohort.objects.get(session=session)
    assert cohort.course.source_id == template.pk
    assert [
        a.title for a in cohort.course.modules.get().activities.order_by("position")
    ] == [
        "Lire le guide",
        "Quiz final",
    ]
    assert (cohort.starts_on, cohort.ends_on) == (session.starts_on, session.ends_on)
    assert CohortTutor.objects.get(cohort=cohort).user == tutor
    assert CohortTutor.objects.get(cohort=cohort).is_lead
    # Saving again does not create a second cohort or run.
    with committed():
        session.save()
    assert Cohort.objects.filter(session=session).count() == 1


def test_accepted_registration_enrols_and_cancellation_withdraws(committed):
    training, _ = _training_with_template()
    session = make_session(training, capacity=5)
    teacher = UserFactory(roles=[Role.TEACHER])
    with committed():
        registration = register_for_session(teacher, session)
    cohort = Cohort.objects.get(session=session)
    enrolment = Enrolment.objects.get(cohort=cohort, user=teacher)
    assert enrolment.source == Enrolment.Source.REGISTRATION
    assert enrolment.registration_id == registration.pk
    assert Participant.objects.filter(
        course=cohort.course, user=teacher, role="learner", is_active=True
    ).exists()
    activity = cohort.course.modules.get().activities.order_by("position").first()
    with committed():
        mark_viewed(teacher, activity)
    enrolment.refresh_from_db()
    assert enrolment.progress_percent == 50
    with committed():
        cancel_registration(registration, actor=teacher)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN
    assert enrolment.progress_percent == 50  # tracking kept


def test_reconcile_enrols_registrations_whose_event_was_missed(committed):
    training, _ = _training_with_template()
    session = make_session(training, capacity=5)
    teacher = UserFactory(roles=[Role.TEACHER])
    register_for_session(teacher, session)  # event never delivered (no commit)
    cohort = cohorts.ensure_cohort_for_session(session)
    assert not Enrolment.objects.filter(cohort=cohort).exists()
    assert cohorts.reconcile_session_enrolments(cohort) == 1
    assert cohorts.reconcile_session_enrolments(cohort) == 0
    assert Enrolment.objects.get(cohort=cohort).user == teacher


def test_session_without_course_template_gets_a_cohort_without_course(committed):
    training = make_training()
    with committed():
        session = make_session(training)
    cohort = Cohort.objects.get(session=session)
    assert cohort.course is None
