"""Subscriptions of ``certification`` to domain events of ``courses`` and ``live``.

Each handler enqueues one task after commit (``certification.tasks``); the task
re-reads everything and awards the completion attestations the rule now grants
(``certification.rules.award_completions``), so a late, repeated or lost event
can never issue twice or regress anything — session close catches up anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def on_activity_completion_changed(sender: Any, event: Any, **kwargs: Any) -> None:
    """A learner completed (or re-scored) an activity: evaluate their rule."""
    from courses.models import ActivityProgress

    from . import tasks

    if event.state != ActivityProgress.State.COMPLETED:
        return  # nothing the rule counts can have been gained
    course_id, user_id = event.course_id, event.user_id
    transaction.on_commit(
        lambda: tasks.evaluate_course_learners.delay(course_id, [user_id])
    )


def on_attendance_changed(
    sender: Any, cohort_id: int, user_ids: list[int], **kwargs: Any
) -> None:
    """Learners' attendance changed in a cohort: evaluate their rule."""
    from . import tasks

    ids = sorted({int(pk) for pk in user_ids})
    if not ids:
        return
    transaction.on_commit(lambda: tasks.evaluate_cohort_learners.delay(cohort_id, ids))


def connect() -> None:
    """Connect the handlers (``CertificationConfig.ready``)."""
    from courses.events import activity_completion_changed
    from live.events import attendance_changed

    activity_completion_changed.connect(
        on_activity_completion_changed, dispatch_uid="certification.rules_on_activity"
    )
    attendance_changed.connect(
        on_attendance_changed, dispatch_uid="certification.rules_on_attendance"
    )


def ready() -> None:
    """The rules part's ``AppConfig.ready``: handlers and the staff navigation."""
    from django.utils.translation import gettext_lazy as _

    from lms import navigation
    from lms.roles import IFPC_STAFF_ROLES

    connect()
    navigation.register(
        navigation.NavItem(
            "attestations",
            _("Attestations"),
            "certification:sessions",
            60,
            roles=frozenset(IFPC_STAFF_ROLES),
        )
    )
