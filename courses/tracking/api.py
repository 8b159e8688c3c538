"""JSON API of the content origin: launch state, SCORM commits, H5P results and state.

Served only on the content origin (``courses.content_urls``), which never sees
the session cookie: each request is authenticated **only** by the signed attempt
token in its body (``courses.tracking.tokens``). That is what lets the player
send its final commit with ``navigator.sendBeacon`` on ``pagehide``: a beacon
cannot set headers, and its ``text/plain`` body is CORS-safe. So:

* bodies are JSON sent as ``application/json`` or ``text/plain`` (anything else
  is 415), at most ``TRACKING_MAX_BODY_BYTES`` (413);
* CSRF does not apply (no cookie, no ambient authority);
* a missing, forged or expired token, or one for an attempt that no longer
  exists, is 401 ``{"error": "token"}`` — never a redirect to a login page;
* each attempt may make ``TRACKING_RATE_LIMIT_REQUESTS`` requests per
  ``TRACKING_RATE_LIMIT_WINDOW_SECONDS`` per kind (commits, final commits, H5P,
  state): above that 429 with ``Retry-After``;
* every answer is JSON and ``Cache-Control: no-store``; bad input is a 4xx,
  never a 500.

Endpoints (all POST):

``tracking_state``  ``{"token", "sco"}`` → ``{"seq", "elements"}``
``tracking_commit`` ``{"token", "sco", "seq", "final", "elements"}`` →
    200 ``{"status": "applied"|"duplicate", "seq"}``,
    409 ``{"error": "stale"|"conflict"|"closed", "current_seq"}``,
    400 ``{"error": "invalid", "errors": [{"element", "code", "message"}]}``
``tracking_statements`` ``{"token", "statement"}`` → 200 ``{"status":
    "stored"|"duplicate", "id"}``, 409 ``{"error": "conflict"}``, 400
``tracking_h5p_state`` ``{"token", "data_type", "sub_content_id"[, "data"]}`` →
    without ``data``: ``{"data": <saved state or null>}``; with it (``null``
    or ``"0"`` delete): ``{"status": "saved"}``
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, close_old_connections, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import RedisError

from courses import xapi
from courses.models import Attempt, Package
from courses.tracking import h5p
from courses.tracking.commits import apply_commit, note_launch_state
from courses.tracking.selectors import attempt_for_tracking, initial_state, sco_rules
from courses.tracking.tokens import InvalidAttemptToken, read_attempt_token_payload
from lms.cache import count_in_window

logger = logging.getLogger(__name__)

ACCEPTED_TYPES = ("application/json", "text/plain")
MAX_SEQ = 2**53 - 1
MAX_ELEMENTS = 10_000


class ApiError(Exception):
    """An answer other than success, raised anywhere below a view."""

    def __init__(
        self,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(payload.get("error", ""))
        self.status = status
        self.payload = payload
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        return _response(self.payload, self.status, self.headers)


def _response(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JsonResponse:
    # ASCII escapes keep lone surrogates (valid in JavaScript strings) encodable.
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


Handler = Callable[[dict[str, Any]], JsonResponse]


def tracking_endpoint(
    handler: Handler,
) -> Callable[[HttpRequest], Coroutine[Any, Any, JsonResponse]]:
    """The Django view of a handler: POST only, JSON in and out, never HTML.

    The view is asynchronous: the body is read on the event loop and the handler
    (database and cache work) runs on the tracking threads (``run_on_db_thread``).
    ``courses.tracking.asgi`` serves the same handlers without Django's
    middleware stack, when it is wired in front of the ASGI application.
    """

    @csrf_exempt
    @functools.wraps(handler)
    async def view(request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return method_not_allowed()
        try:
            data = _read_body(request)
        except ApiError as error:
            return error.response()
        return await run_on_db_thread(answer, handler, data)

    return view


def method_not_allowed() -> JsonResponse:
    return _response({"error": "method"}, 405, {"Allow": "POST"})


def answer(handler: Handler, data: dict[str, Any]) -> JsonResponse:
    """Run a handler; every outcome, even a bug, is a JSON answer."""
    try:
        return handler(data)
    except ApiError as error:
        return error.response()
    except DatabaseError:
        logger.exception("tracking API: database unavailable")
        return _response({"error": "unavailable"}, 503, {"Retry-After": "5"})
    except Exception:  # noqa: BLE001 - the API answers JSON, even for a bug
        logger.exception("tracking API: unexpected error")
        return _response({"error": "server"}, 500)


# --- Threads --------------------------------------------------------------------
#
# Under ASGI Django runs synchronous code in a new thread per request, and each
# thread opens its own database connection: hundreds of learners committing at
# once would open hundreds of connections. Tracking work instead runs on a small
# per-process pool of long-lived threads (``TRACKING_DB_THREADS``), each keeping
# one persistent connection; a few transactions overlap while others wait on the
# database. With ``TRACKING_DB_THREADS = 0`` the work runs where Django runs
# synchronous code (``sync_to_async``), e.g. in tests wrapped in a transaction.

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_thread_state = threading.local()
_CONNECTION_CHECK_SECONDS = 5.0


def _tracking_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(
                    max_workers=settings.TRACKING_DB_THREADS,
                    thread_name_prefix="tracking-db",
                )
    return _executor


def _on_db_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function`` with the connection hygiene Django's request signals give."""
    now = time.monotonic()
    if now - getattr(_thread_state, "checked_at", 0.0) > _CONNECTION_CHECK_SECONDS:
        close_old_connections()  # expired (CONN_MAX_AGE) or broken connections
        _thread_state.checked_at = now
    try:
        return function(*args)
    finally:
        if any(c.errors_occurred for c in connections.all(initialized_only=True)):
            close_old_connections()


