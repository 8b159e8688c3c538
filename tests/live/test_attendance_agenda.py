"""The cohort agenda and the import of the session's days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import SessionDay
from live.models import InPersonDay, VirtualClass
from live.sync import split_halves, sync_session_days
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort
from tutoring.cohorts import ensure_cohort_for_session

pytestmark = pytest.mark.django_db


def _agenda(cohort):
    return reverse("live:cohort_agenda", args=[cohort.pk])


def test_learner_sees_upcoming_then_past_with_cancelled_marked(client):
    setup = make_cohort(learners=1)
    now = timezone.now()
    future = make_class(
        setup.cohort, title="Classe future", starts_at=now + dt.timedelta(days=2)
    )
    make_class(
        setup.cohort, title="Classe passée", starts_at=now - dt.timedelta(days=2)
    )
    make_class(
        setup.cohort,
        title="Classe annulée",
        starts_at=now + dt.timedelta(days=3),
        status=VirtualClass.Status.CANCELLED,
    )
    make_day(
        setup.cohort,
        title="Journée à Namur",
        date=timezone.localdate() + dt.timedelta(days=5),
    )
    client.force_login(setup.learners[0])
    html = client.get(_agenda(setup.cohort)).text
    upcoming, past = html.split("Passées", 1)
    assert "Classe future" in upcoming and "Classe annulée" in upcoming
    assert "Journée à Namur" in upcoming and "Centre IFPC, Namur" in upcoming
    assert "Classe passée" in past
    assert "Annulée" in upcoming
    assert "en ligne" in upcoming
    assert reverse("live:class_detail", args=[future.uuid]) in html
    assert "Programmer une classe virtuelle" not in html
    assert "Importer les journées" not in html


def test_tutor_sees_the_actions_and_outsider_is_refused(client):
    setup = make_cohort(learners=1)
    client.force_login(setup.tutor)
    html = client.get(_agenda(setup.cohort)).text
    assert "Aucune classe virtuelle ni journée" in html
    assert "Justificatifs d'absence" in html
    assert reverse("live:class_create", args=[setup.cohort.pk]) in html
    assert reverse("live:day_create", args=[setup.cohort.pk]) in html
    outsider = UserFactory(roles=[Role.TEACHER])
    client.force_login(outsider)
    assert client.get(_agenda(setup.cohort)).status_code == 403


def test_split_halves_around_noon():
    t = dt.time
    assert split_halves(t(9), t(16)) == ((t(9), t(12)), (t(13), t(16)))
    assert split_halves(t(9), t(12, 30)) == ((t(9), t(12, 30)), None)
    assert split_halves(t(9), t(13)) == ((t(9), t(13)), None)
    assert split_halves(t(12), t(17)) == (None, (t(12), t(17)))


def _session_cohort(**fields):
    training = make_training()
    session = make_session(training, length_days=2, **fields)
    cohort = ensure_cohort_for_session(session)
    return session, cohort


def test_a_new_session_cohort_gets_its_days_after_commit(committed):
    training = make_training()
    session = make_session(training, length_days=2)
    SessionDay.objects.create(
        session=session,
        date=session.starts_on,
        start_time=dt.time(18),
        end_time=dt.time(19, 30),
        kind=SessionDay.Kind.VIRTUAL,
    )
    with committed():
        cohort = ensure_cohort_for_session(session)
    days = list(InPersonDay.objects.filter(cohort=cohort))
    assert len(days) == 2
    assert days[0].halves()[0][1:] == (dt.time(9), dt.time(12))
    assert days[0].halves()[1][1:] == (dt.time(13), dt.time(16))
    assert days[0].city == "5000 Namur"
    vc = VirtualClass.objects.get(cohort=cohort)
    assert timezone.localtime(vc.starts_at).time() == dt.time(18)
    assert vc.duration_minutes == 90
    assert sync_session_days(cohort) == (0, 0)  # idempotent


def test_tutor_imports_missing_days_once(client, committed):
    session, cohort = _session_cohort()
    InPersonDay.objects.filter(cohort=cohort).delete()  # none yet (or removed)
    tutor = UserFactory(roles=[Role.TUTOR])
    from tutoring.cohorts import set_tutors

    set_tutors(cohort, [tutor], lead=tutor)
    client.force_login(tutor)
    url = reverse("live:agenda_import", args=[cohort.pk])
    response = client.post(url, follow=True)
    assert "Journées importées" in response.text
    assert InPersonDay.objects.filter(cohort=cohort).count() == 2
    response = client.post(url, follow=True)
    assert "déjà importées" in response.text
    assert InPersonDay.objects.filter(cohort=cohort).count() == 2
