"""``manage.py embedded_beat`` runs the Celery beat schedule where no beat runs
(the embedded default of ``make run``)."""

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
    """One round of the whole schedule polls the class in its join window only."""
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
    call_command("embedded_beat", "--once")
    interval = AttendanceInterval.objects.get(virtual_class=vc)
    assert interval.user == learner and interval.left_at is None
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    later.refresh_from_db()
    assert later.last_polled_at is None


def test_one_round_runs_every_beat_task_without_error(eager_tasks, capsys):
    """Every entry of the beat schedule runs once on an empty database, silently."""
    call_command("embedded_beat", "--once", verbosity=2)
    out, err = capsys.readouterr()
    assert "embedded_beat:" not in err  # the command's own failure lines
    from lms.celery import app

    for name in app.conf.beat_schedule:
        assert f"embedded_beat: {name} done" in out


def test_a_due_delivery_is_sent_by_the_reconciler(eager_tasks, settings):
    """The attestation outbox is drained by the embedded beat (no Celery beat)."""
    from certification.models import Delivery
    from tests.certification.delivery_support import issued
    from tests.certification.staff_space import StaffSpaceStandIn

    standin = StaffSpaceStandIn.start()
    try:
        settings.STAFF_SPACE_URL = standin.url
        settings.STAFF_SPACE_TOKEN = standin.token
        (attestation,) = issued(1)
        call_command("embedded_beat", "--once")
        received = standin.state()["attestations"]
    finally:
        standin.stop()
    assert list(received) == [str(attestation.uuid)]
    assert attestation.deliveries.get().state == Delivery.State.DELIVERED
