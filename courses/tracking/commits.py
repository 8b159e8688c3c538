"""Applying a SCORM commit: idempotent, ordered, monotonic, in one transaction.

The protocol (see ``docs`` in ``courses.tracking.api`` for the HTTP side):

* Every commit carries a sequence number ``seq``, continuing from the ``seq`` the
  launch state gave. ``ScoState.seq`` is the highest applied one; the
  ``Commit`` ledger remembers each applied ``(sco_state, seq)`` with the SHA-256
  of its payload.
* ``seq`` ≤ current: the same seq with the same payload is a **duplicate**
  (a retry: 200, same answer, nothing applied again); with another payload a
  **conflict** (409: two writers); a seq never applied is **stale** (409 with
  the current seq: an out-of-order or second-tab commit, never applied).
* Two tabs: each launch (player tab, one token) records the seq it loaded the
  SCO at (``note_launch_state``). A launch other than the last writer may only
  write while the SCO is still at that seq — otherwise another tab wrote since
  and this tab's data is older, whatever seq it numbers its commit with (its
  own earlier commit may have been lost). Such a launch, or one that caused a
  conflict, is *fenced*: all its later commits are stale, so a tab told to stop
  can never overwrite newer data.
* Otherwise the commit is **applied**: merged element by element into
  ``ScoState.cmi`` (never a blind overwrite), with completion and success
  monotonic within the attempt (``outcomes``) while late score elements are
  accepted; the normalised columns are updated; the session time is added to
  the total exactly once (see ``_count_session_time``).

Storage: ``cmi.suspend_data`` and the location live only in their columns
(``ScoState.suspend_data`` / ``location``), not in ``cmi`` too, so up to 64 KB
are not written twice per commit. Stored strings go through
``cmi.to_storage`` (NUL and lone surrogates, which PostgreSQL cannot hold, are
escaped losslessly); read them back with ``cmi.from_storage``. Write-only session elements (exit, session
time) are not kept in ``cmi``: exit goes to ``ScoState.exit``, session time to
``total_time_seconds``.

Everything runs in one transaction holding the ScoState row lock
(``select_for_update``); the learner's ``ActivityProgress`` is updated through
``courses.progress.record_progress`` in the same transaction, and xAPI statements
are stored when a status changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from courses import xapi
from courses.attempts import close_attempt_if_finished
from courses.models import ActivityProgress, Attempt, Commit, ScoState
from courses.progress import add_time_spent, record_progress
from courses.tracking import cmi
from courses.tracking.db import raw_cursor
from courses.tracking.outcomes import (
    MONOTONIC_ELEMENTS,
    Outcome,
    ScoRules,
    derive_outcome,
    merge_status,
    monotonic,
)
from courses.tracking.selectors import (
    ENDED_KEY,
    REPORTED_SCORE_KEY,
    SESSION_LAUNCH_KEY,
    SESSION_SECONDS_KEY,
    WRITER_KEY,
    sco_rules,
)

logger = logging.getLogger(__name__)

APPLIED = "applied"
DUPLICATE = "duplicate"
STALE = "stale"
CONFLICT = "conflict"
INVALID = "invalid"
CLOSED = "closed"

#: ``Attempt.last_activity_at`` is refreshed at most this often (plus on final
#: commits) to spare a write per commit.
LAST_ACTIVITY_RESOLUTION = timedelta(seconds=60)

_ELEMENTS = {
    cmi.SCORM_12: {
        "exit": "cmi.core.exit",
        "session_time": "cmi.core.session_time",
        "location": "cmi.core.lesson_location",
    },
    cmi.SCORM_2004: {
        "exit": "cmi.exit",
        "session_time": "cmi.session_time",
        "location": "cmi.location",
    },
}


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What happened to a commit, and how the API answers it."""

    status: str
    seq: int
    current_seq: int
    errors: tuple[cmi.ElementError, ...] = ()

    @property
    def http_status(self) -> int:
        if self.status in (APPLIED, DUPLICATE):
            return 200
        if self.status == INVALID:
            return 400
        return 409

    def as_json(self) -> dict[str, Any]:
        if self.status in (APPLIED, DUPLICATE):
            return {"status": self.status, "seq": self.seq}
        if self.status == INVALID:
            return {"error": INVALID, "errors": [e.as_dict() for e in self.errors]}
        return {"error": self.status, "current_seq": self.current_seq}


