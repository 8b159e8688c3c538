"""Scheduling, editing, cancelling a class; the class page; recordings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Activity
from live import classes, polling, recordings
from live.models import AttendanceInterval, Recording, VirtualClass
from tests.factories.courses import ActivityFactory
from tests.factories.live import make_class
from tests.factories.tutoring import make_cohort
from tutoring.models import Notification

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def _form_data(**overrides):
    when = (timezone.now() + dt.timedelta(days=3)).astimezone(BRUSSELS)
    data = {
        "title": "Classe d'accueil",
        "date": when.date().isoformat(),
        "time": "14:30",
        "duration_minutes": "90",
        "guest_policy": "ALWAYS_DENY",
        "max_participants": "",
        "welcome": "Bienvenue !",
    }
    data.update(overrides)
    return data


def test_tutor_schedules_a_class_in_brussels_time(client):
    setup = make_cohort(learners=1)
    slot, spare = (
        ActivityFactory(
            module=setup.activities[0].module,
            position=9 + i,
            kind=Activity.Kind.LIVE_CLASS,
        )
        for i in range(2)
    )
    client.force_login(setup.tutor)
    url = reverse("live:class_create", args=[setup.cohort.pk])
    assert client.get(url).status_code == 200
    data = _form_data(record_allowed="on", activity=str(slot.pk))
    answer = client.post(url, data)
    vc = VirtualClass.objects.get()
    assert answer["Location"] == reverse("live:class_detail", args=[vc.uuid])
    local = vc.starts_at.astimezone(BRUSSELS)
    assert (local.date().isoformat(), local.strftime("%H:%M")) == (
        data["date"],
        "14:30",
    )
    assert vc.record_allowed and vc.activity == slot and vc.created_by == setup.tutor
    assert LogEntry.objects.filter(object_id=str(vc.pk)).exists()
    # The activity is now taken: another class cannot link it.
    form = client.get(url).content.decode()
    assert spare.title in form
    answer = client.post(url, _form_data(activity=str(slot.pk)))
    assert answer.status_code == 400
    assert VirtualClass.objects.count() == 1


def test_form_errors_are_in_french(client):
    setup = make_cohort(learners=1)
    client.force_login(setup.tutor)
    url = reverse("live:class_create", args=[setup.cohort.pk])
    yesterday = (timezone.now() - dt.timedelta(days=1)).astimezone(BRUSSELS)
    answer = client.post(url, _form_data(date=yesterday.date().isoformat()))
    assert answer.status_code == 400
    assert "ne peut pas être dans le passé" in answer.content.decode()
    answer = client.post(url, _form_data(duration_minutes="700"))
    assert "entre 15 et 600 minutes" in answer.content.decode()
    answer = client.post(url, _form_data(duration_minutes="10"))
    assert "entre 15 et 600 minutes" in answer.content.decode()
    assert not VirtualClass.objects.exists()


def test_learners_and_other_tutors_cannot_schedule(client):
    setup = make_cohort(learners=1)
    other = make_cohort(learners=0)
    url = reverse("live:class_create", args=[setup.cohort.pk])
    for user in (setup.learners[0], other.tutor):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, _form_data()).status_code == 403
    assert not VirtualClass.objects.exists()


def test_edit_then_refused_once_running(client):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(setup.tutor)
    url = reverse("live:class_edit", args=[vc.uuid])
    assert client.get(url).status_code == 200
    client.post(url, _form_data(title="Nouveau titre", duration_minutes="45"))
    vc.refresh_from_db()
    assert (vc.title, vc.duration_minutes) == ("Nouveau titre", 45)
    vc.status = VirtualClass.Status.RUNNING
    vc.save()
    answer = client.post(url, _form_data(title="Encore"), follow=True)
    assert "ne peut plus être modifiée" in answer.content.decode()
    vc.refresh_from_db()
    assert vc.title == "Nouveau titre"
    client.force_login(setup.learners[0])
    assert client.get(url).status_code == 403


def test_cancel_needs_a_reason_and_tells_the_learners(client):
    setup = make_cohort(learners=2)
    vc = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(setup.tutor)
    url = reverse("live:class_cancel", args=[vc.uuid])
    answer = client.post(url, {"reason": ""})
    assert answer.status_code == 400
    assert "Indiquez le motif" in answer.content.decode()
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.SCHEDULED
    client.post(url, {"reason": "Tuteur malade"})
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.CANCELLED
    assert vc.cancelled_reason == "Tuteur malade"
    notes = Notification.objects.filter(kind=Notification.Kind.AGENDA)
    assert {n.user_id for n in notes} == {u.pk for u in setup.learners}
    assert all("Tuteur malade" in n.body for n in notes)
    page = client.get(reverse("live:class_detail", args=[vc.uuid])).content.decode()
    assert "annulée" in page and "Tuteur malade" in page


def test_class_page_for_learner_tutor_and_outsider(client, settings):
    settings.BBB_IS_SIMULATOR = True
    setup = make_cohort(learners=1)
    other = make_cohort(learners=1)
    vc = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(hours=3))
    url = reverse("live:class_detail", args=[vc.uuid])
    client.force_login(setup.learners[0])
    page = client.get(url).content.decode()
    assert "simulateur" in page
    assert "La classe ouvrira le" in page and "Ouverture dans" in page
    assert "disabled" in page
    assert "Terminer la classe" not in page and "Connecté" not in page
    client.force_login(setup.tutor)
    page = client.get(url).content.decode()
    assert "Connecté·es maintenant" in page and "Modifier la classe" in page
    client.force_login(other.learners[0])
    assert client.get(url).status_code == 403


def _recordings(vc):
    published = Recording.objects.create(
        virtual_class=vc,
        record_id=f"{vc.meeting_id}-1",
        name="Séance 1",
        is_published=True,
        playback_url="https://bbb.example/playback/1",
    )
    hidden = Recording.objects.create(
        virtual_class=vc,
        record_id=f"{vc.meeting_id}-2",
        name="Brouillon caché",
        is_published=True,
        is_hidden=True,
        playback_url="https://bbb.example/playback/2",
    )
    return published, hidden


def test_recordings_only_for_the_enrolled_learners(client):
    setup = make_cohort(learners=1)
    other = make_cohort(learners=1)
    vc = make_class(setup.cohort, record_allowed=True)
    published, hidden = _recordings(vc)
    learner = setup.learners[0]
    client.force_login(learner)
    page = client.get(reverse("live:class_detail", args=[vc.uuid])).content.decode()
    assert "Séance 1" in page and "Brouillon caché" not in page
    answer = client.get(reverse("live:recording_open", args=[published.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == published.playback_url
    assert (
        client.get(reverse("live:recording_open", args=[hidden.pk])).status_code == 403
    )
    client.force_login(other.learners[0])
    assert (
        client.get(reverse("live:recording_open", args=[published.pk])).status_code
        == 404
    )
    # The tutor shows the hidden one again.
    client.force_login(setup.tutor)
    page = client.get(reverse("live:class_detail", args=[vc.uuid])).content.decode()
    assert "Brouillon caché" in page
    client.post(reverse("live:recording_visibility", args=[hidden.pk]), {"hidden": "0"})
    client.force_login(learner)
    assert (
        client.get(reverse("live:recording_open", args=[hidden.pk])).status_code == 302
    )
    client.force_login(learner)
    assert (
        client.post(
            reverse("live:recording_visibility", args=[published.pk]), {"hidden": "1"}
        ).status_code
        == 403
    )


def test_recordings_sync_from_the_standin(bbb):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort, record_allowed=True)
    vc = classes.ensure_created(vc)
    bbb.control("publish_recording", meetingID=vc.meeting_id)
    first = recordings.sync_recordings(vc)
    again = recordings.sync_recordings(vc)
    assert len(first) == len(again) == 1
    recording = Recording.objects.get()
    assert recording.is_published and recording.playback_url.startswith("http")
    recording.is_hidden = True
    recording.save()
    recordings.sync_recordings(vc)
    recording.refresh_from_db()
    assert recording.is_hidden  # the tutor's choice is kept


def _page_queries(client, setup, vc):
    client.force_login(setup.tutor)
    url = reverse("live:class_detail", args=[vc.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_class_page_queries_do_not_grow_with_attendees(client):
    counts = []
    for size in (1, 8):
        setup = make_cohort(learners=size)
        vc = make_class(setup.cohort, status=VirtualClass.Status.RUNNING)
        for learner in setup.learners:
            AttendanceInterval.objects.create(
                virtual_class=vc,
                user=learner,
                joined_at=timezone.now(),
                last_seen_at=timezone.now(),
            )
        _recordings(vc)
        counts.append(_page_queries(client, setup, vc))
    assert counts[0] == counts[1]
    assert counts[0] <= 25
    # Ended: the attendance table too.
    vc.status = VirtualClass.Status.RUNNING
    vc.save()
    polling.close_class(vc, timezone.now())
    assert _page_queries(client, setup, vc) <= 25
