"""Cohorts, enrolments and the aggregates the tutor dashboard reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import Participant
from courses.services import mark_viewed
from lms.permissions import has_object_permission
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring import aggregates, cohorts
from tutoring.flags import expected_percent, flag_q, flags_of
from tutoring.models import CohortActivityStat, Enrolment
from tutoring.permissions import scoped_enrolments

pytestmark = pytest.mark.django_db


def _funnel(cohort):
    return {
        s.activity_id: (s.started, s.completed)
        for s in CohortActivityStat.objects.filter(cohort=cohort)
    }


def test_completing_an_activity_updates_the_learner_row_and_the_funnel(committed):
    setup = make_cohort(learners=2, activities=4)
    learner = setup.learners[0]
    with committed():
        mark_viewed(learner, setup.activities[0])
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    assert enrolment.progress_percent == 25
    assert enrolment.completed_count == 1
    assert (
        enrolment.activity_states[str(setup.activities[0].pk)]["state"] == "completed"
    )
    assert enrolment.last_activity_at is not None and enrolment.started_at is not None
    assert _funnel(setup.cohort) == {setup.activities[0].pk: (1, 1)}
    other = Enrolment.objects.get(cohort=setup.cohort, user=setup.learners[1])
    assert other.progress_percent == 0 and other.activity_states == {}


def test_repeated_events_do_not_count_twice(committed):
    setup = make_cohort(learners=1, activities=2)
    learner, activity = setup.learners[0], setup.activities[0]
    with committed():
        mark_viewed(learner, activity)
    for _ in range(3):
        aggregates.refresh_learner_activity(learner.pk, setup.course.pk, activity.pk)
    assert _funnel(setup.cohort) == {activity.pk: (1, 1)}


def test_unenrol_keeps_tracking_and_row_and_removes_from_funnel(committed):
    setup = make_cohort(learners=1, activities=2)
    learner = setup.learners[0]
    with committed():
        mark_viewed(learner, setup.activities[0])
    assert cohorts.unenrol(setup.cohort, learner) is True
    assert cohorts.unenrol(setup.cohort, learner) is False
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    assert enrolment.status == Enrolment.Status.WITHDRAWN
    assert enrolment.progress_percent == 50
    assert _funnel(setup.cohort) == {setup.activities[0].pk: (0, 0)}
    assert not Participant.objects.filter(
        course=setup.course, user=learner, is_active=True
    ).exists()
    # Re-enrolment brings the learner back with their progress.
    cohorts.enrol(setup.cohort, learner)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    assert _funnel(setup.cohort) == {setup.activities[0].pk: (1, 1)}


def test_rebuild_cohort_matches_incremental_aggregates(committed):
    setup = make_cohort(learners=3, activities=3)
    with committed():
        mark_viewed(setup.learners[0], setup.activities[0])
    with committed():
        mark_viewed(setup.learners[0], setup.activities[1])
    with committed():
        mark_viewed(setup.learners[1], setup.activities[0])
    before = _funnel(setup.cohort)
    rows_before = {
        e.user_id: (e.progress_percent, e.completed_count, e.activity_states)
        for e in Enrolment.objects.filter(cohort=setup.cohort)
    }
    aggregates.rebuild_cohort(setup.cohort)
    assert _funnel(setup.cohort) == before
    rows_after = {
        e.user_id: (e.progress_percent, e.completed_count, e.activity_states)
        for e in Enrolment.objects.filter(cohort=setup.cohort)
    }
    assert rows_after == rows_before


def test_enrolment_is_idempotent_and_gives_course_access():
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    cohorts.enrol(setup.cohort, learner)
    assert Enrolment.objects.filter(cohort=setup.cohort, user=learner).count() == 1
    assert Participant.objects.filter(
        course=setup.course, user=learner, role="learner", is_active=True
    ).exists()


def test_learner_may_be_in_two_cohorts():
    first = make_cohort(learners=1)
    second = make_cohort(learners=0)
    cohorts.enrol(second.cohort, first.learners[0])
    assert Enrolment.objects.filter(user=first.learners[0]).count() == 2


def test_tutor_role_is_required():
    setup = make_cohort(learners=0)
    with pytest.raises(ValidationError):
        cohorts.set_tutors(setup.cohort, [UserFactory(roles=[Role.TEACHER])])


def test_permission_matrix_between_cohorts_and_groups():
    a = make_cohort(learners=2)
    b = make_cohort(learners=1)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    group = make_group(a.cohort, "Groupe 1", tutor=group_tutor, members=[a.learners[0]])
    staff = UserFactory(roles=[Role.REGISTRATIONS_MANAGER])
    assert has_object_permission(a.tutor, "tutoring.tutor_cohort", a.cohort)
    assert not has_object_permission(a.tutor, "tutoring.view_cohort", b.cohort)
    assert not has_object_permission(b.learners[0], "tutoring.view_cohort", a.cohort)
    assert has_object_permission(a.learners[1], "tutoring.view_cohort", a.cohort)
    assert not has_object_permission(a.learners[1], "tutoring.tutor_cohort", a.cohort)
    assert not has_object_permission(a.learners[1], "tutoring.view_group", group)
    assert has_object_permission(a.learners[0], "tutoring.view_group", group)
    assert has_object_permission(staff, "tutoring.manage_cohort", b.cohort)
    assert not has_object_permission(a.tutor, "tutoring.manage_cohort", a.cohort)
    assert list(
        scoped_enrolments(group_tutor, a.cohort).values_list("user", flat=True)
    ) == [a.learners[0].pk]
    assert scoped_enrolments(group_tutor, b.cohort).count() == 0
    assert scoped_enrolments(a.tutor, a.cohort).count() == 2


def test_flags_follow_the_schedule_and_inactivity(committed):
    today = timezone.localdate()
    setup = make_cohort(
        learners=2,
        activities=2,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=10),
    )
    idle, busy = setup.learners
    Enrolment.objects.filter(user=idle).update(
        enrolled_at=timezone.now() - dt.timedelta(days=29)
    )
    with committed():
        mark_viewed(busy, setup.activities[0])
    with committed():
        mark_viewed(busy, setup.activities[1])
    cohort = setup.cohort
    idle_row = Enrolment.objects.get(cohort=cohort, user=idle)
    assert set(flags_of(idle_row, cohort)) == {
        "not_started",
        "inactive",
        "behind",
        "at_risk",
    }
    assert flags_of(Enrolment.objects.get(cohort=cohort, user=busy), cohort) == []
    for flag in ("not_started", "inactive", "behind", "at_risk"):
        users = set(
            Enrolment.objects.filter(flag_q(cohort, flag)).values_list(
                "user", flat=True
            )
        )
        assert users == {idle.pk}, flag
    # A personal deadline far away puts the idle learner back on schedule.
    cohorts.extend_deadline([idle_row], today + dt.timedelta(days=300))
    idle_row.refresh_from_db()
    assert "behind" not in flags_of(idle_row, cohort)
    assert not Enrolment.objects.filter(flag_q(cohort, "behind")).exists()


def test_expected_percent_is_linear_and_bounded():
    start = dt.date(2027, 1, 1)
    end = dt.date(2027, 1, 11)
    assert expected_percent(start, end, dt.date(2026, 12, 1)) == 0
    assert expected_percent(start, end, dt.date(2027, 1, 6)) == 50
    assert expected_percent(start, end, dt.date(2027, 2, 1)) == 100