def shutdown_db_threads() -> None:
    """Close every tracking thread's connections and stop the pool (tests, reload)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is None:
        return
    workers = executor._max_workers  # noqa: SLF001 - one job per thread
    barrier = threading.Barrier(workers)

    def close() -> None:
        connections.close_all()
        barrier.wait(timeout=10)

    for _ in range(workers):
        executor.submit(close)
    executor.shutdown(wait=True)


async def run_on_db_thread(function: Callable[..., Any], *args: Any) -> Any:
    if settings.TRACKING_DB_THREADS <= 0:
        return await sync_to_async(function)(*args)
    loop = asyncio.get_running_loop()
    call = functools.partial(_on_db_thread, function, *args)
    return await loop.run_in_executor(_tracking_executor(), contextvars_run(call))


def contextvars_run(call: Callable[[], Any]) -> Callable[[], Any]:
    """Carry the request's context variables (language, …) to the thread."""
    context = contextvars.copy_context()
    return functools.partial(context.run, call)


def too_large() -> ApiError:
    limit = settings.TRACKING_MAX_BODY_BYTES
    return ApiError(413, {"error": "too_large", "max_bytes": limit})


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """The JSON object of a request body; ``ApiError`` (400/413/415) otherwise.

    ``content_type`` is the media type without parameters.
    """
    if content_type not in ACCEPTED_TYPES:
        raise ApiError(415, {"error": "content_type", "accepted": list(ACCEPTED_TYPES)})
    if len(body) > settings.TRACKING_MAX_BODY_BYTES:
        raise too_large()
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, {"error": "malformed"}) from None
    if not isinstance(data, dict):
        raise ApiError(400, {"error": "malformed"})
    return data


def _read_body(request: HttpRequest) -> dict[str, Any]:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.TRACKING_MAX_BODY_BYTES:
        raise too_large()
    if request.content_type not in ACCEPTED_TYPES:
        return parse_body(request.content_type or "", b"")
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_large() from None
    return parse_body(request.content_type, body)


