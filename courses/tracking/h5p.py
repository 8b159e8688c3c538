"""H5P tracking: results from xAPI statements, and the content's saved user state.

H5P content has one ``ScoState`` per attempt, ``sco_identifier = "h5p"``. Its
normalised columns hold the result of the whole content (from top-level
``answered``/``completed`` statements: completion and success monotonic, latest
score); its ``cmi`` map holds the content's user data (H5P "contentUserData",
e.g. the answers to restore) under ``h5p.data.<data type>.<sub-content id>``.
Everything is reached through the attempt named by the token, so one learner
can never read or write another's data.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from courses import xapi
from courses.models import Attempt, ScoState
from courses.progress import record_progress
from courses.tracking.cmi import from_storage, to_storage
from courses.tracking.outcomes import (
    COMPLETION_RANK,
    SUCCESS_RANK,
    merge_status,
    score_percent,
)
from courses.tracking.selectors import H5P_SCO

logger = logging.getLogger(__name__)

DATA_TYPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SUB_CONTENT_ID = re.compile(r"[A-Za-z0-9_-]{0,64}")
#: Largest saved state of one content (characters), and most states per attempt.
MAX_USER_DATA = 200_000
MAX_USER_DATA_KEYS = 64


class InvalidUserData(ValueError):
    """A malformed data type, sub-content id or too large a state."""


@dataclass(frozen=True, slots=True)
class StatementOutcome:
    created: bool
    statement_id: str


def _user_data_key(data_type: Any, sub_content_id: Any) -> str:
    sub = "" if sub_content_id is None else str(sub_content_id)
    if not isinstance(data_type, str) or not DATA_TYPE.fullmatch(data_type):
        raise InvalidUserData("data_type")
    if not SUB_CONTENT_ID.fullmatch(sub):
        raise InvalidUserData("sub_content_id")
    return f"h5p.data.{data_type}.{sub or '0'}"


def get_user_data(attempt: Attempt, data_type: Any, sub_content_id: Any) -> str | None:
    """The saved state of the content for ``attempt``, or ``None``."""
    key = _user_data_key(data_type, sub_content_id)
    stored = (
        ScoState.objects.filter(attempt=attempt, sco_identifier=H5P_SCO)
        .values_list("cmi", flat=True)
        .first()
    )
    value = (stored or {}).get(key)
    return from_storage(value) if isinstance(value, str) else None


def set_user_data(
    attempt: Attempt, data_type: Any, sub_content_id: Any, data: str | None
) -> None:
    """Save (or with ``None`` / ``"0"``, delete) the content's state.

    Raises ``InvalidUserData``. Locks the attempt's H5P state row.
    """
    key = _user_data_key(data_type, sub_content_id)
    if data is not None and not isinstance(data, str):
        raise InvalidUserData("data")
    if data is not None and len(data) > MAX_USER_DATA:
        raise InvalidUserData("too large")
    with transaction.atomic():
        state, _created = ScoState.objects.select_for_update().get_or_create(
            attempt=attempt, sco_identifier=H5P_SCO
        )
        stored = dict(state.cmi)
        if data is None or data == "0":
            stored.pop(key, None)
        else:
            if key not in stored and sum(k.startswith("h5p.data.") for k in stored) >= (
                MAX_USER_DATA_KEYS
            ):
                raise InvalidUserData("too many states")
            stored[key] = to_storage(data)
        state.cmi = stored
        state.save(update_fields=["cmi", "updated_at"])
        Attempt.objects.filter(pk=attempt.pk).update(last_activity_at=timezone.now())


def record_statement(attempt: Attempt, statement: Any) -> StatementOutcome:
    """Store an H5P xAPI statement and apply its result to the attempt.

    Raises ``xapi.InvalidStatement`` / ``xapi.StatementConflict``. A duplicate
    changes nothing. A top-level ``answered``/``completed`` statement updates
    the H5P state (completion and success never regress) and the learner's
    progress. H5P attempts are not closed on completion (the content's own
    "retry" keeps reporting into the attempt); the attempt policy reads the
    completion from the state.
    """
    with transaction.atomic():
        created, stored = xapi.store_h5p_statement(attempt, statement)
        if not created:
            return StatementOutcome(False, str(stored.pk))
        result = xapi.h5p_result(stored.data)
        if result is None:
            return StatementOutcome(True, str(stored.pk))
        state, _created = ScoState.objects.select_for_update().get_or_create(
            attempt=attempt, sco_identifier=H5P_SCO
        )
        completion = "completed" if result["completed"] else "incomplete"
        state.completion_status = merge_status(
            COMPLETION_RANK, state.completion_status, completion
        )
        if result["passed"] is not None:
            success = "passed" if result["passed"] else "failed"
            state.success_status = merge_status(
                SUCCESS_RANK, state.success_status, success
            )
        if any(result[k] is not None for k in ("score_raw", "score_scaled")):
            state.score_raw = result["score_raw"]
            state.score_min = result["score_min"]
            state.score_max = result["score_max"]
            state.score_scaled = result["score_scaled"]
        state.save()
        now = timezone.now()
        Attempt.objects.filter(pk=attempt.pk).update(last_activity_at=now)
        record_progress(
            attempt.user_id,
            attempt.activity,
            viewed=True,
            completed=result["completed"] or None,
            passed=result["passed"],
            score_percent=score_percent(
                result["score_raw"],
                result["score_min"],
                result["score_max"],
                result["score_scaled"],
            ),
        )
    return StatementOutcome(True, str(stored.pk))
