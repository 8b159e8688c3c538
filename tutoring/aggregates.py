"""The tutor dashboard's figures, maintained on events instead of per page view.

``courses.events.activity_completion_changed`` → ``refresh_learner_activity``:
re-reads the learner's current ``ActivityProgress`` row (never trusts the order
in which events arrive, so a late or repeated event cannot regress anything),
updates the enrolment's aggregates under its row lock, adjusts the cohort's
completion funnel by the difference, and pushes a ``dashboard.update`` to the
cohort's open dashboards after commit. ``rebuild_enrolment`` /
``rebuild_cohort`` recompute everything from the tracking tables (used on
enrolment, nightly by beat, and by ``manage.py rebuild_tutoring_aggregates``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.models import Activity, ActivityProgress
from courses.progress import course_percent_for_module, course_progress
from lms.realtime import ROOMS_LAYER, broadcast

from .models import Cohort, CohortActivityStat, Enrolment
from .realtime import dashboard_group

logger = logging.getLogger(__name__)

STARTED = (ActivityProgress.State.IN_PROGRESS, ActivityProgress.State.COMPLETED)
COMPLETED = ActivityProgress.State.COMPLETED


def _entry(progress: ActivityProgress) -> dict[str, Any]:
    return {
        "state": progress.state,
        "score": float(progress.score) if progress.score is not None else None,
    }


def _average(states: Mapping[str, Mapping[str, Any]]) -> Decimal | None:
    scores = [s["score"] for s in states.values() if s.get("score") is not None]
    if not scores:
        return None
    return Decimal(str(round(sum(scores) / len(scores), 2)))


def _flags(entry: Mapping[str, Any] | None) -> tuple[int, int]:
    """(started, completed) as 0/1 for one stored activity entry."""
    state = (entry or {}).get("state")
    return int(state in STARTED), int(state == COMPLETED)


def _bump(cohort_id: int, activity_id: int, started: int, completed: int) -> None:
    if not started and not completed:
        return
    CohortActivityStat.objects.get_or_create(
        cohort_id=cohort_id, activity_id=activity_id
    )
    CohortActivityStat.objects.filter(
        cohort_id=cohort_id, activity_id=activity_id
    ).update(started=F("started") + started, completed=F("completed") + completed)


def refresh_learner_activity(user_id: int, course_id: int, activity_id: int) -> int:
    """Bring every enrolment of ``user_id`` in cohorts of ``course_id`` up to date
    for ``activity_id``. Returns how many enrolments changed."""
    enrolment_ids = list(
        Enrolment.objects.filter(
            user_id=user_id, cohort__course_id=course_id
        ).values_list("pk", flat=True)
    )
    changed = 0
    for enrolment_id in enrolment_ids:
        if _refresh_one(enrolment_id, user_id, course_id, activity_id):
            changed += 1
    return changed


@transaction.atomic
def _refresh_one(
    enrolment_id: int, user_id: int, course_id: int, activity_id: int
) -> bool:
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_id)
    progress = (
        ActivityProgress.objects.filter(user_id=user_id, activity_id=activity_id)
        .select_related("activity")
        .only("state", "score", "activity__module_id")
        .first()
    )
    key = str(activity_id)
    states = dict(enrolment.activity_states or {})
    before = states.get(key)
    after = _entry(progress) if progress is not None else None
    if after is None or after == before:
        return False
    states[key] = after
    now = timezone.now()
    enrolment.activity_states = states
    enrolment.completed_count = sum(
        1 for s in states.values() if s["state"] == COMPLETED
    )
    enrolment.average_score = _average(states)
    # One plain-SQL count (the figure ``course_progress`` gives, without
    # loading the course's activities): this runs on every completion event.
    _course_id, enrolment.progress_percent = course_percent_for_module(
        user_id, progress.activity.module_id
    )
    enrolment.last_activity_at = now
    if enrolment.started_at is None and after["state"] in STARTED:
        enrolment.started_at = now
    enrolment.save(
        update_fields=[
            "activity_states",
            "completed_count",
            "average_score",
            "progress_percent",
            "last_activity_at",
            "started_at",
            "updated_at",
        ]
    )
    if enrolment.status == Enrolment.Status.ACTIVE:
        (s0, c0), (s1, c1) = _flags(before), _flags(after)
        _bump(enrolment.cohort_id, activity_id, s1 - s0, c1 - c0)
    payload = {
        "enrolment_id": enrolment.pk,
        "user_id": user_id,
        "activity_id": activity_id,
        "state": after["state"],
        "score": after["score"],
        "progress_percent": enrolment.progress_percent,
        "completed_count": enrolment.completed_count,
        "last_activity_at": now.isoformat(),
        "group_id": enrolment.group_id,
    }
    cohort_id = enrolment.cohort_id
    transaction.on_commit(
        lambda: _safe_broadcast(dashboard_group(cohort_id), "dashboard.update", payload)
    )
    return True


def _safe_broadcast(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """A dashboard that misses a push still shows the truth on reload: never let a
    channel-layer outage fail the learner's request."""
    try:
        broadcast(group, event_type, payload, alias=ROOMS_LAYER)
    except Exception:  # noqa: BLE001 - the data is committed; the push is best effort
        logger.warning("dashboard push failed group=%s", group, exc_info=True)


