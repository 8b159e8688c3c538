"""The one attendance record: classes and half-days feed the same totals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from live import attendance
from live.models import AttendanceCorrection, AttendanceInterval, AttendanceRecord
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort
from tutoring.models import Enrolment

pytestmark = pytest.mark.django_db

Status = AttendanceRecord.Status


def _past_class(cohort, minutes_ago=120, duration=60):
    start = timezone.now() - dt.timedelta(minutes=minutes_ago)
    vc = make_class(cohort, starts_at=start, duration_minutes=duration)
    vc.status = vc.Status.ENDED
    vc.ended_at = start + dt.timedelta(minutes=duration)
    vc.save()
    return vc


def _interval(vc, user, start_min, end_min, *, moderator=False):
    return AttendanceInterval.objects.create(
        virtual_class=vc,
        user=user,
        joined_at=vc.starts_at + dt.timedelta(minutes=start_min),
        last_seen_at=vc.starts_at + dt.timedelta(minutes=end_min),
        left_at=vc.starts_at + dt.timedelta(minutes=end_min),
        is_moderator=moderator,
    )


def test_final_class_records_present_partial_absent_and_dashboard_percent(committed):
    setup = make_cohort(learners=3)
    full, half, missing = setup.learners
    vc = _past_class(setup.cohort)
    _interval(vc, full, -10, 35)
    _interval(vc, full, 30, 70)  # a second tab overlapping the first
    _interval(vc, half, 0, 30)
    _interval(vc, setup.tutor, -15, 60, moderator=True)
    with committed():
        changed = attendance.recompute_class_records(vc, final=True)
    assert sorted(changed) == sorted(u.pk for u in setup.learners)
    records = {r.user_id: r for r in AttendanceRecord.objects.filter(virtual_class=vc)}
    assert setup.tutor.pk not in records
    assert (records[full.pk].status, records[full.pk].minutes_attended) == (
        Status.PRESENT,
        60,
    )
    assert (records[half.pk].status, records[half.pk].minutes_attended) == (
        Status.PARTIAL,
        30,
    )
    assert records[missing.pk].status == Status.ABSENT
    percents = dict(
        Enrolment.objects.filter(cohort=setup.cohort).values_list(
            "user_id", "attendance_percent"
        )
    )
    assert percents == {full.pk: 100, half.pk: 50, missing.pk: 0}


def test_corrected_record_survives_recompute_and_keeps_who_when_why(committed):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = _past_class(setup.cohort)
    with committed():
        attendance.recompute_class_records(vc, final=True)
    record = AttendanceRecord.objects.get(virtual_class=vc, user=learner)
    assert record.status == Status.ABSENT
    with pytest.raises(ValidationError):
        attendance.correct_record(
            record,
            status=Status.PRESENT,
            minutes_attended=None,
            reason=" ",
            by=setup.tutor,
        )
    with committed():
        attendance.correct_record(
            record,
            status=Status.PRESENT,
            minutes_attended=None,
            reason="Connecté par téléphone (audio seul)",
            by=setup.tutor,
        )
    with committed():
        attendance.recompute_class_records(vc, final=True)
    record.refresh_from_db()
    assert (record.status, record.minutes_attended, record.is_corrected) == (
        Status.PRESENT,
        60,
        True,
    )
    correction = AttendanceCorrection.objects.get(record=record)
    assert correction.by == setup.tutor
    assert correction.before["status"] == Status.ABSENT
    assert correction.after["status"] == Status.PRESENT
    assert "téléphone" in correction.reason
    assert Enrolment.objects.get(user=learner).attendance_percent == 100


def test_virtual_and_in_person_feed_one_total_and_excused_is_left_out(committed):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = _past_class(setup.cohort, duration=60)
    _interval(vc, learner, 0, 60)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    day = make_day(setup.cohort, date=yesterday)  # 3 h + 3 h
    with committed():
        attendance.recompute_class_records(vc, final=True)
        attendance.mark_half_day(day, "am", learner.pk, Status.PRESENT, source="sheet")
        attendance.mark_half_day(day, "pm", learner.pk, Status.ABSENT, source="sheet")
    summary = attendance.attendance_summary(setup.cohort, learner)
    assert summary.held_minutes == 60 + 180 + 180
    assert summary.attended_minutes == 60 + 180
    assert (summary.virtual_attended_minutes, summary.in_person_attended_minutes) == (
        60,
        180,
    )
    assert summary.percent == round(100 * 240 / 420)
    with committed():
        attendance.mark_half_day(
            day, "pm", learner.pk, Status.EXCUSED, source="sheet", reason="Certificat"
        )
    summary = attendance.attendance_summary(setup.cohort, learner)
    assert summary.excused_minutes == 180
    assert summary.percent == 100
    assert Enrolment.objects.get(user=learner).attendance_percent == 100


def test_future_slots_are_planned_but_not_yet_held():
    setup = make_cohort(learners=1)
    make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(days=2))
    summary = attendance.attendance_summary(setup.cohort, setup.learners[0])
    assert summary.planned_minutes == 60
    assert summary.held_minutes == 0
    assert summary.percent is None


def test_qr_check_in_never_overwrites_a_tutor_mark():
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    day = make_day(setup.cohort)
    attendance.mark_half_day(
        day, "am", learner.pk, Status.EXCUSED, source="sheet", by=setup.tutor
    )
    record, changed = attendance.mark_half_day(
        day, "am", learner.pk, Status.PRESENT, source="qr"
    )
    assert not changed
    assert record.status == Status.EXCUSED
