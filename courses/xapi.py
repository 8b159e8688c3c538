"""xAPI statements of SCORM and H5P results: stored locally, forwarded to an LRS.

Every result becomes an immutable ``Statement`` row. SCORM results (completed,
passed, failed, with the score) get **deterministic ids** (``uuid5`` of the
attempt, the SCO and the verb), so a re-sent commit never creates a second
statement. H5P statements come from the browser: the actor is always replaced by
the attempt's learner and the registration by the attempt (never trusted from
the client); a statement id sent twice with the same content is a no-op, with
different content a conflict.

When ``settings.LRS_URL`` is set, ``courses.tasks.forward_statements_task`` is
enqueued after the transaction that stored statements commits; it POSTs pending
statements to ``<LRS_URL>/xAPI/statements`` (xAPI 1.0.3, basic auth), retrying
with exponential backoff and jitter; an LRS answering 409 (already stored) counts
as delivered. Learners are identified by an account (platform URL + user id),
never by e-mail.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.middleware import site_origin
from courses.models import Activity, Attempt, Statement

logger = logging.getLogger(__name__)

#: Namespace of the deterministic statement ids (never change it).
NAMESPACE = uuid.UUID("6f1b0c1e-4c8e-5c55-9b1f-2a8d5e3f7a10")
XAPI_VERSION = "1.0.3"
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
}
VERB_NAMES = {"completed": "terminé", "passed": "réussi", "failed": "échoué"}
#: Largest statement kept (JSON characters), extensions included.
MAX_STATEMENT_CHARS = 64_000
#: A statement the LRS refused this many times is left for staff to inspect.
MAX_FORWARD_ATTEMPTS = 20
FORWARD_BATCH = 50


class InvalidStatement(ValueError):
    """The client's statement is not an acceptable xAPI statement."""


class StatementConflict(Exception):
    """A statement with this id exists with different content (409)."""


class LRSUnavailable(Exception):
    """The LRS could not be reached or answered 5xx/429: try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def actor_for(user_id: int) -> dict[str, Any]:
    """The learner as an xAPI agent: an account on this platform, no e-mail."""
    return {
        "objectType": "Agent",
        "account": {"homePage": site_origin(), "name": str(user_id)},
    }


def activity_iri(activity: Activity, sco_identifier: str = "") -> str:
    base = f"{site_origin()}/xapi/activities/{activity.uuid}"
    if sco_identifier:
        return f"{base}/scos/{quote(sco_identifier, safe='')}"
    return base


def _result(
    score_raw: float | None,
    score_min: float | None,
    score_max: float | None,
    score_scaled: float | None,
    *,
    success: bool | None,
    completion: bool | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    score: dict[str, float] = {}
    if score_scaled is not None:
        score["scaled"] = max(-1.0, min(1.0, score_scaled))
    for key, value in (("raw", score_raw), ("min", score_min), ("max", score_max)):
        if value is not None:
            score[key] = value
    # xAPI requires min ≤ raw ≤ max; leave out a bound the SCO contradicted.
    if "raw" in score:
        if "min" in score and score["min"] > score["raw"]:
            del score["min"]
        if "max" in score and score["max"] < score["raw"]:
            del score["max"]
    if score:
        result["score"] = score
    if success is not None:
        result["success"] = success
    if completion is not None:
        result["completion"] = completion
    return result


@dataclass(frozen=True, slots=True)
class ScormResult:
    """A SCO's outcome at the moment a status changed (see ``tracking.commits``)."""

    sco_identifier: str
    sco_title: str
    score_raw: float | None
    score_min: float | None
    score_max: float | None
    score_scaled: float | None
    success: bool | None


def scorm_statements(
    attempt: Attempt, activity: Activity, result: ScormResult, verbs: list[str]
) -> list[Statement]:
    """Unsaved statements for ``verbs`` (completed / passed / failed) of a SCO.

    Ids are ``uuid5(attempt, sco, verb)``: one statement per verb, SCO and
    attempt, however often the commit that caused it is re-sent.
    """
    statements = []
    now = timezone.now()
    for verb in verbs:
        statement_id = uuid.uuid5(
            NAMESPACE, f"scorm:{attempt.uuid}:{result.sco_identifier}:{verb}"
        )
        data = {
            "id": str(statement_id),
            "actor": actor_for(attempt.user_id),
            "verb": {"id": VERBS[verb], "display": {"fr-BE": VERB_NAMES[verb]}},
            "object": {
                "objectType": "Activity",
                "id": activity_iri(activity, result.sco_identifier),
                "definition": {
                    "name": {"fr-BE": result.sco_title or activity.title},
                    "type": "http://adlnet.gov/expapi/activities/lesson",
                },
            },
            "result": _result(
                result.score_raw,
                result.score_min,
                result.score_max,
                result.score_scaled,
                success=result.success,
                completion=True if verb == "completed" else None,
            ),
            "context": {
                "registration": str(attempt.uuid),
                "contextActivities": {
                    "parent": [{"objectType": "Activity", "id": activity_iri(activity)}]
                },
            },
            "timestamp": now.isoformat(),
            "version": XAPI_VERSION,
        }
        statements.append(
            Statement(
                id=statement_id,
                user_id=attempt.user_id,
                activity=activity,
                attempt=attempt,
                verb=VERBS[verb],
                data=data,
            )
        )
    return statements