def _states_from_tracking(user_id: int, course_id: int) -> dict[str, dict[str, Any]]:
    rows = ActivityProgress.objects.filter(
        user_id=user_id, activity__module__course_id=course_id
    ).exclude(state=ActivityProgress.State.NOT_STARTED, score__isnull=True)
    return {str(row.activity_id): _entry(row) for row in rows}


@transaction.atomic
def rebuild_enrolment(enrolment: Enrolment) -> Enrolment:
    """Recompute one enrolment's aggregates from tracking, and fix the funnel by
    the difference (for an active enrolment). Idempotent."""
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    course_id = locked.cohort.course_id
    old = dict(locked.activity_states or {})
    new = _states_from_tracking(locked.user_id, course_id) if course_id else {}
    if locked.status == Enrolment.Status.ACTIVE:
        for key in set(old) | set(new):
            (s0, c0), (s1, c1) = _flags(old.get(key)), _flags(new.get(key))
            _bump(locked.cohort_id, int(key), s1 - s0, c1 - c0)
    locked.activity_states = new
    locked.completed_count = sum(1 for s in new.values() if s["state"] == COMPLETED)
    locked.average_score = _average(new)
    locked.progress_percent = (
        course_progress(locked.user_id, course_id).percent if course_id else 0
    )
    if new and locked.started_at is None:
        first = (
            ActivityProgress.objects.filter(
                user_id=locked.user_id, activity__module__course_id=course_id
            )
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        locked.started_at = first
    if new and locked.last_activity_at is None:
        locked.last_activity_at = (
            ActivityProgress.objects.filter(
                user_id=locked.user_id, activity__module__course_id=course_id
            )
            .order_by("-updated_at")
            .values_list("updated_at", flat=True)
            .first()
        )
    locked.save()
    enrolment.refresh_from_db()
    return enrolment


@transaction.atomic
def withdraw_from_stats(enrolment: Enrolment) -> None:
    """Remove an enrolment's contribution to its cohort's funnel (on unenrol)."""
    for key, entry in (enrolment.activity_states or {}).items():
        started, completed = _flags(entry)
        _bump(enrolment.cohort_id, int(key), -started, -completed)


def rebuild_cohort(cohort: Cohort) -> int:
    """Recompute every enrolment of ``cohort`` and its funnel from scratch."""
    with transaction.atomic():
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        CohortActivityStat.objects.filter(cohort=cohort).delete()
        Enrolment.objects.filter(cohort=cohort).update(activity_states={})
    count = 0
    for enrolment in Enrolment.objects.filter(cohort=cohort).iterator(chunk_size=500):
        rebuild_enrolment(enrolment)
        count += 1
    return count


def set_attendance_percent(cohort: Cohort, user: Any, percent: int | None) -> None:
    """Record a learner's attendance % in a cohort (fed by the live classes app)."""
    if percent is not None and not 0 <= percent <= 100:
        raise ValueError("attendance percent out of range")
    Enrolment.objects.filter(cohort=cohort, user=user).update(
        attendance_percent=percent, updated_at=timezone.now()
    )


def cohort_activities(cohort: Cohort) -> list[Activity]:
    """The cohort's course activities in course order (the dashboard columns)."""
    if not cohort.course_id:
        return []
    return list(
        Activity.objects.filter(module__course_id=cohort.course_id).order_by(
            "module__position", "module_id", "position", "id"
        )
    )
