"""Who sees and does what in ``tutoring``. Every view and consumer asks here.

Object rules (``lms.permissions.check_object_permission(user, action, obj)``):

* ``tutoring.view_cohort`` (Cohort): IFPC staff, the cohort's tutors, the tutors
  of one of its groups, and its active learners.
* ``tutoring.tutor_cohort`` (Cohort): IFPC staff, cohort tutors and group tutors.
  A group tutor's *rows* are limited to their groups: use ``tutor_scope`` /
  ``scoped_enrolments`` for every list.
* ``tutoring.manage_cohort`` (Cohort): IFPC staff (catalogue and registrations
  managers, administrators): tutors, groups, enrolments.
* ``tutoring.view_group`` (CohortGroup): staff, cohort tutors, the group's tutor
  and the group's active learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from lms.permissions import has_role, rule
from lms.roles import IFPC_STAFF_ROLES

from .models import Cohort, CohortGroup, CohortTutor, Enrolment


def is_ifpc_staff(user: Any) -> bool:
    return bool(user.is_authenticated and has_role(user, *IFPC_STAFF_ROLES))


@dataclass(frozen=True, slots=True)
class TutorScope:
    """What a person may follow as a tutor in one cohort.

    ``whole_cohort``: every learner (staff and cohort tutors); otherwise only the
    learners of ``group_ids`` (groups this person tutors). Empty = not a tutor.
    """

    whole_cohort: bool
    group_ids: frozenset[int]

    @property
    def is_tutor(self) -> bool:
        return self.whole_cohort or bool(self.group_ids)

    def allows_group(self, group_id: int | None) -> bool:
        return self.whole_cohort or (
            group_id is not None and group_id in self.group_ids
        )


NO_SCOPE = TutorScope(False, frozenset())


def tutor_scope(user: Any, cohort: Cohort | int) -> TutorScope:
    """The tutor scope of ``user`` in ``cohort`` (two small queries at most)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    if is_ifpc_staff(user):
        return TutorScope(True, frozenset())
    if CohortTutor.objects.filter(cohort_id=cohort_id, user=user).exists():
        return TutorScope(True, frozenset())
    groups = CohortGroup.objects.filter(cohort_id=cohort_id, tutor=user)
    return TutorScope(False, frozenset(groups.values_list("pk", flat=True)))


def scoped_enrolments(
    user: Any, cohort: Cohort, *, include_withdrawn: bool = False
) -> QuerySet[Enrolment]:
    """Enrolments of ``cohort`` that ``user`` may see as a tutor (none otherwise)."""
    scope = tutor_scope(user, cohort)
    queryset = Enrolment.objects.filter(cohort=cohort)
    if not include_withdrawn:
        queryset = queryset.filter(status=Enrolment.Status.ACTIVE)
    if scope.whole_cohort:
        return queryset
    if scope.group_ids:
        return queryset.filter(group_id__in=scope.group_ids)
    return queryset.none()


def learner_enrolment(user: Any, cohort: Cohort | int) -> Enrolment | None:
    """The active enrolment of ``user`` in ``cohort``, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    return Enrolment.objects.active().filter(cohort_id=cohort_id, user=user).first()


def cohorts_tutored_by(user: Any) -> QuerySet[Cohort]:
    """Cohorts where ``user`` tutors the cohort or one of its groups."""
    return Cohort.objects.filter(
        Q(tutor_links__user=user) | Q(groups__tutor=user)
    ).distinct()


def cohorts_followed_by(user: Any) -> QuerySet[Cohort]:
    """Cohorts where ``user`` is an active learner."""
    return Cohort.objects.filter(
        enrolments__user=user, enrolments__status=Enrolment.Status.ACTIVE
    )


@rule("tutoring.view_cohort")
def _can_view_cohort(user: Any, cohort: Cohort) -> bool:
    return (
        tutor_scope(user, cohort).is_tutor
        or learner_enrolment(user, cohort) is not None
    )


@rule("tutoring.tutor_cohort")
def _can_tutor_cohort(user: Any, cohort: Cohort) -> bool:
    return tutor_scope(user, cohort).is_tutor


@rule("tutoring.manage_cohort")
def _can_manage_cohort(user: Any, cohort: Cohort) -> bool:
    return is_ifpc_staff(user)


@rule("tutoring.view_group")
def _can_view_group(user: Any, group: CohortGroup) -> bool:
    if tutor_scope(user, group.cohort_id).allows_group(group.pk):
        return True
    enrolment = learner_enrolment(user, group.cohort_id)
    return enrolment is not None and enrolment.group_id == group.pk


def course_learner_scope(user: Any, course: Any) -> set[int] | None:
    """For ``courses.permissions.register_learner_scope``: on a run followed by
    cohorts, a person who tutors only groups (not a whole cohort) sees only the
    learners of those groups in the course reports and submission downloads;
    someone who tutors neither the cohort nor a group of it sees nobody."""
    if not getattr(user, "is_authenticated", False):
        return None
    cohort_ids = list(Cohort.objects.filter(course=course).values_list("pk", flat=True))
    if not cohort_ids:
        return None
    if CohortTutor.objects.filter(cohort_id__in=cohort_ids, user=user).exists():
        return None
    group_ids = list(
        CohortGroup.objects.filter(cohort_id__in=cohort_ids, tutor=user).values_list(
            "pk", flat=True
        )
    )
    # Neither a cohort tutor nor a group tutor any more (e.g. a former group
    # tutor who kept course access): nobody.
    return set(
        Enrolment.objects.filter(group_id__in=group_ids).values_list(
            "user_id", flat=True
        )
    )
