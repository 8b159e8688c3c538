"""Builders of the dashboard tests: learners with chosen names and aggregates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lms.roles import Role
from tests.factories import UserFactory
from tutoring import cohorts
from tutoring.models import Cohort, Enrolment


def add_learner(
    cohort: Cohort,
    first: str,
    last: str,
    *,
    email: str | None = None,
    group: Any = None,
    **aggregates: Any,
) -> Enrolment:
    """Enrol a new teacher and set their dashboard aggregates directly."""
    extra = {"email": email} if email else {}
    user = UserFactory(roles=[Role.TEACHER], first_name=first, last_name=last, **extra)
    enrolment = cohorts.enrol(cohort, user, group=group)
    if aggregates:
        Enrolment.objects.filter(pk=enrolment.pk).update(**aggregates)
        enrolment.refresh_from_db()
    return enrolment


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)
