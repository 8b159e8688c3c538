"""Subscriptions of ``tutoring`` to domain events of ``catalogue`` and ``courses``.

Handlers run after the sender's transaction committed. A failure here must not
fail the teacher's registration or SCORM commit: it is logged, and the nightly
``tutoring.tasks.rebuild_aggregates`` repairs enrolments and aggregates.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def on_registration_accepted(sender: Any, event: Any, **kwargs: Any) -> None:
    from catalogue.models import Session
    from lms.models import User

    from .cohorts import enrol, ensure_cohort_for_session
    from .models import Enrolment

    try:
        session = Session.objects.select_related("training").get(pk=event.session_id)
        cohort = ensure_cohort_for_session(session)
        if cohort is None:
            logger.warning(
                "no cohort for session=%s (status %s)", session.pk, session.status
            )
            return
        enrol(
            cohort,
            User.objects.get(pk=event.user_id),
            source=Enrolment.Source.REGISTRATION,
            registration_id=event.registration_id,
        )
    except Exception:
        logger.exception("enrolment from registration=%s failed", event.registration_id)


def on_registration_cancelled(sender: Any, event: Any, **kwargs: Any) -> None:
    from lms.models import User

    from .cohorts import unenrol
    from .models import Cohort

    if not event.was_accepted:
        return
    try:
        cohort = Cohort.objects.filter(session_id=event.session_id).first()
        if cohort is not None:
            unenrol(cohort, User.objects.get(pk=event.user_id))
    except Exception:
        logger.exception(
            "unenrolment for registration=%s failed", event.registration_id
        )


def on_session_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .cohorts import COHORT_SESSION_STATUSES, ensure_cohort_for_session

    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "status" not in update_fields:
        return  # e.g. a registration taking a seat: the status did not change
    if instance.status not in COHORT_SESSION_STATUSES:
        return

    def create() -> None:
        try:
            ensure_cohort_for_session(instance)
        except Exception:
            logger.exception("cohort creation for session=%s failed", instance.pk)

    transaction.on_commit(create)


def on_session_tutors_changed(
    sender: Any, instance: Any, action: str, **kwargs: Any
) -> None:
    from catalogue.models import Session

    from .cohorts import sync_session_tutors

    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(
        instance, Session
    ):
        return
    transaction.on_commit(lambda: sync_session_tutors(instance))


def on_activity_completion_changed(sender: Any, event: Any, **kwargs: Any) -> None:
    from .aggregates import refresh_learner_activity

    try:
        refresh_learner_activity(event.user_id, event.course_id, event.activity_id)
    except Exception:
        logger.exception(
            "aggregate refresh failed user=%s activity=%s",
            event.user_id,
            event.activity_id,
        )


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_save

    from catalogue.events import registration_accepted, registration_cancelled
    from catalogue.models import Session
    from courses.events import activity_completion_changed

    registration_accepted.connect(
        on_registration_accepted, dispatch_uid="tutoring.enrol_on_acceptance"
    )
    registration_cancelled.connect(
        on_registration_cancelled, dispatch_uid="tutoring.unenrol_on_cancellation"
    )
    post_save.connect(
        on_session_saved, sender=Session, dispatch_uid="tutoring.session_cohort"
    )
    m2m_changed.connect(
        on_session_tutors_changed,
        sender=Session.tutors.through,
        dispatch_uid="tutoring.session_tutors",
    )
    activity_completion_changed.connect(
        on_activity_completion_changed, dispatch_uid="tutoring.aggregates"
    )
