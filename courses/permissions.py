"""Who may do what on courses. Every view, API and task of ``courses`` asks here.

Object rules (``lms.permissions.check_object_permission(user, action, obj)``):

* ``courses.manage_course`` (Course): catalogue managers and administrators build
  templates and runs, upload packages.
* ``courses.view_course`` (Course): managers, plus active participants (learners
  and tutors) of that run.
* ``courses.view_reports`` (Course): managers, registrations managers, and the
  run's active tutors. Which *learners* a tutor then sees may be narrowed by a
  higher app (tutoring's group tutors follow only their groups): every report,
  export and submission download filters through ``visible_learner_ids``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lms.permissions import has_role, rule
from lms.roles import Role

MANAGER_ROLES = (Role.CATALOGUE_MANAGER, Role.ADMINISTRATOR)
REPORT_ROLES = (*MANAGER_ROLES, Role.REGISTRATIONS_MANAGER)


def can_manage_courses(user: Any) -> bool:
    return bool(user.is_authenticated and has_role(user, *MANAGER_ROLES))


def _is_participant(user: Any, course: Any, *roles: str) -> bool:
    return course.participants.filter(
        user=user, is_active=True, role__in=roles
    ).exists()


@rule("courses.manage_course")
def _can_manage_course(user: Any, course: Any) -> bool:
    return has_role(user, *MANAGER_ROLES)


@rule("courses.view_course")
def _can_view_course(user: Any, course: Any) -> bool:
    if has_role(user, *MANAGER_ROLES):
        return True
    return _is_participant(user, course, "learner", "tutor")


@rule("courses.view_reports")
def _can_view_reports(user: Any, course: Any) -> bool:
    if has_role(user, *REPORT_ROLES):
        return True
    return _is_participant(user, course, "tutor")


#: ``(user, course) -> set of learner ids | None`` callables registered by higher
#: apps; ``None`` means "no narrowing from me".
LearnerScope = Callable[[Any, Any], "set[int] | None"]
_LEARNER_SCOPES: list[LearnerScope] = []


def register_learner_scope(scope: LearnerScope) -> None:
    """Let a higher app narrow the learners a run's tutor may see (idempotent)."""
    if scope not in _LEARNER_SCOPES:
        _LEARNER_SCOPES.append(scope)


def visible_learner_ids(user: Any, course: Any) -> set[int] | None:
    """The learner ids of ``course`` that ``user`` may see in reports, or ``None``
    for all of them (IFPC staff always; tutors unless a registered scope narrows
    them). Call after ``courses.view_reports`` has been checked."""
    if has_role(user, *REPORT_ROLES):
        return None
    visible: set[int] | None = None
    for scope in _LEARNER_SCOPES:
        ids = scope(user, course)
        if ids is not None:
            visible = set(ids) if visible is None else visible & set(ids)
    return visible
