"""``manage.py live_beat`` runs the live periodic tasks where no beat runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from live import classes
from live.models import AttendanceInterval, VirtualClass
from tests.factories.live import make_class
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db


def test_one_round_polls_the_classes_in_their_window(bbb, eager_tasks):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = make_class(setup.cohort, starts_at=timezone.now() - dt.timedelta(minutes=5))
    later = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(days=1))
    classes.ensure_created(vc)
    bbb.control(
        "add_attendee",
        meetingID=vc.meeting_id,
        userID=str(learner.pk),
        fullName=learner.get_full_name(),
        role="VIEWER",
    )
    call_command("live_beat", "--once")
    interval = AttendanceInterval.objects.get(virtual_class=vc)
    assert interval.user == learner and interval.left_at is None
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    later.refresh_from_db()
    assert later.last_polled_at is None
