"""Builders for the rules part: a training with a course template, a session and
its cohort on a run copied from the template, attendance and progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import Session, TrainingPage
from courses.models import Activity, ActivityProgress, Course, Submission
from courses.progress import record_progress
from live.models import AttendanceRecord, VirtualClass
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory
from tests.factories.live import make_class
from tutoring import cohorts
from tutoring.models import Cohort

Kind = Activity.Kind


@dataclass
class RuleSetup:
    training: TrainingPage
    session: Session
    cohort: Cohort
    template: Course
    template_activities: dict[str, Activity]
    run_activities: dict[str, Activity]
    learners: list = field(default_factory=list)


DEFAULT_ACTIVITIES: tuple[tuple[str, str, bool], ...] = (
    ("Lecture", Kind.PAGE, True),
    ("Quiz", Kind.H5P, True),
    ("Bonus", Kind.PAGE, False),
    ("Classe", Kind.LIVE_CLASS, True),
)


def make_rule_setup(
    *,
    learners: int = 2,
    activities: tuple[tuple[str, str, bool], ...] = DEFAULT_ACTIVITIES,
    sync_hours: int = 2,
    async_hours: int = 4,
    competences: tuple[str, ...] = ("2.1", "3.1"),
    starts_in_days: int = -10,
    length_days: int = 2,
    training: TrainingPage | None = None,
) -> RuleSetup:
    """A session (over by default) whose cohort follows a run of the training's
    template; ``activities`` are (title, kind, is_required) of the template."""
    template = CourseFactory()
    module = ModuleFactory(course=template, position=1)
    for position, (title, kind, required) in enumerate(activities):
        ActivityFactory(
            module=module,
            position=position,
            title=title,
            kind=kind,
            is_required=required,
            completion_rule=(
                Activity.CompletionRule.SUBMISSION_ACCEPTED
                if kind == Kind.ASSIGNMENT
                else Activity.CompletionRule.VIEWED
            ),
        )
    if training is None:
        training = make_training(
            competences=list(competences),
            sync_hours=sync_hours,
            async_hours=async_hours,
            course_template=template,
        )
    else:
        training.course_template = template
        training.save(update_fields=["course_template"])
    session = make_session(
        training, starts_in_days=starts_in_days, length_days=length_days
    )
    cohort = cohorts.ensure_cohort_for_session(session)
    people = [UserFactory(roles=[Role.TEACHER]) for _ in range(learners)]
    for person in people:
        cohorts.enrol(cohort, person)
    template_acts = {
        a.title: a for a in Activity.objects.filter(module__course=template)
    }
    run_acts = {
        a.title: a for a in Activity.objects.filter(module__course=cohort.course)
    }
    return RuleSetup(
        training, session, cohort, template, template_acts, run_acts, people
    )


def past_class(cohort: Cohort, minutes: int = 100, days_ago: int = 2) -> VirtualClass:
    """A virtual class of the cohort, already over."""
    return make_class(
        cohort,
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
        duration_minutes=minutes,
        status=VirtualClass.Status.ENDED,
    )


def attend(vc: VirtualClass, user, minutes: int) -> AttendanceRecord:
    """A learner's attendance record of ``minutes`` at ``vc``."""
    return AttendanceRecord.objects.create(
        cohort=vc.cohort,
        user=user,
        virtual_class=vc,
        status=(
            AttendanceRecord.Status.PRESENT
            if minutes >= vc.duration_minutes
            else AttendanceRecord.Status.PARTIAL
            if minutes
            else AttendanceRecord.Status.ABSENT
        ),
        minutes_planned=vc.duration_minutes,
        minutes_attended=minutes,
        source=AttendanceRecord.Source.BBB,
    )


def complete(
    user,
    activity: Activity,
    *,
    score: Decimal | str | None = None,
    on: dt.date | None = None,
) -> ActivityProgress:
    """The learner completes ``activity`` (with a score), on day ``on`` if given."""
    progress = record_progress(
        user,
        activity,
        viewed=True,
        score_percent=Decimal(score) if score is not None else None,
    )
    if on is not None:
        moment = timezone.make_aware(dt.datetime.combine(on, dt.time(15, 0)))
        ActivityProgress.objects.filter(pk=progress.pk).update(completed_at=moment)
    return progress


def accept_work(user, activity: Activity, *, on: dt.date | None = None) -> Submission:
    """An accepted submission of ``user`` (handed in on ``on`` if given)."""
    submission = Submission.objects.create(
        activity=activity, user=user, text="Mon travail", status="accepted"
    )
    record_progress(user, activity, submission_accepted=True)
    if on is not None:
        moment = timezone.make_aware(dt.datetime.combine(on, dt.time(15, 0)))
        Submission.objects.filter(pk=submission.pk).update(created_at=moment)
    return submission


def complete_all(setup: RuleSetup, user) -> None:
    """Every required non-slot activity of the run, completed by ``user``."""
    for activity in setup.run_activities.values():
        if activity.is_required and activity.kind not in (
            Kind.LIVE_CLASS,
            Kind.IN_PERSON_DAY,
        ):
            if activity.kind == Kind.ASSIGNMENT:
                accept_work(user, activity)
            else:
                complete(user, activity)


@pytest.fixture
def no_side_tasks(monkeypatch):
    """Issuing schedules no PDF rendering or delivery (other parts' tasks)."""
    monkeypatch.setattr("certification.issuance._after_commit", lambda ids: None)
