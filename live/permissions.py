"""Who sees and does what in ``live`` (rules delegate to the cohort's rules).

* ``live.view_slot`` (VirtualClass or InPersonDay): whoever may view the cohort
  (its tutors, group tutors, IFPC staff, its active learners).
* ``live.run_slot`` (VirtualClass or InPersonDay): whoever tutors the cohort
  (schedule, edit, cancel, start/end, take and correct attendance). Group
  tutors only see and mark the learners of their groups: list learners with
  ``tutoring.permissions.scoped_enrolments``.
* ``live.join_class`` (VirtualClass): tutors (as moderators) and active
  learners (as viewers) of the cohort; the join window is checked separately.
"""

from __future__ import annotations

from typing import Any

from lms.permissions import rule
from tutoring.permissions import learner_enrolment, tutor_scope

from .models import InPersonDay, VirtualClass

Slot = VirtualClass | InPersonDay


def is_tutor_of(user: Any, slot: Slot) -> bool:
    return tutor_scope(user, slot.cohort_id).is_tutor


def is_learner_of(user: Any, slot: Slot) -> bool:
    return learner_enrolment(user, slot.cohort_id) is not None


@rule("live.view_slot")
def _can_view_slot(user: Any, slot: Slot) -> bool:
    return is_tutor_of(user, slot) or is_learner_of(user, slot)


@rule("live.run_slot")
def _can_run_slot(user: Any, slot: Slot) -> bool:
    return is_tutor_of(user, slot)


@rule("live.join_class")
def _can_join_class(user: Any, virtual_class: VirtualClass) -> bool:
    if virtual_class.status == VirtualClass.Status.CANCELLED:
        return False
    return is_tutor_of(user, virtual_class) or is_learner_of(user, virtual_class)
