"""Learner progress on activities and courses; completion is monotonic.

``record_progress`` is the only writer of ``ActivityProgress``: tracking (SCORM
commits, H5P results), pages and files (viewed), assignments (accepted) all go
through it. It evaluates the activity's completion rule and, when the learner's
state, best score or pass/fail changes, sends
``courses.events.activity_completion_changed`` once the transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from courses.events import ActivityCompletionChanged, activity_completion_changed
from courses.models import Activity, ActivityProgress, Course, Module

logger = logging.getLogger(__name__)

Rule = Activity.CompletionRule
State = ActivityProgress.State
_CENT = Decimal("0.01")
# Table names for the plain-SQL hot paths come from the models; every value is
# a query parameter.
_ACTIVITY = Activity._meta.db_table
_MODULE = Module._meta.db_table
_PROGRESS = ActivityProgress._meta.db_table


@dataclass(frozen=True, slots=True)
class CourseProgress:
    """A learner's progress through a course run.

    ``percent`` counts REQUIRED activities only (0 when the course has none);
    ``next_activity`` is the first required activity, in course order, that is
    neither completed nor locked by prerequisites. ``activities`` lists every
    activity in course order (with ``prerequisites`` prefetched).
    """

    percent: int
    completed_required: int
    total_required: int
    next_activity: Activity | None
    progress_by_activity: dict[int, ActivityProgress]
    activities: list[Activity]


def _user_id(user: Any) -> int:
    return user if isinstance(user, int) else user.pk


def _as_percent(value: float | Decimal) -> Decimal:
    clamped = min(max(Decimal(str(value)), Decimal(0)), Decimal(100))
    return clamped.quantize(_CENT, rounding=ROUND_HALF_UP)


def _rule_holds(
    activity: Activity,
    progress: ActivityProgress,
    *,
    viewed: bool,
    completed: bool | None,
    submission_accepted: bool | None,
) -> bool:
    rule = activity.completion_rule
    if rule == Rule.VIEWED:
        return viewed
    if rule == Rule.COMPLETED:
        return bool(completed)
    if rule == Rule.PASSED:
        return progress.is_passed is True
    if rule == Rule.MIN_SCORE:
        threshold = activity.min_score if activity.min_score is not None else 0
        return progress.score is not None and progress.score >= threshold
    if rule == Rule.SUBMISSION_ACCEPTED:
        return bool(submission_accepted)
    logger.warning("unknown completion rule %r on activity %s", rule, activity.pk)
    return False


def record_progress(
    user: Any,
    activity: Activity,
    *,
    viewed: bool = False,
    completed: bool | None = None,
    passed: bool | None = None,
    score_percent: float | Decimal | None = None,
    time_seconds: float | None = None,
    submission_accepted: bool | None = None,
) -> ActivityProgress:
    """Record what a learner did on ``activity`` and re-evaluate its completion.

    ``user`` is a user (or a user id). Each argument is news, never a reset:

    * ``viewed`` — the learner opened the activity (sets ``first_viewed_at``);
    * ``completed`` — the content reports itself completed (``False``/``None``
      change nothing: completion never regresses);
    * ``passed`` — success status; ``True`` is sticky (a later ``False`` in the
      same or another attempt does not undo a pass);
    * ``score_percent`` — 0–100 (clamped); the best score is kept;
    * ``time_seconds`` — seconds to ADD to the time spent;
    * ``submission_accepted`` — a tutor accepted the learner's submission.

    The row is locked (``select_for_update``) for the read-modify-write. The
    state goes NOT_STARTED → IN_PROGRESS → COMPLETED and never back. When the
    state, the best score or pass/fail changes, ``activity_completion_changed``
    is sent after the transaction commits (never for a rolled-back one).
    """
    user_id = _user_id(user)
    # No savepoint: inside a caller's transaction a failure aborts it anyway.
    with transaction.atomic(savepoint=False):
        progress = _lock_progress(user_id, activity)
        before = (progress.state, progress.score, progress.is_passed)
        changed: set[str] = set()
        now = timezone.now()
        saw = viewed or bool(completed) or passed is not None
        saw = saw or score_percent is not None or bool(submission_accepted)
        if saw and progress.first_viewed_at is None:
            progress.first_viewed_at = now
            changed.add("first_viewed_at")
        if score_percent is not None:
            score = _as_percent(score_percent)
            if progress.score is None or score > progress.score:
                progress.score = score
                changed.add("score")
        if passed is True and progress.is_passed is not True:
            progress.is_passed = True
            changed.add("is_passed")
        elif passed is False and progress.is_passed is None:
            progress.is_passed = False
            changed.add("is_passed")
        if time_seconds and time_seconds > 0:
            progress.total_time_seconds += float(time_seconds)
            changed.add("total_time_seconds")
        if progress.state != State.COMPLETED:
            if _rule_holds(
                activity,
                progress,
                viewed=saw,
                completed=completed,
                submission_accepted=submission_accepted,
            ):
                progress.state = State.COMPLETED
                progress.completed_at = now
                changed.update({"state", "completed_at"})
            elif saw and progress.state == State.NOT_STARTED:
                progress.state = State.IN_PROGRESS
                changed.add("state")
        if changed:
            progress.updated_at = now
            _write_fields(progress, changed)
        after = (progress.state, progress.score, progress.is_passed)
        if after != before:
            _send_on_commit(progress, activity, previous_state=before[0])
    return progress


_SELECT_PROGRESS_SQL = f"""
    SELECT * FROM {_PROGRESS} WHERE user_id = %s AND activity_id = %s