class _Rejected(Exception):
    """Raised inside the transaction to roll it back with a result."""

    def __init__(self, result: CommitResult) -> None:
        super().__init__(result.status)
        self.result = result


def payload_digest(elements: Mapping[str, Any], is_final: bool) -> str:
    """SHA-256 of a commit's canonical JSON (sorted keys), identifying a retry."""
    canonical = json.dumps(
        {"elements": elements, "final": bool(is_final)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _launch_key(
    kind: str, attempt: Attempt, sco_identifier: str, launch_id: str
) -> str:
    sco = hashlib.sha256(sco_identifier.encode("utf-8", "surrogatepass")).hexdigest()
    return f"tracking:{kind}:{attempt.uuid.hex}:{sco[:16]}:{launch_id}"


def note_launch_state(
    attempt: Attempt, sco_identifier: str, launch_id: str, seq: int
) -> None:
    """Remember which ``seq`` a launch loaded a SCO's state at (the launch state API).

    A launch that did not write last may only commit while the SCO is still at
    the seq it loaded: otherwise someone else wrote since, and its data is older
    (see the module docstring). Kept in the cache for the token's lifetime; when
    it is missing (cache flushed) commits are not refused for it.
    """
    if launch_id:
        cache.set(
            _launch_key("base", attempt, sco_identifier, launch_id),
            seq,
            settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS,
        )


def _fence(attempt: Attempt, sco_identifier: str, launch_id: str) -> None:
    cache.set(
        _launch_key("fence", attempt, sco_identifier, launch_id),
        1,
        settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS,
    )


def _is_behind(
    attempt: Attempt, sco_identifier: str, current_seq: int, launch_id: str
) -> bool:
    """True when a launch other than the last writer must not write now."""
    fence = _launch_key("fence", attempt, sco_identifier, launch_id)
    base = _launch_key("base", attempt, sco_identifier, launch_id)
    found = cache.get_many([fence, base])
    if found.get(fence):
        return True
    loaded_at = found.get(base)
    if loaded_at is not None and loaded_at != current_seq:
        _fence(attempt, sco_identifier, launch_id)
        return True
    return False


def _count_session_time(
    standard: str, stored: dict[str, Any], launch_id: str, session_time: str | None
) -> float:
    """Seconds of ``session_time`` not yet added to the total (and remember it).

    ``cmi.session_time`` is the time of the *current* session so far, and a SCO
    may send it at several commits of one session. Per launch (token) the part
    already counted is remembered, so each commit adds only the increase; a
    smaller value in the same launch means the SCO restarted its session (added
    whole), and so does a new launch or a session that ended with a final
    commit. A duplicate commit is never applied, so it never counts twice.
    """
    if session_time is None:
        return 0.0
    seconds = cmi.timespan_seconds(standard, session_time)
    same_session = (
        stored.get(SESSION_LAUNCH_KEY) == launch_id and stored.get(ENDED_KEY) != "1"
    )
    counted = 0.0
    if same_session:
        try:
            counted = float(stored.get(SESSION_SECONDS_KEY) or 0)
        except ValueError:
            counted = 0.0
    delta = seconds - counted if seconds >= counted else seconds
    stored[SESSION_LAUNCH_KEY] = launch_id
    stored[SESSION_SECONDS_KEY] = repr(seconds)
    return max(0.0, delta)


def _activity_outcome(
    attempt: Attempt,
    state_pk: int,
    sco_identifier: str,
    outcome: Outcome,
    rules: dict[str, ScoRules],
) -> tuple[bool, bool | None, Decimal | None]:
    """(completed, passed, score %) of the activity after this SCO's outcome.

    A single-SCO package is its SCO. With several SCOs the activity is completed
    when all are, passed when all are, failed when one is, and scored with the
    mean of the SCO scores (one query for the other SCOs).
    """
    if len(rules) <= 1:
        return outcome.is_completed, outcome.passed, outcome.score_percent
    others = {
        row[0]: row
        for row in ScoState.objects.filter(attempt=attempt)
        .exclude(pk=state_pk)
        .values_list(
            "sco_identifier",
            "completion_status",
            "success_status",
            "score_raw",
            "score_min",
            "score_max",
            "score_scaled",
        )
    }
    completions, successes, scores = [], [], []
    for identifier in rules:
        if identifier == sco_identifier:
            sco = outcome
        elif identifier in others:
            sco = Outcome(*others[identifier][1:])
        else:
            sco = Outcome()
        completions.append(sco.is_completed)
        successes.append(sco.passed)
        if sco.score_percent is not None:
            scores.append(sco.score_percent)
    passed: bool | None = None
    if False in successes:
        passed = False
    elif all(success is True for success in successes):
        passed = True
    score = (sum(scores) / len(scores)).quantize(Decimal("0.01")) if scores else None
    return all(completions), passed, score


def apply_commit(
    attempt: Attempt,
    sco_identifier: str,
    seq: int,
    elements: Mapping[str, Any],
    is_final: bool,
    raw_payload: bytes | None = None,
    *,
    launch_id: str = "",
) -> CommitResult:
    """Apply one commit of a SCO's CMI data to ``attempt``.

    ``elements`` is the flattened CMI dump; ``raw_payload`` the bytes identifying
    the commit for idempotency (default: canonical JSON of elements + final);
    ``launch_id`` the token's launch (one player tab). Validates against the
    standard's data model (INVALID with per-element codes, nothing stored),
    then, in one transaction: locks (or creates) the ``ScoState``, rejects
    duplicate / stale / conflicting / too-late commits, merges, records
    progress, stores xAPI statements on status changes, and closes the attempt
    on a final commit with a normal exit once it is finished. A commit on an
    attempt closed more than ``TRACKING_LATE_COMMIT_SECONDS`` ago is CLOSED.
    """
    standard = attempt.package.standard
    if standard not in cmi.RULES:
        raise ValueError(f"not a SCORM attempt: {standard!r}")
    validated = cmi.validate_elements(
        standard, elements, learner_id=str(attempt.user_id)
    )
    if not validated.is_valid:
        return CommitResult(INVALID, seq, 0, tuple(validated.errors))
    if raw_payload is None:
        digest = payload_digest(elements, is_final)
    else:
        digest = hashlib.sha256(raw_payload).hexdigest()
    try:
        with transaction.atomic():
            return _apply_locked(
                attempt,
                sco_identifier,
                seq,
                validated.values,
                is_final,
                digest,
                launch_id,
            )
    except _Rejected as rejected:
        return rejected.result


# --- The locked read-modify-write, in plain SQL ---------------------------------
#
# The commit path is the hottest in the platform (every learner, every 30 s or
# so), so the ScoState row is locked, merged and written with two statements and
# no ORM query building: lock (or create then lock), then one statement that
# updates the row, appends to the ledger and, when the commit only adds time,
# adds it to the learner's ``ActivityProgress`` (status, score and first-commit
# news go through ``record_progress``). Column names come from the models.

_STATE = ScoState._meta.db_table
_LEDGER = Commit._meta.db_table
_PROGRESS = ActivityProgress._meta.db_table
# Table names come from the models, every value is a query parameter.
_LOCK_SQL = f"""
    SELECT id, seq, cmi, exit, completion_status, success_status, score_raw,
           score_min, score_max, score_scaled, total_time_seconds,
           suspend_data <> '', location <> ''
    FROM {_STATE} WHERE attempt_id = %s AND sco_identifier = %s FOR UPDATE
"""  # noqa: S608
_CREATE_SQL = f"""
    INSERT INTO {_STATE} (attempt_id, sco_identifier, seq, cmi, lesson_status,
        completion_status, success_status, total_time_seconds, location,
        suspend_data, entry, exit, updated_at)
    VALUES (%s, %s, 0, '{{}}', '', '', '', 0, '', '', '', '', %s)
    ON CONFLICT (attempt_id, sco_identifier) DO NOTHING
"""  # noqa: S608
_LEDGER_SQL = f"""
    SELECT payload_sha256 FROM {_LEDGER} WHERE sco_state_id = %s AND seq = %s
"""  # noqa: S608
_WRITE_SQL = f"""
    WITH written AS (
        UPDATE {_STATE} SET seq = %s, cmi = %s::jsonb, lesson_status = %s,
            completion_status = %s, success_status = %s, score_raw = %s,
            score_min = %s, score_max = %s, score_scaled = %s,
            total_time_seconds = %s, location = COALESCE(%s::text, location),
            suspend_data = COALESCE(%s::text, suspend_data), entry = %s, exit = %s,
            updated_at = %s
        WHERE id = %s RETURNING id
    ), ledger AS (
        INSERT INTO {_LEDGER} (sco_state_id, seq, payload_sha256, is_final, received_at)
        SELECT id, %s, %s, %s, %s FROM written RETURNING 1
    ), spent AS (
        UPDATE {_PROGRESS} SET total_time_seconds = total_time_seconds + %s,
            updated_at = %s
        WHERE %s > 0 AND user_id = %s AND activity_id = %s RETURNING 1
    )
    SELECT (SELECT count(*) FROM ledger), (SELECT count(*) FROM spent)
"""  # noqa: S608


@dataclass(slots=True)
class _Locked:
    """The locked ``ScoState`` row, as much of it as a commit needs."""

    pk: int
    seq: int
    cmi: dict[str, Any]
    exit: str
    previous: Outcome
    total_time_seconds: float
    has_suspend_data: bool
    has_location: bool
    created: bool


def _lock_state(attempt: Attempt, sco_identifier: str) -> _Locked:
    """Lock the SCO's state row, creating it first when needed (race-safe)."""
    created = False
    with raw_cursor() as cursor:
        cursor.execute(_LOCK_SQL, [attempt.pk, sco_identifier])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_CREATE_SQL, [attempt.pk, sco_identifier, timezone.now()])
            created = cursor.rowcount == 1
            cursor.execute(_LOCK_SQL, [attempt.pk, sco_identifier])
            row = cursor.fetchone()
    stored = row[2]
    if isinstance(stored, str):
        stored = json.loads(stored)
    return _Locked(
        pk=row[0],
        seq=row[1],
        cmi=stored or {},
        exit=row[3],
        previous=Outcome(row[4] or "not attempted", row[5] or "unknown", *row[6:10]),
        total_time_seconds=row[10],
        has_suspend_data=row[11],
        has_location=row[12],
        created=created,
    )


def _entry(exit_value: str, ended: bool, has_resume_data: bool) -> str:
    """``entry_for_next_launch`` for a row that has had a commit."""
    if exit_value == "suspend" or (not ended and has_resume_data):
        return "resume"
    return ""


def _apply_locked(
    attempt: Attempt,
    sco_identifier: str,
    seq: int,
    values: dict[str, str],
    is_final: bool,
    digest: str,
    launch_id: str,
) -> CommitResult:
    standard = attempt.package.standard
    state = _lock_state(attempt, sco_identifier)
    writer = state.cmi.get(WRITER_KEY)
    if seq <= state.seq:
        with raw_cursor() as cursor:
            cursor.execute(_LEDGER_SQL, [state.pk, seq])
            row = cursor.fetchone()
        known = row[0] if row else None
        if known == digest:
            return CommitResult(DUPLICATE, seq, state.seq)
        status = CONFLICT if known else STALE
        if launch_id and (status == CONFLICT or launch_id != writer):
            _fence(attempt, sco_identifier, launch_id)
        logger.info(
            "%s commit %s on attempt %s sco state %s (current %s)",
            status,
            seq,
            attempt.uuid,
            state.pk,
            state.seq,
        )
        return CommitResult(status, seq, state.seq)
    if (
        launch_id
        and launch_id != writer
        and _is_behind(attempt, sco_identifier, state.seq, launch_id)
    ):
        logger.info(
            "stale launch on attempt %s sco state %s (current %s)",
            attempt.uuid,
            state.pk,
            state.seq,
        )
        return CommitResult(STALE, seq, state.seq)
    now = timezone.now()
    if attempt.is_closed and attempt.closed_at is not None:
        grace = timedelta(seconds=settings.TRACKING_LATE_COMMIT_SECONDS)
        if attempt.closed_at + grace < now:
            return CommitResult(CLOSED, seq, state.seq)
    errors = cmi.check_against_state(standard, values, state.cmi)
    if errors:
        raise _Rejected(CommitResult(INVALID, seq, state.seq, tuple(errors)))

    names = _ELEMENTS[standard]
    stored = state.cmi
    location: str | None = None
    suspend_data: str | None = None
    exit_value: str | None = None
    session_time: str | None = None
    for name, value in values.items():
        if name == names["exit"]:
            exit_value = value
        elif name == names["session_time"]:
            session_time = value
        elif name == names["location"]:
            location = cmi.to_storage(value)
        elif name == "cmi.suspend_data":
            suspend_data = cmi.to_storage(value)
        else:
            value = cmi.to_storage(value)
            ranks = MONOTONIC_ELEMENTS.get(name)
            if ranks is not None:
                value = merge_status(ranks, stored.get(name, ""), value)
            stored[name] = value
    added_seconds = _count_session_time(standard, stored, launch_id, session_time)
    stored[ENDED_KEY] = "1" if is_final else "0"
    if launch_id:
        stored[WRITER_KEY] = launch_id

    rules = sco_rules(attempt.package)
    sco = rules.get(sco_identifier, ScoRules(sco_identifier))
    previous = state.previous
    outcome = monotonic(previous, derive_outcome(standard, stored, sco))
    verbs = []
    if outcome.is_completed and not previous.is_completed:
        verbs.append("completed")
    if outcome.success != previous.success and outcome.success in ("passed", "failed"):
        verbs.append(outcome.success)
    # A score below the best this state already reported cannot raise the
    # learner's best: it needs no progress write.
    score = outcome.score_percent
    reported = stored.get(REPORTED_SCORE_KEY)
    better_score = score is not None and (reported is None or score > Decimal(reported))
    if better_score:
        stored[REPORTED_SCORE_KEY] = str(score)
    exit_now = exit_value if exit_value is not None else state.exit
    has_resume_data = (
        bool(suspend_data) if suspend_data is not None else state.has_suspend_data
    ) or (bool(location) if location is not None else state.has_location)
    total = state.total_time_seconds + added_seconds
    full_report = state.created or bool(verbs) or better_score
    # Time alone goes to the learner's progress in the same statement.
    quick_seconds = 0.0 if full_report else added_seconds
    with raw_cursor() as cursor:
        cursor.execute(
            _WRITE_SQL,
            [
                seq,
                json.dumps(stored, ensure_ascii=False),
                stored.get("cmi.core.lesson_status", ""),
                outcome.completion,
                outcome.success,
                outcome.score_raw,
                outcome.score_min,
                outcome.score_max,
                outcome.score_scaled,
                total,
                location,
                suspend_data,
                _entry(exit_now, is_final, has_resume_data),
                exit_now,
                now,
                state.pk,
                seq,
                digest,
                is_final,
                now,
                quick_seconds,
                now,
                quick_seconds,
                attempt.user_id,
                attempt.activity_id,
            ],
        )
        _ledger_rows, spent_rows = cursor.fetchone()

    if (
        is_final
        or attempt.last_activity_at is None
        or attempt.last_activity_at < now - LAST_ACTIVITY_RESOLUTION
    ):
        Attempt.objects.filter(pk=attempt.pk).update(last_activity_at=now)
        attempt.last_activity_at = now

    if full_report:
        completed, passed, activity_score = _activity_outcome(
            attempt, state.pk, sco_identifier, outcome, rules
        )
        record_progress(
            attempt.user_id,
            attempt.activity,
            viewed=True,
            completed=completed or None,
            passed=passed,
            score_percent=activity_score,
            time_seconds=added_seconds,
        )
    elif quick_seconds > 0 and not spent_rows:
        # No progress row to add the time to (yet): create it.
        add_time_spent(attempt.user_id, attempt.activity, quick_seconds)
    if verbs:
        xapi.store_statements(
            xapi.scorm_statements(
                attempt,
                attempt.activity,
                xapi.ScormResult(
                    sco_identifier=sco_identifier,
                    sco_title=sco.title,
                    score_raw=outcome.score_raw,
                    score_min=outcome.score_min,
                    score_max=outcome.score_max,
                    score_scaled=outcome.score_scaled,
                    success=outcome.passed,
                ),
                verbs,
            )
        )
    if is_final and exit_now != "suspend" and outcome.is_completed:
        if close_attempt_if_finished(attempt):
            logger.info("attempt %s closed after its final commit", attempt.uuid)
    return CommitResult(APPLIED, seq, seq)
