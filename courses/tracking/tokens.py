"""Short-lived signed attempt tokens: how the content origin proves who commits.

The content origin never sees the session cookie. The play page (platform origin)
mints a token for the learner's attempt and hands it to the wrapper page in the
URL fragment; every tracking request carries it in its body, so even
``navigator.sendBeacon`` (no custom headers) can authenticate.

A token is ``django.core.signing`` output (HMAC-SHA256 with ``SECRET_KEY`` and a
dedicated salt) over ``{"a": attempt uuid, "u": user id, "l": launch id}``, valid
for ``settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS``. The launch id is random per
token: it tells one opened player (one "session") from another, for session
time accounting and to fence a tab that was told it is stale. Tokens are
bearer secrets: never log them.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from courses.models import Attempt

SALT = "courses.tracking.attempt-token.v1"


class InvalidAttemptToken(Exception):
    """The token is malformed, forged, expired, or its attempt no longer exists."""


@dataclass(frozen=True, slots=True)
class AttemptTokenPayload:
    attempt_uuid: uuid.UUID
    user_id: int
    launch_id: str


def make_attempt_token(attempt: Attempt) -> str:
    """A new signed token for ``attempt`` (a fresh launch id each call)."""
    payload = {
        "a": str(attempt.uuid),
        "u": attempt.user_id,
        "l": secrets.token_urlsafe(9),
    }
    return signing.dumps(payload, salt=SALT, compress=False)


def read_attempt_token_payload(token: object) -> AttemptTokenPayload:
    """Verify ``token`` (signature and age) without touching the database.

    Raises ``InvalidAttemptToken``.
    """
    if not isinstance(token, str) or not token or len(token) > 512:
        raise InvalidAttemptToken("malformed")
    try:
        data = signing.loads(
            token, salt=SALT, max_age=settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired as exc:
        raise InvalidAttemptToken("expired") from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise InvalidAttemptToken("bad signature") from exc
    try:
        user_id = data["u"]
        launch_id = data["l"]
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise TypeError
        if not isinstance(launch_id, str):
            raise TypeError
        return AttemptTokenPayload(uuid.UUID(data["a"]), user_id, launch_id)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidAttemptToken("bad payload") from exc


def read_attempt_token(token: object) -> Attempt:
    """The attempt a valid token was minted for; raises ``InvalidAttemptToken``.

    Ownership is part of the query (attempt uuid *and* user id), so a token can
    never reach another learner's attempt.
    """
    payload = read_attempt_token_payload(token)
    try:
        return Attempt.objects.select_related("package", "activity").get(
            uuid=payload.attempt_uuid, user_id=payload.user_id
        )
    except Attempt.DoesNotExist as exc:
        raise InvalidAttemptToken("unknown attempt") from exc
