"""Rebuilding the indicator aggregates: set-based SQL, swapped in one transaction.

Definitions (what every figure of the IFPC dashboard means)
-----------------------------------------------------------
* **School year**: 1 September – 31 August, named by its first year (2026 is
  2026-2027). A session belongs to the school year of its first day
  (``Session.starts_on``); a shared self-test result to the school year of its
  sharing (``CampaignParticipation.shared_at``, Brussels time).
* **Dimensions of a person** (the participant, not the training): network,
  education level and province of their *first* establishment (lowest id among
  ``User.establishments``; province from its postal code, as
  ``catalogue.models.taxonomy.province_for_postal_code``), and their *main
  function*, the first role they hold in ``FUNCTION_PRECEDENCE``. A person
  without establishment or role is counted under "non renseigné" (``""``).
  Each person is thus counted once per session, never once per establishment.
* **Sessions** counted: every session not cancelled; its training's hours are
  ``sync_hours + async_hours``; a training is **digital** when it is tagged
  with at least one DigCompEdu competence; **online or hybrid** when its
  modality is ``en_ligne`` or ``hybride``.
* **Registered**: registrations that are not cancelled (pending, accepted,
  waitlisted, refused); **accepted** (the session's participants): status
  ``accepted``, plus learners enrolled by hand (active ``Enrolment`` in the
  session's cohort without an accepted registration; they are not counted as
  registered). Counts are person-sessions: a person accepted in two sessions
  counts twice.
* **Learners online/hybrid**: accepted registrations to sessions of online or
  hybrid trainings.
* **Completed**: an accepted registration whose person holds a valid (not
  revoked) attestation for the session, or has completed every required
  activity of the session's cohort course (a course with at least one).
* **Participant-hours**: training hours × completed participants, summed.
* **Completion rate**: completed ÷ accepted. **Activity completion rate**:
  completed required activities ÷ (required activities × accepted participants
  of sessions with a cohort course) — from ``courses.ActivityProgress``.
* **Attendance rate**: minutes attended ÷ minutes planned over the live
  attendance records (virtual classes, in-person half-days) of accepted
  participants in the session's cohort; excused absences are left out of both.
* **Share of digital trainings**: trainings with at least one registration
  (matching the filters) that are digital ÷ all such trainings; **share of
  digital hours**: participant-hours of digital trainings ÷ all participant-hours.
* **Self-test levels**: per DigCompEdu competence, the level of the latest
  completed attempt of each *shared*, current (not superseded), not deleted
  campaign participation — results a teacher did not agree to share never
  count. Shown only when at least ``SELFTEST_MIN_GROUP`` results feed a
  competence under the chosen filters.
* **Attestations issued**: valid session attestations (participation or
  completion), by the session's school year; **delivered**: those whose
  staff-space outbox row (``Delivery`` action ``issue``) is ``delivered``.
  Track attestations are not counted (they belong to no session).

Mechanics: ``refresh`` rebuilds ``ParticipantProfile``, ``SessionSummary``,
``ParticipationFact`` and ``SelfTestLevelFact`` with ``INSERT … SELECT … GROUP
BY`` statements (no Python loop over rows), all inside one transaction: a
reader sees the previous figures until the commit, then the new ones. A Redis
lock keeps two refreshes from running at once.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from catalogue.models import Registration, Session, TrainingPage
from catalogue.models.taxonomy import _POSTAL_RANGES, Modality
from certification.models import (
    Attempt,
    Attestation,
    CampaignParticipation,
    CompetenceEstimate,
    Delivery,
)
from courses.models import Activity, ActivityProgress, Module
from live.models import AttendanceRecord
from lms.models import Competence, Establishment, RoleAssignment, User
from lms.roles import Role
from tutoring.models import Cohort, Enrolment

from .models import (
    ParticipantProfile,
    ParticipationFact,
    RefreshRun,
    SelfTestLevelFact,
    SessionSummary,
)

logger = logging.getLogger(__name__)

#: A person's main function is the first of these roles they hold.
FUNCTION_PRECEDENCE: tuple[str, ...] = (
    Role.SCHOOL_DIRECTOR,
    Role.CTP,
    Role.DCO,
    Role.INTERNAL_TRAINER,
    Role.TEACHER,
    Role.TUTOR,
    Role.CATALOGUE_MANAGER,
    Role.REGISTRATIONS_MANAGER,
    Role.ADMINISTRATOR,
)
ONLINE_OR_HYBRID: tuple[str, ...] = (Modality.ONLINE, Modality.HYBRID)
SELFTEST_MIN_GROUP = 5
LOCK_KEY = "indicators:refresh-lock"
REFRESH_WORK_MEM = "64MB"
LOCK_SECONDS = 3600
#: A requested run older than this that never finished is considered lost.
STALE_AFTER = timedelta(hours=1)


class RefreshBusy(Exception):
    """Another refresh holds the lock."""


def _t(model: Any) -> str:
    return model._meta.db_table


def _school_year(column: str, *, aware: bool = False) -> str:
    """SQL for the school year (starting year) of a date or timestamp column."""
    if connection.vendor == "postgresql":
        local = f"({column} AT TIME ZONE 'Europe/Brussels')" if aware else column
        return f"CAST(EXTRACT(YEAR FROM ({local} - INTERVAL '8 months')) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}, '-8 months') AS INTEGER)"


def _province_case(column: str) -> str:
    """SQL mapping a postal code column to a ``Province`` value (as Python does)."""
    whens = " ".join(
        f"WHEN CAST({column} AS INTEGER) BETWEEN {first} AND {last} THEN '{province}'"
        for first, last, province in _POSTAL_RANGES
    )
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' THEN '' "
        f"WHEN CAST({column} AS INTEGER) < 1000 THEN '' {whens} ELSE 'flandre' END"
    )


def _profile_sql() -> str:
    ranks = " ".join(
        f"WHEN '{role}' THEN {rank}" for rank, role in enumerate(FUNCTION_PRECEDENCE)
    )
    back = " ".join(
        f"WHEN {rank} THEN '{role}'" for rank, role in enumerate(FUNCTION_PRECEDENCE)
    )
    m2m = User._meta.get_field("establishments").remote_field.through._meta.db_table
    return f"""
        INSERT INTO {_t(ParticipantProfile)} (user_id, network, level, province, function)
        SELECT u.id, COALESCE(e.network, ''), COALESCE(e.level, ''),
               {_province_case("e.postal_code")},
               COALESCE(CASE ra.rank {back} END, '')
        FROM {_t(User)} u
        LEFT JOIN (SELECT user_id, MIN(establishment_id) AS eid FROM {m2m}
                   GROUP BY user_id) ue ON ue.user_id = u.id
        LEFT JOIN {_t(Establishment)} e ON e.id = ue.eid
        LEFT JOIN (SELECT user_id, MIN(CASE role {ranks} END) AS rank
                   FROM {_t(RoleAssignment)} GROUP BY user_id) ra ON ra.user_id = u.id
    """  # noqa: S608 - table names and fixed values only


def _summary_sql() -> str:
    competences = TrainingPage._meta.get_field("competences").remote_field.through
    tc_training = competences._meta.get_field("trainingpage").column
    return f"""
        INSERT INTO {_t(SessionSummary)} (session_id, school_year, session_code,
            starts_on, training_id, training_code, training_title, modality,
            total_hours, is_digital, cohort_id, cohort_code)
        SELECT s.id, {_school_year("s.starts_on")}, s.code, s.starts_on,
               t.page_ptr_id, t.code, p.title, t.modality,
               t.sync_hours + t.async_hours,
               EXISTS (SELECT 1 FROM {competences._meta.db_table} tc
                       WHERE tc.{tc_training} = t.page_ptr_id),
               c.id, COALESCE(c.code, '')
        FROM {_t(Session)} s
        JOIN {_t(TrainingPage)} t ON t.page_ptr_id = s.training_id
        JOIN wagtailcore_page p ON p.id = t.page_ptr_id
        LEFT JOIN {_t(Cohort)} c ON c.session_id = s.id
        WHERE s.status <> %s
    """  # noqa: S608 - table names only; values are parameters


def _facts_sql() -> str:
    return f"""
        INSERT INTO {_t(ParticipationFact)} (school_year, network, level, province,
            function, session_id, training_id, cohort_id, is_digital,
            is_online_or_hybrid, registered, accepted, completed, participant_hours,
            activities_required, activities_completed, minutes_planned,
            minutes_attended, attestations_issued, attestations_delivered)
        SELECT s.school_year, COALESCE(pp.network, ''), COALESCE(pp.level, ''),
               COALESCE(pp.province, ''), COALESCE(pp.function, ''),
               s.session_id, s.training_id, s.cohort_id, s.is_digital,
               s.modality IN (%s, %s),
               SUM(m.registered), SUM(m.accepted), SUM(m.completed),
               SUM(m.completed * s.total_hours),
               SUM(m.activities_required), SUM(m.activities_completed),
               SUM(m.minutes_planned), SUM(m.minutes_attended),
               SUM(m.issued), SUM(m.delivered)
        FROM (
            SELECT p.session_id, p.user_id, p.registered, p.accepted,
                   CASE WHEN p.accepted = 1 AND (
                        att.user_id IS NOT NULL
                        OR (req.n > 0 AND COALESCE(prog.done, 0) >= req.n))
                        THEN 1 ELSE 0 END AS completed,
                   p.accepted * COALESCE(req.n, 0) AS activities_required,
                   p.accepted * COALESCE(prog.done, 0) AS activities_completed,
                   p.accepted * COALESCE(pres.planned, 0) AS minutes_planned,
                   p.accepted * COALESCE(pres.attended, 0) AS minutes_attended,
                   0 AS issued, 0 AS delivered
            FROM (
                SELECT r.session_id, r.user_id, 1 AS registered,
                       CASE WHEN r.status = %s THEN 1 ELSE 0 END AS accepted
                FROM {_t(Registration)} r
                WHERE r.status <> %s
                UNION ALL
                -- Learners put in the session's cohort by hand (no registration).
                SELECT ec.session_id, e.user_id, 0, 1
                FROM {_t(Enrolment)} e
                JOIN {_t(Cohort)} ec ON ec.id = e.cohort_id
                WHERE e.status = %s AND ec.session_id IS NOT NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM {_t(Registration)} r2
                      WHERE r2.session_id = ec.session_id AND r2.user_id = e.user_id
                        AND r2.status = %s)
            ) p
            LEFT JOIN {_t(Cohort)} c ON c.session_id = p.session_id
            LEFT JOIN (SELECT DISTINCT user_id, session_id FROM {_t(Attestation)}
                       WHERE revoked_at IS NULL AND session_id IS NOT NULL) att
                   ON att.user_id = p.user_id AND att.session_id = p.session_id
            LEFT JOIN (SELECT mo.course_id, COUNT(*) AS n
                       FROM {_t(Activity)} a JOIN {_t(Module)} mo ON mo.id = a.module_id
                       WHERE a.is_required = %s GROUP BY mo.course_id) req
                   ON req.course_id = c.course_id
            LEFT JOIN (SELECT ap.user_id, mo.course_id, COUNT(*) AS done
                       FROM {_t(ActivityProgress)} ap
                       JOIN {_t(Activity)} a ON a.id = ap.activity_id
                       JOIN {_t(Module)} mo ON mo.id = a.module_id
                       WHERE ap.state = %s AND a.is_required = %s
                       GROUP BY ap.user_id, mo.course_id) prog
                   ON prog.user_id = p.user_id AND prog.course_id = c.course_id
            LEFT JOIN (SELECT cohort_id, user_id, SUM(minutes_planned) AS planned,
                              SUM(minutes_attended) AS attended
                       FROM {_t(AttendanceRecord)} WHERE status <> %s
                       GROUP BY cohort_id, user_id) pres
                   ON pres.cohort_id = c.id AND pres.user_id = p.user_id
            UNION ALL
            SELECT a.session_id, a.user_id, 0, 0, 0, 0, 0, 0, 0, 1,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM {_t(Delivery)} d WHERE d.attestation_id = a.id
                       AND d.action = %s AND d.state = %s) THEN 1 ELSE 0 END
            FROM {_t(Attestation)} a
            WHERE a.revoked_at IS NULL AND a.session_id IS NOT NULL
        ) m
        JOIN {_t(SessionSummary)} s ON s.session_id = m.session_id
        LEFT JOIN {_t(ParticipantProfile)} pp ON pp.user_id = m.user_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    """  # noqa: S608 - table names only; values are parameters


def _facts_params() -> list[Any]:
    accepted = Registration.Status.ACCEPTED
    return [
        *ONLINE_OR_HYBRID,
        accepted,
        Registration.Status.CANCELLED,
        Enrolment.Status.ACTIVE,
        accepted,
        True,
        ActivityProgress.State.COMPLETED,
        True,
        AttendanceRecord.Status.EXCUSED,
        Delivery.Action.ISSUE,
        Delivery.State.DELIVERED,
    ]


def _selftest_sql() -> str:
    return f"""
        INSERT INTO {_t(SelfTestLevelFact)} (school_year, network, level, province,
            function, competence_code, proficiency, results)
        SELECT {_school_year("cp.shared_at", aware=True)},
               COALESCE(pp.network, ''), COALESCE(pp.level, ''),
               COALESCE(pp.province, ''), COALESCE(pp.function, ''),
               comp.code, ce.level, COUNT(*)
        FROM {_t(CampaignParticipation)} cp
        JOIN {_t(Attempt)} a ON a.id = (
            SELECT a2.id FROM {_t(Attempt)} a2
            WHERE a2.participation_id = cp.id AND a2.status = %s
            ORDER BY a2.completed_at DESC, a2.id DESC LIMIT 1)
        JOIN {_t(CompetenceEstimate)} ce ON ce.attempt_id = a.id
        JOIN {_t(Competence)} comp ON comp.id = ce.competence_id
        LEFT JOIN {_t(ParticipantProfile)} pp ON pp.user_id = cp.user_id
        WHERE cp.status = %s AND cp.is_improved = %s AND cp.deleted_at IS NULL
          AND cp.user_id IS NOT NULL AND cp.shared_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    """  # noqa: S608 - table names only; values are parameters


def rebuild() -> dict[str, int]:
    """Replace every aggregate table, atomically; returns the rows written per table.

    Side effects: deletes and refills the four aggregate tables in one
    transaction (readers see either the old or the new figures). Raises
    whatever the database raises (the transaction is then rolled back).
    """
    steps: list[tuple[type, str, list[Any]]] = [
        (ParticipantProfile, _profile_sql(), []),
        (SessionSummary, _summary_sql(), [Session.Status.CANCELLED]),
        (ParticipationFact, _facts_sql(), _facts_params()),
        (
            SelfTestLevelFact,
            _selftest_sql(),
            [
                Attempt.Status.COMPLETED,
                CampaignParticipation.Status.SHARED,
                False,
            ],
        ),
    ]
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The grouped joins over activity progress spill to disk at the
            # default 4 MB; this transaction only (one refresh at a time).
            cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")
        # Children first: the facts are built from the profile and summary rows.
        for model, _sql, _params in reversed(steps):
            cursor.execute(f"DELETE FROM {_t(model)}")  # noqa: S608
        for model, sql, params in steps:
            cursor.execute(sql, params)
            counts[model._meta.model_name] = cursor.rowcount
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model, _sql, _params in steps:
                cursor.execute(f"ANALYZE {_t(model)}")
    return counts


def refresh(run: RefreshRun | None = None) -> RefreshRun:
    """Run one refresh under the lock and record it in ``run`` (created if None).

    Preconditions: none (idempotent: the same data gives the same tables).
    Side effects: ``run`` goes running → done (with duration and row counts) or
    failed (with the error, then the exception is raised again).
    Raises ``RefreshBusy`` when another refresh holds the lock (``run`` is left
    as it was, so a retry can take it).
    """
    token = f"{time.time_ns()}"
    if not cache.add(LOCK_KEY, token, LOCK_SECONDS):
        raise RefreshBusy
    try:
        run = run or RefreshRun.objects.create()
        run.status = RefreshRun.Status.RUNNING
        run.started_at = timezone.now()
        run.error = ""
        run.save(update_fields=["status", "started_at", "error"])
        began = time.monotonic()
        try:
            counts = rebuild()
        except Exception as exc:
            run.status = RefreshRun.Status.FAILED
            run.error = f"{type(exc).__name__}: {exc}"[:2000]
            run.finished_at = timezone.now()
            run.duration_ms = int((time.monotonic() - began) * 1000)
            run.save(update_fields=["status", "error", "finished_at", "duration_ms"])
            logger.exception("Indicator refresh %s failed", run.pk)
            raise
        run.status = RefreshRun.Status.DONE
        run.finished_at = timezone.now()
        run.duration_ms = int((time.monotonic() - began) * 1000)
        run.row_counts = counts
        run.save(update_fields=["status", "finished_at", "duration_ms", "row_counts"])
        logger.info("Indicator refresh %s done in %s ms", run.pk, run.duration_ms)
        return run
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def pending_run() -> RefreshRun | None:
    """The requested or running refresh not yet finished (and not stale), if any."""
    return (
        RefreshRun.objects.filter(
            status__in=[RefreshRun.Status.QUEUED, RefreshRun.Status.RUNNING],
            created_at__gt=timezone.now() - STALE_AFTER,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def request_refresh(user: Any) -> tuple[RefreshRun, bool]:
    """Ask for a refresh now; returns (the run, whether it was newly requested).

    Idempotent: while a refresh is requested or running, that run is returned
    and nothing is enqueued. Otherwise a queued run is recorded and
    ``indicators.tasks.refresh_indicators`` is enqueued after commit.
    """
    from .tasks import refresh_indicators

    with transaction.atomic():
        existing = pending_run()
        if existing is not None:
            return existing, False
        run = RefreshRun.objects.create(requested_by=user)
        run_id = run.pk
        transaction.on_commit(lambda: refresh_indicators.delay(run_id))
    return run, True
