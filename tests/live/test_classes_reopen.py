"""A class closed too early can be reopened by its tutor until its planned end."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from live import polling
from live.models import AttendanceRecord, VirtualClass
from tests.factories.live import make_class
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db

Status = VirtualClass.Status


def _join_and_enter(client, user, vc):
    client.force_login(user)
    answer = client.post(reverse("live:class_join", args=[vc.uuid]))
    assert answer.status_code == 302, answer
    httpx.get(answer["Location"])


def test_tutor_reopens_a_class_ended_by_mistake_and_attendance_spans_both_parts(
    client, bbb, committed
):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(minutes=30),
        duration_minutes=90,
    )
    _join_and_enter(client, learner, vc)
    polling.poll_class(vc, now=vc.starts_at + dt.timedelta(minutes=1))
    with committed():
        polling.poll_class(vc, now=vc.starts_at + dt.timedelta(minutes=20))
        bbb.control("end", meetingID=vc.meeting_id)  # everyone dropped out
        assert polling.poll_class(vc) == "closed"
    vc.refresh_from_db()
    assert vc.status == Status.ENDED

    client.force_login(learner)
    page = client.get(reverse("live:class_detail", args=[vc.uuid]))
    assert "Rouvrir la classe" not in page.text  # learners cannot
    refused = client.post(
        reverse("live:class_reopen", args=[vc.uuid]), {"reason": "Coupure"}
    )
    assert refused.status_code == 403

    client.force_login(setup.tutor)
    page = client.get(reverse("live:class_detail", args=[vc.uuid]))
    assert "Rouvrir la classe" in page.text
    missing = client.post(reverse("live:class_reopen", args=[vc.uuid]), {"reason": ""})
    assert missing.status_code == 400
    assert "Indiquez le motif de la réouverture." in missing.text
    client.post(
        reverse("live:class_reopen", args=[vc.uuid]),
        {"reason": "Coupure réseau de la salle"},
    )
    vc.refresh_from_db()
    assert vc.status == Status.SCHEDULED and vc.ended_at is None
    assert LogEntry.objects.filter(change_message__contains="reopened").exists()

    # The learner joins again (a new meeting on BBB) and the tutor ends it later.
    _join_and_enter(client, learner, vc)
    vc.refresh_from_db()
    polling.poll_class(vc, now=vc.starts_at + dt.timedelta(minutes=40))
    polling.poll_class(vc, now=vc.starts_at + dt.timedelta(minutes=70))
    with committed():
        client.force_login(setup.tutor)
        client.post(reverse("live:class_end", args=[vc.uuid]))
    vc.refresh_from_db()
    assert vc.status == Status.ENDED
    record = AttendanceRecord.objects.get(virtual_class=vc, user=learner)
    # 1 → 20 min, then from the second join (≈ 30 min) on, counted once each.
    assert record.minutes_attended >= 19 + 30


def test_a_class_past_its_planned_end_cannot_be_reopened(client, bbb):
    setup = make_cohort(learners=1)
    vc = make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        duration_minutes=60,
    )
    VirtualClass.objects.filter(pk=vc.pk).update(
        status=Status.ENDED, ended_at=vc.ends_at
    )
    client.force_login(setup.tutor)
    assert (
        "Rouvrir la classe"
        not in client.get(reverse("live:class_detail", args=[vc.uuid])).text
    )
    answer = client.post(
        reverse("live:class_reopen", args=[vc.uuid]), {"reason": "Trop tard"}
    )
    assert answer.status_code == 302
    vc.refresh_from_db()
    assert vc.status == Status.ENDED
