"""Polling ``getMeetingInfo``: presence intervals, minutes, end of the class."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from live import classes, polling
from live.models import AttendanceInterval, AttendanceRecord, JoinRequest, VirtualClass
from live.tasks import poll_running_classes
from tests.factories.live import make_class
from tests.factories.tutoring import make_cohort

Status = AttendanceRecord.Status


def _running_class(cohort, minutes_ago=5, duration=60, **fields):
    vc = make_class(
        cohort,
        starts_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        duration_minutes=duration,
        **fields,
    )
    return classes.ensure_created(vc)


def _enter(bbb, vc, user, *, moderator=False):
    bbb.control(
        "add_attendee",
        meetingID=vc.meeting_id,
        userID=str(user.pk),
        fullName=user.get_full_name(),
        role="MODERATOR" if moderator else "VIEWER",
    )


def _leave(bbb, vc, user):
    bbb.control("leave", meetingID=vc.meeting_id, userID=str(user.pk))


@pytest.mark.django_db
def test_join_leave_sequence_gives_the_minutes_attended(bbb, committed):
    setup = make_cohort(learners=3)
    steady, hopper, missing = setup.learners
    vc = _running_class(setup.cohort, minutes_ago=30)
    t0 = vc.starts_at

    def at(minutes):
        return t0 + dt.timedelta(minutes=minutes)

    JoinRequest.objects.create(virtual_class=vc, user=steady, requested_at=at(1))
    _enter(bbb, vc, setup.tutor, moderator=True)
    _enter(bbb, vc, steady)
    assert polling.poll_class(vc, now=at(2)) == "polled"
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    assert vc.started_at == at(1)  # the learner's join request opened the interval

    _enter(bbb, vc, hopper)  # no join request since the last poll: poll time
    polling.poll_class(vc, now=at(10))
    _leave(bbb, vc, hopper)
    polling.poll_class(vc, now=at(20))  # hopper gone: closed at last seen (10)
    _enter(bbb, vc, hopper)
    polling.poll_class(vc, now=at(30))
    polling.poll_class(vc, now=at(40))
    _leave(bbb, vc, hopper)
    polling.poll_class(vc, now=at(50))

    intervals = {
        (i.user_id, i.joined_at, i.left_at)
        for i in AttendanceInterval.objects.filter(user=hopper)
    }
    assert intervals == {(hopper.pk, at(10), at(10)), (hopper.pk, at(30), at(40))}
    tutor_interval = AttendanceInterval.objects.get(user=setup.tutor)
    assert tutor_interval.is_moderator and tutor_interval.left_at is None
    # Provisional records while the class runs, for learners seen so far.
    assert set(
        AttendanceRecord.objects.filter(virtual_class=vc).values_list("user", flat=True)
    ) == {steady.pk, hopper.pk}

    with committed():
        assert polling.close_class(vc, at(60))
    records = {r.user_id: r for r in AttendanceRecord.objects.filter(virtual_class=vc)}
    assert setup.tutor.pk not in records
    assert (records[steady.pk].status, records[steady.pk].minutes_attended) == (
        Status.PRESENT,
        59,
    )
    assert (records[hopper.pk].status, records[hopper.pk].minutes_attended) == (
        Status.PARTIAL,
        10,
    )
    assert (records[missing.pk].status, records[missing.pk].minutes_attended) == (
        Status.ABSENT,
        0,
    )
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED and vc.attendance_closed_at
    assert not AttendanceInterval.objects.filter(left_at__isnull=True).exists()
    assert polling.close_class(vc, at(70)) is False  # once


@pytest.mark.django_db
def test_guests_and_strange_user_ids_are_ignored(bbb):
    setup = make_cohort(learners=1)
    vc = _running_class(setup.cohort)
    for user_id in ("w_abc123", "", "99999999", "-3"):
        bbb.control(
            "add_attendee",
            meetingID=vc.meeting_id,
            userID=user_id or "x",
            fullName="Invité",
            role="VIEWER",
        )
    _enter(bbb, vc, setup.learners[0])
    polling.poll_class(vc)
    assert list(AttendanceInterval.objects.values_list("user", flat=True)) == [
        setup.learners[0].pk
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_polls_do_not_double_count(bbb):
    setup = make_cohort(learners=3)
    vc = _running_class(setup.cohort)
    for learner in setup.learners:
        _enter(bbb, vc, learner)
    barrier = threading.Barrier(4)
    errors = []

    def poll():
        try:
            barrier.wait()
            polling.poll_class(VirtualClass.objects.get(pk=vc.pk))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AttendanceInterval.objects.count() == 3
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 3


@pytest.mark.django_db
def test_bbb_down_counts_failures_without_crashing(bbb):
    setup = make_cohort(learners=1)
    vc = _running_class(setup.cohort)
    _enter(bbb, vc, setup.learners[0])
    polling.poll_class(vc)
    bbb.control("set_down", down="true")
    try:
        assert polling.poll_class(vc) == "failed"
        assert polling.poll_class(vc) == "failed"
    finally:
        bbb.control("set_down", down="false")
    vc.refresh_from_db()
    assert vc.poll_failures == 2 and "503" in vc.last_error
    assert vc.status == VirtualClass.Status.RUNNING
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 1
    polling.poll_class(vc)
    vc.refresh_from_db()
    assert vc.poll_failures == 0 and vc.last_error == ""


@pytest.mark.django_db
def test_meeting_gone_after_running_closes_the_class(bbb, committed):
    setup = make_cohort(learners=2)
    vc = _running_class(setup.cohort)
    _enter(bbb, vc, setup.learners[0])
    polling.poll_class(vc)
    bbb.control("end", meetingID=vc.meeting_id)  # callback URL unreachable here
    with committed():
        assert polling.poll_class(vc) == "closed"
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED
    assert AttendanceRecord.objects.filter(virtual_class=vc).count() == 2


@pytest.mark.django_db
def test_nobody_came_class_is_closed_after_its_end(bbb, committed):
    setup = make_cohort(learners=2)
    vc = make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(hours=2),
        duration_minutes=60,
    )
    with committed():
        assert polling.poll_class(vc) == "closed"
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED and vc.ended_at == vc.ends_at
    assert set(
        AttendanceRecord.objects.filter(virtual_class=vc).values_list(
            "status", flat=True
        )
    ) == {Status.ABSENT}


@pytest.mark.django_db
def test_poll_running_classes_picks_open_and_running_only(bbb, eager_tasks):
    setup = make_cohort(learners=1)
    soon = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(minutes=5))
    make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(days=2))
    make_class(setup.cohort, status=VirtualClass.Status.CANCELLED)
    make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        status=VirtualClass.Status.ENDED,
    )
    assert poll_running_classes.apply().get() == 1
    soon.refresh_from_db()
    assert soon.last_polled_at is not None


@pytest.mark.django_db
def test_tutor_ends_the_class(client, bbb, committed):
    setup = make_cohort(learners=2)
    vc = _running_class(setup.cohort)
    _enter(bbb, vc, setup.tutor, moderator=True)
    _enter(bbb, vc, setup.learners[0])
    polling.poll_class(vc)
    client.force_login(setup.learners[0])
    url = reverse("live:class_end", args=[vc.uuid])
    assert client.post(url).status_code == 403
    client.force_login(setup.tutor)
    with committed():
        answer = client.post(url, follow=True)
    assert "La classe est terminée" in answer.content.decode()
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED
    assert bbb.control("state")["meetings"][vc.meeting_id]["ended"] is True
    page = client.get(reverse("live:class_detail", args=[vc.uuid])).content.decode()
    assert "Présences de cette classe" in page
    assert setup.learners[1].get_full_name() in page
    again = client.post(url, follow=True)
    assert "déjà terminée" in again.content.decode()


@pytest.mark.django_db
def test_end_with_bbb_down_keeps_the_class_running(client, bbb):
    setup = make_cohort(learners=1)
    vc = _running_class(setup.cohort)
    _enter(bbb, vc, setup.learners[0])
    polling.poll_class(vc)
    client.force_login(setup.tutor)
    bbb.control("set_down", down="true")
    try:
        answer = client.post(reverse("live:class_end", args=[vc.uuid]), follow=True)
    finally:
        bbb.control("set_down", down="false")
    assert "ne répond pas" in answer.content.decode()
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