def _check_rate(attempt_key: str, kind: str) -> None:
    """Fixed-window counter per attempt and kind in the shared cache.

    When the cache is down the request is let through: losing a learner's
    commit is worse than a missed rate limit.
    """
    window = max(1, settings.TRACKING_RATE_LIMIT_WINDOW_SECONDS)
    limit = settings.TRACKING_RATE_LIMIT_REQUESTS
    now = time.time()
    slot = int(now // window)
    key = f"tracking:rate:{kind}:{attempt_key}:{slot}"
    try:
        count = count_in_window(key, window + 1)
    except (RedisError, ValueError, OSError):
        logger.warning("tracking rate limit unavailable (cache error)")
        return
    if count > limit:
        retry_after = max(1, math.ceil((slot + 1) * window - now))
        raise ApiError(
            429, {"error": "rate_limited"}, {"Retry-After": str(retry_after)}
        )


def _authenticate(data: dict[str, Any], kind: str) -> tuple[Attempt, str]:
    """The token's attempt and launch id; 401 or 429 otherwise."""
    try:
        payload = read_attempt_token_payload(data.get("token"))
    except InvalidAttemptToken:
        raise ApiError(401, {"error": "token"}) from None
    _check_rate(payload.attempt_uuid.hex, kind)
    try:
        attempt = attempt_for_tracking(payload.attempt_uuid, payload.user_id)
    except Attempt.DoesNotExist:
        raise ApiError(401, {"error": "token"}) from None
    return attempt, payload.launch_id


def _require_scorm(attempt: Attempt, sco: Any) -> str:
    if attempt.package.standard not in (
        Package.Standard.SCORM_12,
        Package.Standard.SCORM_2004,
    ):
        raise ApiError(400, {"error": "not_scorm"})
    if not isinstance(sco, str) or not 0 < len(sco) <= 255:
        raise ApiError(400, {"error": "sco"})
    known = sco_rules(attempt.package)
    if known and sco not in known:
        raise ApiError(400, {"error": "sco"})
    return sco


def _require_h5p(attempt: Attempt) -> None:
    if attempt.package.standard != Package.Standard.H5P:
        raise ApiError(400, {"error": "not_h5p"})


def handle_state(data: dict[str, Any]) -> JsonResponse:
    """The launch state of one SCO of the token's attempt (see ``initial_state``)."""
    attempt, launch_id = _authenticate(data, "state")
    sco = _require_scorm(attempt, data.get("sco"))
    state = initial_state(attempt, sco)
    note_launch_state(attempt, sco, launch_id, state["seq"])
    return _response(state)


def handle_commit(data: dict[str, Any]) -> JsonResponse:
    """Apply one SCORM commit (see ``courses.tracking.commits``)."""
    seq = data.get("seq")
    final = data.get("final", False)
    elements = data.get("elements")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq <= MAX_SEQ:
        raise ApiError(400, {"error": "seq"})
    if not isinstance(final, bool):
        raise ApiError(400, {"error": "final"})
    if not isinstance(elements, dict) or len(elements) > MAX_ELEMENTS:
        raise ApiError(400, {"error": "elements"})
    attempt, launch_id = _authenticate(data, "final" if final else "commit")
    sco = _require_scorm(attempt, data.get("sco"))
    result = apply_commit(attempt, sco, seq, elements, final, launch_id=launch_id)
    return _response(result.as_json(), result.http_status)


def handle_statements(data: dict[str, Any]) -> JsonResponse:
    """Store an xAPI statement sent by H5P content and apply its result."""
    attempt, _launch = _authenticate(data, "h5p")
    _require_h5p(attempt)
    try:
        outcome = h5p.record_statement(attempt, data.get("statement"))
    except xapi.InvalidStatement as error:
        raise ApiError(400, {"error": "invalid", "message": str(error)}) from None
    except xapi.StatementConflict:
        raise ApiError(409, {"error": "conflict"}) from None
    status = "stored" if outcome.created else "duplicate"
    return _response({"status": status, "id": outcome.statement_id})


def handle_h5p_state(data: dict[str, Any]) -> JsonResponse:
    """Get, or with ``data``, save the H5P content's state for the attempt."""
    attempt, _launch = _authenticate(data, "h5p")
    _require_h5p(attempt)
    data_type, sub_content_id = data.get("data_type"), data.get("sub_content_id")
    try:
        if "data" not in data:
            value = h5p.get_user_data(attempt, data_type, sub_content_id)
            return _response({"data": value})
        h5p.set_user_data(attempt, data_type, sub_content_id, data["data"])
    except h5p.InvalidUserData as error:
        raise ApiError(400, {"error": "invalid", "message": str(error)}) from None
    return _response({"status": "saved"})


#: The handlers by URL name (``courses.content_urls``), for the ASGI fast path.
HANDLERS: dict[str, Handler] = {
    "tracking_state": handle_state,
    "tracking_commit": handle_commit,
    "tracking_statements": handle_statements,
    "tracking_h5p_state": handle_h5p_state,
}

tracking_state = tracking_endpoint(handle_state)
tracking_commit = tracking_endpoint(handle_commit)
tracking_statements = tracking_endpoint(handle_statements)
tracking_h5p_state = tracking_endpoint(handle_h5p_state)