def store_statements(statements: list[Statement]) -> None:
    """Insert statements (existing ids are left alone) and schedule forwarding."""
    if not statements:
        return
    Statement.objects.bulk_create(statements, ignore_conflicts=True)
    schedule_forwarding()


def schedule_forwarding() -> None:
    """Enqueue the LRS forwarding task after commit, when an LRS is configured."""
    if not settings.LRS_URL:
        return

    def enqueue() -> None:
        from courses.tasks import forward_statements_task

        forward_statements_task.delay()

    transaction.on_commit(enqueue)


# --- Statements sent by H5P content --------------------------------------------


def _is_iri(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 2048
        and value.isprintable()
        and ":" in value
        and " " not in value
    )


def _valid_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 64:
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any, depth: int = 0) -> bool:
    """True when JSON holds what PostgreSQL's jsonb cannot (NUL, lone surrogates)."""
    if depth > 64:
        return True
    if isinstance(value, str):
        return bool(_UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(
            _unstorable(k, depth + 1) or _unstorable(v, depth + 1)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_unstorable(item, depth + 1) for item in value)
    return False


def normalise_h5p_statement(attempt: Attempt, raw: Any) -> tuple[uuid.UUID, dict]:
    """The statement to store for a client-sent one; raises ``InvalidStatement``.

    Checks the id (a UUID; derived from the content when missing, so a retried
    POST stays one statement), the verb and object IRIs, and the size. Forces
    the actor to the attempt's learner and ``context.registration`` to the
    attempt; drops ``stored``/``authority`` (set by the LRS) and a malformed
    ``timestamp``.
    """
    if not isinstance(raw, dict):
        raise InvalidStatement("statement must be an object")
    data = {k: v for k, v in raw.items() if k not in ("stored", "authority", "actor")}
    verb = data.get("verb")
    if not isinstance(verb, dict) or not _is_iri(verb.get("id")):
        raise InvalidStatement("verb.id must be an IRI")
    target = data.get("object")
    if not isinstance(target, dict) or not _is_iri(target.get("id")):
        raise InvalidStatement("object.id must be an IRI")
    if "result" in data and not isinstance(data["result"], dict):
        raise InvalidStatement("result must be an object")
    if "timestamp" in data and not _valid_timestamp(data["timestamp"]):
        del data["timestamp"]
    context = data.get("context")
    context = dict(context) if isinstance(context, dict) else {}
    context["registration"] = str(attempt.uuid)
    data["context"] = context
    data["actor"] = actor_for(attempt.user_id)
    given_id = data.pop("id", None)
    if given_id is None:
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        statement_id = uuid.uuid5(NAMESPACE, f"h5p:{attempt.uuid}:{canonical}")
    else:
        try:
            statement_id = uuid.UUID(str(given_id))
        except ValueError as exc:
            raise InvalidStatement("id must be a UUID") from exc
        if not isinstance(given_id, str):
            raise InvalidStatement("id must be a UUID string")
    data = {"id": str(statement_id), **data}
    if _unstorable(data):
        raise InvalidStatement("statement holds NUL or unpaired surrogates")
    try:
        size = len(json.dumps(data, ensure_ascii=False, allow_nan=False))
    except ValueError as exc:
        raise InvalidStatement("statement must be plain JSON") from exc
    if size > MAX_STATEMENT_CHARS:
        raise InvalidStatement("statement too large")
    return statement_id, data


def store_h5p_statement(attempt: Attempt, raw: Any) -> tuple[bool, Statement]:
    """Store a statement sent by H5P content for ``attempt``.

    Returns ``(created, statement)``; ``created`` is False for an identical
    duplicate (a no-op). Raises ``InvalidStatement``, or ``StatementConflict``
    when the id exists with other content or for another learner.
    """
    statement_id, data = normalise_h5p_statement(attempt, raw)
    candidate = Statement(
        id=statement_id,
        user_id=attempt.user_id,
        activity_id=attempt.activity_id,
        attempt=attempt,
        verb=data["verb"]["id"][:255],
        data=data,
    )
    existing = Statement.objects.filter(pk=statement_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                candidate.save(force_insert=True)
        except IntegrityError:
            existing = Statement.objects.get(pk=statement_id)
        else:
            schedule_forwarding()
            return True, candidate
    if existing.user_id == candidate.user_id and existing.data == candidate.data:
        return False, existing
    raise StatementConflict(str(statement_id))


def h5p_result(data: dict[str, Any]) -> dict[str, Any] | None:
    """Completion, success and score of a top-level answered/completed statement.

    ``None`` for other verbs and for sub-content statements (a question inside a
    Question Set reports its own ``answered``; only the whole content counts).
    """
    verb_id = data["verb"]["id"]
    if verb_id not in (VERBS["answered"], VERBS["completed"]):
        return None
    target = data["object"]
    definition = target.get("definition") if isinstance(target, dict) else None
    extensions = definition.get("extensions") if isinstance(definition, dict) else None
    if "subContentId=" in str(target.get("id", "")) or (
        isinstance(extensions, dict)
        and "http://h5p.org/x-api/h5p-subContentId" in extensions
    ):
        return None
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    score = result.get("score") if isinstance(result.get("score"), dict) else {}

    def number(key: str) -> float | None:
        value = score.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if value == value and abs(value) != float("inf") else None

    success = result.get("success")
    completion = result.get("completion")
    return {
        "completed": verb_id == VERBS["completed"] or completion is True,
        "passed": success if isinstance(success, bool) else None,
        "score_raw": number("raw"),
        "score_min": number("min"),
        "score_max": number("max"),
        "score_scaled": number("scaled"),
    }


# --- Forwarding to the LRS ------------------------------------------------------


def statements_url() -> str:
    base = settings.LRS_URL.rstrip("/")
    if base.endswith("/statements"):
        return base
    return f"{base}/xAPI/statements"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _is_transient(status: int) -> bool:
    return status in (408, 425, 429) or status >= 500


def _post(client: httpx.Client, payload: Any) -> httpx.Response:
    try:
        return client.post(statements_url(), json=payload)
    except httpx.HTTPError as exc:
        raise LRSUnavailable(f"LRS unreachable: {type(exc).__name__}") from exc


def _mark_failed(statements: list[Statement], error: str) -> None:
    for statement in statements:
        statement.forward_attempts += 1
        statement.last_error = error[:2000]
    Statement.objects.bulk_update(statements, ["forward_attempts", "last_error"])


def _mark_forwarded(statements: list[Statement]) -> None:
    now = timezone.now()
    Statement.objects.filter(pk__in=[s.pk for s in statements]).update(
        forwarded_at=now, last_error=""
    )


def _forward_batch(client: httpx.Client, batch: list[Statement]) -> None:
    response = _post(client, [s.data for s in batch])
    if response.status_code in (200, 204):
        _mark_forwarded(batch)
        return
    if response.status_code == 409 and len(batch) > 1:
        # One of them is already there: send them one by one.
        for statement in batch:
            _forward_batch(client, [statement])
        return
    if response.status_code == 409:
        _mark_forwarded(batch)  # already stored by the LRS: delivered
        return
    error = f"LRS answered {response.status_code}"
    if _is_transient(response.status_code):
        _mark_failed(batch, error)
        raise LRSUnavailable(error, _retry_after(response))
    logger.error("LRS refused %s statements: %s", len(batch), response.status_code)
    _mark_failed(batch, f"{error}: {response.text[:500]}")


def forward_pending_statements(*, limit: int = 1000) -> int:
    """POST pending statements to the LRS; return how many were delivered.

    Batches of ``FORWARD_BATCH`` rows are locked (``SKIP LOCKED``) while they are
    sent, so concurrent runs never send the same rows. 200/204 and 409 mark rows
    delivered; other 4xx record the error (rows retried by later runs up to
    ``MAX_FORWARD_ATTEMPTS``). Raises ``LRSUnavailable`` on network errors, 5xx,
    408 and 429 (with the ``Retry-After`` delay) so the caller retries later.
    """
    if not settings.LRS_URL:
        return 0
    auth = None
    if settings.LRS_USERNAME:
        auth = httpx.BasicAuth(settings.LRS_USERNAME, settings.LRS_PASSWORD)
    timeout = httpx.Timeout(settings.LRS_TIMEOUT_SECONDS)
    headers = {"X-Experience-API-Version": XAPI_VERSION}
    delivered = 0
    with httpx.Client(auth=auth, timeout=timeout, headers=headers) as client:
        while delivered < limit:
            failure: LRSUnavailable | None = None
            with transaction.atomic():
                batch = list(
                    Statement.objects.select_for_update(skip_locked=True)
                    .filter(
                        forwarded_at__isnull=True,
                        forward_attempts__lt=MAX_FORWARD_ATTEMPTS,
                    )
                    .order_by("stored_at")[:FORWARD_BATCH]
                )
                if not batch:
                    break
                try:
                    _forward_batch(client, batch)
                except LRSUnavailable as exc:
                    failure = exc  # raised after the failure counts are saved
                done = Statement.objects.filter(
                    pk__in=[s.pk for s in batch], forwarded_at__isnull=False
                ).count()
            delivered += done
            if failure is not None:
                raise failure
            if done < len(batch):
                break
    if delivered:
        logger.info("forwarded %s xAPI statements to the LRS", delivered)
    return delivered
