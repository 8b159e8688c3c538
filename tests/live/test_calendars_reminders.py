"""Reminders 24 h and 1 h before classes and in-person days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from live.models import VirtualClass
from live.reminders import send_reminders
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort, make_group
from tutoring.models import Notification

pytestmark = pytest.mark.django_db


def _titles(user):
    return list(
        Notification.objects.filter(user=user, kind=Notification.Kind.AGENDA)
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_class_reminded_24h_and_1h_once_each():
    setup = make_cohort(learners=2)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "G", tutor=group_tutor, members=[setup.learners[0]])
    outsider = make_cohort(learners=1).learners[0]
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    vc = make_class(setup.cohort, title="Classe du jeudi", starts_at=start)
    assert send_reminders(start - dt.timedelta(hours=30)) == 0
    # A beat late by 3 minutes still sends; a repeated run does not.
    assert send_reminders(start - dt.timedelta(hours=24) + dt.timedelta(minutes=3)) == 4
    assert send_reminders(start - dt.timedelta(hours=24) + dt.timedelta(minutes=4)) == 0
    for person in [*setup.learners, setup.tutor, group_tutor]:
        assert _titles(person) == [
            "Rappel : classe virtuelle « Classe du jeudi » demain"
        ]
    assert _titles(outsider) == []
    note = Notification.objects.filter(user=setup.learners[0]).first()
    assert note.url == f"/live/classes/{vc.uuid}/"
    send_reminders(start - dt.timedelta(minutes=61))
    send_reminders(start - dt.timedelta(minutes=56))
    assert _titles(setup.learners[1])[1:] == [
        "Rappel : classe virtuelle « Classe du jeudi » dans une heure"
    ]
    # Never after the start.
    assert send_reminders(start + dt.timedelta(minutes=1)) == 0


def test_cancelled_skipped_and_rescheduled_reminded_again():
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    vc = make_class(setup.cohort, starts_at=start)
    cancelled = make_class(
        setup.cohort, starts_at=start, status=VirtualClass.Status.CANCELLED
    )
    send_reminders(start - dt.timedelta(hours=24))
    assert len(_titles(learner)) == 1
    vc.starts_at = start + dt.timedelta(hours=2)
    vc.save()
    send_reminders(vc.starts_at - dt.timedelta(hours=24))
    assert len(_titles(learner)) == 2
    assert cancelled.pk  # never reminded
    assert Notification.objects.filter(user=learner).count() == 2


def test_in_person_day_reminded_before_its_first_half():
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    day = make_day(
        setup.cohort,
        title="Journée à Namur",
        date=timezone.localdate() + dt.timedelta(days=5),
    )
    send_reminders(day.starts_at - dt.timedelta(hours=24))
    send_reminders(day.starts_at - dt.timedelta(hours=1))
    send_reminders(day.starts_at - dt.timedelta(hours=1))
    assert _titles(learner) == [
        "Rappel : journée en présentiel « Journée à Namur » demain",
        "Rappel : journée en présentiel « Journée à Namur » dans une heure",
    ]
    body = Notification.objects.filter(user=learner).first().body
    assert "Centre IFPC" in body
    day.is_cancelled = True
    day.save()
    other = make_day(
        setup.cohort,
        date=timezone.localdate() + dt.timedelta(days=6),
        is_cancelled=True,
    )
    assert send_reminders(other.starts_at - dt.timedelta(hours=24)) == 0


def test_the_beat_task_runs():
    from live.tasks import send_reminders as task

    assert task.apply().get() == 0
