"""Builders of the assignments / nudges tests: a cohort whose course holds
assignments, submissions handed in through the courses service."""

from __future__ import annotations

from courses.models import Activity, Submission
from courses.services import submit_assignment
from tests.factories.tutoring import CohortSetup, make_cohort
from tutoring.assignments import set_rubric

RUBRIC = [
    ("Pertinence", "La séquence répond au besoin décrit.", 4),
    ("Usage du numérique", "L'outil sert l'apprentissage.", 6),
]


def assignment_cohort(
    *, learners: int = 2, activities: int = 2, **kwargs
) -> CohortSetup:
    """A cohort whose course holds ``activities`` assignments (completed when a
    submission is accepted)."""
    return make_cohort(
        learners=learners,
        activities=activities,
        kind=Activity.Kind.ASSIGNMENT,
        **kwargs,
    )


def with_rubric(setup: CohortSetup, activity: Activity | None = None):
    """Give the (first) assignment the two-criterion ``RUBRIC``; returns criteria."""
    return set_rubric(activity or setup.activities[0], RUBRIC, by=setup.tutor)


def hand_in(
    learner, activity: Activity, text: str = "Ma séquence de cours."
) -> Submission:
    return submit_assignment(learner, activity, text)
