"""Builders for ``tutoring`` tests: a cohort on a course run with activities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from courses.models import Activity, Course
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory
from tutoring import cohorts
from tutoring.models import Cohort, CohortGroup, Enrolment


@dataclass
class CohortSetup:
    cohort: Cohort
    course: Course
    activities: list[Activity]
    tutor: object
    learners: list


def make_run(
    activity_count: int = 3, *, kind: str = Activity.Kind.PAGE
) -> tuple[Course, list[Activity]]:
    """A course run (not a template) with one module of ``activity_count``
    required activities completed by viewing (or of ``kind``)."""
    template = CourseFactory()
    run = CourseFactory(source=template)
    module = ModuleFactory(course=run, position=1)
    rule = (
        Activity.CompletionRule.SUBMISSION_ACCEPTED
        if kind == Activity.Kind.ASSIGNMENT
        else Activity.CompletionRule.VIEWED
    )
    activities = [
        ActivityFactory(module=module, position=i, kind=kind, completion_rule=rule)
        for i in range(activity_count)
    ]
    return run, activities


def make_cohort(
    *,
    learners: int = 3,
    activities: int = 3,
    code: str | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    tutor=None,
    kind: str = Activity.Kind.PAGE,
) -> CohortSetup:
    """A cohort on a fresh run, with a lead tutor and enrolled teachers."""
    run, acts = make_run(activities, kind=kind)
    today = timezone.localdate()
    cohort = cohorts.create_cohort(
        code=code or f"COH-{run.pk}",
        title=f"Cohorte {run.pk}",
        starts_on=starts_on or today - dt.timedelta(days=10),
        ends_on=ends_on or today + dt.timedelta(days=30),
        course=run,
    )
    tutor = tutor or UserFactory(roles=[Role.TUTOR])
    cohorts.set_tutors(cohort, [tutor], lead=tutor)
    people = [UserFactory(roles=[Role.TEACHER]) for _ in range(learners)]
    for person in people:
        cohorts.enrol(cohort, person)
    return CohortSetup(cohort, run, acts, tutor, people)


def make_group(cohort: Cohort, name: str, *, tutor=None, members=()) -> CohortGroup:
    group = cohorts.create_group(cohort, name, tutor=tutor)
    for member in members:
        cohorts.assign_group(Enrolment.objects.get(cohort=cohort, user=member), group)
    return group