"""  # noqa: S608


def _lock_progress(user_id: int, activity: Activity) -> ActivityProgress:
    """The learner's progress row on ``activity``, locked (created when missing).

    Plain SQL on the hot path (every tracked result): building the ORM query
    costs more CPU than running it.
    """
    # SQLite (the embedded default) has no row locks: it serialises writers.
    sql = _SELECT_PROGRESS_SQL
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    rows = list(ActivityProgress.objects.raw(sql, [user_id, activity.pk]))
    if rows:
        rows[0].activity = activity
        return rows[0]
    progress, _created = ActivityProgress.objects.select_for_update().get_or_create(
        user_id=user_id, activity=activity
    )
    return progress


def _write_fields(progress: ActivityProgress, names: set[str]) -> None:
    """``UPDATE`` the given fields of ``progress`` (and ``updated_at``) in plain SQL."""
    fields = [ActivityProgress._meta.get_field(name) for name in sorted(names)]
    fields.append(ActivityProgress._meta.get_field("updated_at"))
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = %s" for f in fields
    )
    values = [
        f.get_db_prep_save(getattr(progress, f.attname), connection) for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_PROGRESS} SET {assignments} WHERE id = %s",  # noqa: S608
            [*values, progress.pk],
        )


def add_time_spent(user: Any, activity: Activity, seconds: float) -> None:
    """Add ``seconds`` to the learner's time on ``activity`` (one UPDATE).

    For news that is only time (no rule can change, no event); falls back to
    ``record_progress`` when the learner has no progress row yet.
    """
    if seconds <= 0:
        return
    updated = ActivityProgress.objects.filter(
        user_id=_user_id(user), activity=activity
    ).update(
        total_time_seconds=F("total_time_seconds") + float(seconds),
        updated_at=timezone.now(),
    )
    if not updated:
        record_progress(user, activity, viewed=True, time_seconds=seconds)


def _send_on_commit(
    progress: ActivityProgress, activity: Activity, *, previous_state: str
) -> None:
    user_id = progress.user_id
    snapshot = (
        progress.state,
        progress.score,
        progress.is_passed,
        progress.completed_at,
    )
    module_id = activity.module_id

    def send() -> None:
        course_id, percent = course_percent_for_module(user_id, module_id)
        event = ActivityCompletionChanged(
            user_id=user_id,
            activity_id=activity.pk,
            course_id=course_id,
            previous_state=previous_state,
            state=snapshot[0],
            score=snapshot[1],
            is_passed=snapshot[2],
            completed_at=snapshot[3],
            course_progress_percent=percent,
        )
        activity_completion_changed.send(sender=ActivityProgress, event=event)

    transaction.on_commit(send)


_PERCENT_SQL = f"""
    SELECT m.course_id,
        (SELECT count(*) FROM {_ACTIVITY} a JOIN {_MODULE} am ON am.id = a.module_id
          WHERE am.course_id = m.course_id AND a.is_required),
        (SELECT count(*) FROM {_PROGRESS} p JOIN {_ACTIVITY} a ON a.id = p.activity_id
          JOIN {_MODULE} am ON am.id = a.module_id
          WHERE am.course_id = m.course_id AND a.is_required
            AND p.user_id = %s AND p.state = %s)
    FROM {_MODULE} m WHERE m.id = %s
"""  # noqa: S608


def course_percent_for_module(user_id: int, module_id: int) -> tuple[int, int]:
    """(course id, percent of required activities completed) for a module's course.

    The figure ``course_progress(...).percent`` gives, in one plain-SQL query
    without loading activities: it is computed after every progress change.
    """
    with connection.cursor() as cursor:
        cursor.execute(_PERCENT_SQL, [user_id, State.COMPLETED, module_id])
        course_id, total_required, completed = cursor.fetchone()
    percent = (completed * 100) // total_required if total_required else 0
    return course_id, percent


def is_unlocked(
    activity: Activity, progress_by_activity: dict[int, ActivityProgress]
) -> bool:
    """True when every prerequisite of ``activity`` is completed.

    Uses ``activity.prerequisites`` (prefetched by ``course_progress``).
    """
    for prerequisite in activity.prerequisites.all():
        row = progress_by_activity.get(prerequisite.pk)
        if row is None or not row.is_completed:
            return False
    return True


def course_progress(user: Any, course: Course | int) -> CourseProgress:
    """The learner's progress through ``course``, in three queries.

    Activities (course order), their prerequisites (prefetched, ids only) and
    the learner's ``ActivityProgress`` rows; no query per activity.
    """
    course_id = course if isinstance(course, int) else course.pk
    return _course_progress(_user_id(user), course_id)


def _course_progress(user_id: int, course_id: int) -> CourseProgress:
    activities = list(
        Activity.objects.filter(module__course_id=course_id)
        .order_by("module__position", "module_id", "position", "id")
        .prefetch_related(
            Prefetch("prerequisites", queryset=Activity.objects.only("id"))
        )
    )
    by_activity = {
        row.activity_id: row
        for row in ActivityProgress.objects.filter(
            user_id=user_id, activity_id__in=[a.pk for a in activities]
        )
    }
    required = [a for a in activities if a.is_required]
    done = sum(
        1 for a in required if (row := by_activity.get(a.pk)) and row.is_completed
    )
    next_activity = next(
        (
            a
            for a in required
            if not ((row := by_activity.get(a.pk)) and row.is_completed)
            and is_unlocked(a, by_activity)
        ),
        None,
    )
    percent = (done * 100) // len(required) if required else 0
    return CourseProgress(
        percent=percent,
        completed_required=done,
        total_required=len(required),
        next_activity=next_activity,
        progress_by_activity=by_activity,
        activities=activities,
    )
