"""Real-time chat of cohort and group rooms: post, history, moderation, limits, presence.

A *room* is a cohort (``group_id`` None) or one group inside it. Messages are
plain text: stored as typed (stripped), escaped wherever they are rendered
(templates autoescape, the browser client uses ``textContent``), never HTML.

Delivery without loss or duplicates across reconnects rests on three things:
the client-generated ``client_id`` (unique per author in the database, so a
re-sent message is a no-op that returns the stored one), the acknowledgement
carrying the server id, and ``history(after_id=…)`` for everything a client
missed while offline. A message is broadcast to the room once, after commit,
only when it was created.

Per-user rate limits and presence live in Redis (through the Django cache
connection), so they hold across ASGI processes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from lms import audit
from lms.cache import count_in_window, redis_client
from lms.permissions import has_object_permission
from lms.realtime import ROOMS_LAYER, broadcast

from .models import ChatMessage, Cohort, CohortGroup
from .permissions import tutor_scope
from .realtime import chat_group

logger = logging.getLogger(__name__)

#: Longest message, in characters (after stripping).
MAX_BODY_CHARS = 2000
#: Messages a hello without ``last_id`` returns, and the cap of one history page.
HISTORY_LIMIT = 100
HISTORY_MAX = 500
#: Default limits: (messages, window in seconds), all must hold.
DEFAULT_RATE_LIMITS = ((10, 10), (60, 60))
#: A connection counts as online this long after its last ping (clients ping
#: every 25 s: two missed pings make it stale).
PRESENCE_STALE_SECONDS = 60
#: Presence lists name at most this many people (``count`` gives the total).
PRESENCE_LIST_MAX = 100


class ChatError(Exception):
    """A refused chat action: ``code`` for clients, ``message`` in French."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RoomNotFound(Exception):
    """The cohort or group of a room does not exist (or the group is elsewhere)."""


class MessageData(TypedDict):
    id: int
    client_id: str
    author_id: int
    author_name: str
    body: str
    created_at: str
    is_hidden: bool


class PresenceEntry(TypedDict):
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Room:
    """A chat room: a cohort, or one group of it."""

    cohort_id: int
    group_id: int | None = None

    @property
    def channel_group(self) -> str:
        return chat_group(self.cohort_id, self.group_id)

    @property
    def key(self) -> str:
        """Stable short name (Redis keys, the browser's outbox)."""
        if self.group_id is None:
            return str(self.cohort_id)
        return f"{self.cohort_id}-g{self.group_id}"

    @classmethod
    def of(cls, message: ChatMessage) -> Room:
        return cls(message.cohort_id, message.group_id)


@dataclass(frozen=True, slots=True)
class RoomAccess:
    """What ``open_room`` found: the room and what the person may do in it."""

    room: Room
    cohort: Cohort
    group: CohortGroup | None
    can_moderate: bool


# --- Access --------------------------------------------------------------------------


def can_join(user: Any, cohort: Cohort, group: CohortGroup | None = None) -> bool:
    """May ``user`` read and write in the room (``tutoring.view_cohort`` for the
    cohort room, ``tutoring.view_group`` for a group room)?"""
    if group is None:
        return has_object_permission(user, "tutoring.view_cohort", cohort)
    return group.cohort_id == cohort.pk and has_object_permission(
        user, "tutoring.view_group", group
    )


def can_moderate(user: Any, cohort: Cohort | int, group_id: int | None) -> bool:
    """Tutors hide messages: any tutor of the cohort (or IFPC staff) in the cohort
    room, the cohort's tutors and the group's tutor in a group room."""
    scope = tutor_scope(user, cohort)
    if group_id is None:
        return scope.is_tutor
    return scope.allows_group(group_id)


def open_room(user: Any, cohort_id: int, group_id: int | None = None) -> RoomAccess:
    """The room ``user`` asks to join.

    Raises ``RoomNotFound`` for an unknown cohort or a group outside it and
    ``PermissionDenied`` when ``user`` may not join.
    """
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        raise RoomNotFound
    group = None
    if group_id is not None:
        group = CohortGroup.objects.filter(pk=group_id, cohort=cohort).first()
        if group is None:
            raise RoomNotFound
    if not can_join(user, cohort, group):
        raise PermissionDenied
    return RoomAccess(
        room=Room(cohort.pk, group.pk if group else None),
        cohort=cohort,
        group=group,
        can_moderate=can_moderate(user, cohort, group.pk if group else None),
    )


# --- Messages ------------------------------------------------------------------------


def author_name(user: Any) -> str:
    return user.get_full_name() or user.email


def serialize(message: ChatMessage, *, reveal_hidden: bool = False) -> MessageData:
    """A message as clients receive it; a hidden message's text only for
    moderators (``reveal_hidden``), an empty body for everyone else."""
    return {
        "id": message.pk,
        "client_id": str(message.client_id),
        "author_id": message.author_id,
        "author_name": author_name(message.author),
        "body": message.body if (reveal_hidden or not message.is_hidden) else "",
        "created_at": message.created_at.isoformat(),
        "is_hidden": message.is_hidden,
    }


def frame(data: dict[str, Any]) -> str:
    """A server → client frame, encoded once for every socket of the room."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def clean_body(body: Any) -> str:
    """The text to store; ``ChatError`` (empty, too_long, invalid) otherwise."""
    if not isinstance(body, str):
        raise ChatError("invalid", _("Le message est illisible."))
    # PostgreSQL text cannot hold NUL characters; they carry no meaning here.
    body = body.replace("\x00", "").strip()
    if not body:
        raise ChatError("empty", _("Le message est vide."))
    if len(body) > MAX_BODY_CHARS:
        raise ChatError(
            "too_long",
            _("Le message dépasse %(max)s caractères.") % {"max": MAX_BODY_CHARS},
        )
    return body


def parse_client_id(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ChatError(
            "invalid", _("L'identifiant du message est invalide.")
        ) from None


def post_message(
    room: Room, author: Any, client_id: Any, body: Any
) -> tuple[ChatMessage, bool]:
    """Store a message of ``author`` in ``room``; idempotent on (author, client_id).

    Precondition: ``author`` may join the room (``can_join``, checked when the
    socket or page opened). Returns ``(message, created)``: a message re-sent
    with the same client id returns the stored one with ``created`` False
    (neither rate-limited nor broadcast again). A created message is broadcast
    to the room as ``chat.message`` after commit.

    Raises ``ChatError``: ``invalid`` (client id, or the id already used in
    another room), ``empty``, ``too_long``, ``rate_limited``.
    """
    client_uuid = parse_client_id(client_id)
    text = clean_body(body)
    existing = _existing(room, author, client_uuid)
    if existing is not None:
        return existing, False
    check_rate(author.pk)
    try:
        with transaction.atomic():
            message = ChatMessage.objects.create(
                cohort_id=room.cohort_id,
                group_id=room.group_id,
                author=author,
                client_id=client_uuid,
                body=text,
            )
    except IntegrityError:
        # Two sockets of the same person raced with the same client id.
        existing = _existing(room, author, client_uuid)
        if existing is None:
            raise
        return existing, False
    message.author = author
    data = serialize(message)
    payload = {"message": data, "frame": frame({"type": "message", "message": data})}
    transaction.on_commit(lambda: _broadcast(room, "chat.message", payload))
    return message, True


def _existing(room: Room, author: Any, client_uuid: uuid.UUID) -> ChatMessage | None:
    message = (
        ChatMessage.objects.filter(author=author, client_id=client_uuid)
        .select_related("author")
        .first()
    )
    if message is not None and Room.of(message) != room:
        raise ChatError("invalid", _("L'identifiant du message est déjà utilisé."))
    return message


def history(
    room: Room,
    after_id: int | None = None,
    limit: int = HISTORY_LIMIT,
    *,
    reveal_hidden: bool = False,
) -> list[MessageData]:
    """Messages of ``room`` in id order: the first ``limit`` after ``after_id``
    (at most ``HISTORY_MAX``; ask again from the last id for more), or the last
    ``limit`` ones. Hidden messages come with an empty body unless
    ``reveal_hidden`` (moderators)."""
    limit = max(1, min(limit, HISTORY_MAX))
    queryset = ChatMessage.objects.filter(
        cohort_id=room.cohort_id, group_id=room.group_id
    ).select_related("author")
    if after_id is not None:
        rows = list(queryset.filter(id__gt=after_id).order_by("id")[:limit])
    else:
        rows = list(queryset.order_by("-id")[:limit])[::-1]
    return [serialize(row, reveal_hidden=reveal_hidden) for row in rows]


def hide_message(message: ChatMessage, by: Any) -> bool:
    """Hide ``message`` (tutors of its room only; ``PermissionDenied`` otherwise).

    The text stays in the database for the audit trail. Broadcasts
    ``chat.hidden`` after commit and records the change. Returns False when the
    message was already hidden (nothing happens).
    """
    if not can_moderate(by, message.cohort_id, message.group_id):
        raise PermissionDenied
    with transaction.atomic():
        updated = ChatMessage.objects.filter(pk=message.pk, is_hidden=False).update(
            is_hidden=True, hidden_by=by, hidden_at=timezone.now()
        )
        if not updated:
            return False
        message.refresh_from_db(fields=["is_hidden", "hidden_by", "hidden_at"])
        audit.record(
            by, [message], audit.CHANGE, _("Message de chat masqué"), logger=logger
        )
        room = Room.of(message)
        payload = {
            "id": message.pk,
            "frame": frame({"type": "hidden", "id": message.pk}),
        }
        transaction.on_commit(lambda: _broadcast(room, "chat.hidden", payload))
    return True


def hide_in_room(room: Room, by: Any, message_id: Any) -> bool:
    """``hide_message`` for a message id received in ``room`` (``ChatError``
    ``invalid`` for an id outside the room, ``forbidden`` for non-tutors)."""
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise ChatError("invalid", _("Message introuvable."))
    message = ChatMessage.objects.filter(
        pk=message_id, cohort_id=room.cohort_id, group_id=room.group_id
    ).first()
    if message is None:
        raise ChatError("invalid", _("Message introuvable."))
    try:
        return hide_message(message, by)
    except PermissionDenied:
        raise ChatError(
            "forbidden", _("Seuls les tuteurs et tutrices peuvent masquer un message.")
        ) from None


def _broadcast(room: Room, event_type: str, payload: dict[str, Any]) -> None:
    try:
        broadcast(room.channel_group, event_type, payload, alias=ROOMS_LAYER)
    except Exception:  # noqa: BLE001 - stored; clients catch up with history
        logger.warning("chat broadcast failed room=%s", room.key, exc_info=True)


# --- Rate limit ----------------------------------------------------------------------


def rate_limits() -> tuple[tuple[int, int], ...]:
    """(messages, seconds) pairs; setting ``TUTORING_CHAT_RATE_LIMITS``."""
    return tuple(getattr(settings, "TUTORING_CHAT_RATE_LIMITS", DEFAULT_RATE_LIMITS))


def _redis() -> tuple[Any, RedisCache] | None:
    """The shared Redis client of the default cache, with the cache (None without Redis)."""
    client = redis_client()
    return None if client is None else (client, caches["default"])


def check_rate(user_id: int) -> None:
    """Count one message of ``user_id``; ``ChatError("rate_limited")`` past a
    limit. Fixed windows in the shared cache; when the cache is down the message
    goes through (a lost message is worse than a missed limit)."""
    now = time.time()
    for limit, window in rate_limits():
        slot = int(now // window)
        try:
            count = count_in_window(
                f"tutoring:chat:rate:{user_id}:{window}:{slot}", window + 1
            )
        except (RedisError, ValueError, OSError):
            logger.warning("chat rate limit unavailable (cache error)")
            return
        if count > limit:
            raise ChatError(
                "rate_limited",
                _(
                    "Vous envoyez trop de messages : patientez quelques secondes "
                    "avant de réessayer."
                ),
            )


# --- Presence ------------------------------------------------------------------------

_local_presence: dict[str, dict[str, str]] = {}
_local_lock = threading.Lock()


def _presence_key(room: Room) -> str:
    return f"tutoring:chat:presence:{room.key}"


def presence_join(room: Room, connection: str, user: Any) -> None:
    """Record (or refresh) one open connection of ``user`` in ``room``."""
    value = json.dumps({"u": user.pk, "n": author_name(user), "t": time.time()})
    redis = _redis()
    if redis is None:
        with _local_lock:
            _local_presence.setdefault(room.key, {})[connection] = value
        return
    client, backend = redis
    name = backend.make_and_validate_key(_presence_key(room))
    pipe = client.pipeline(transaction=False)
    pipe.hset(name, connection, value)
    # The whole hash goes once nobody pings any more (e.g. every process died).
    pipe.expire(name, PRESENCE_STALE_SECONDS * 3)
    pipe.execute()


presence_ping = presence_join


def presence_leave(room: Room, connection: str) -> None:
    redis = _redis()
    if redis is None:
        with _local_lock:
            _local_presence.get(room.key, {}).pop(connection, None)
        return
    client, backend = redis
    client.hdel(backend.make_and_validate_key(_presence_key(room)), connection)


def _scan(room: Room) -> tuple[dict[int, str], int]:
    """Fresh people of ``room`` (id → name); prunes stale connections and
    returns how many it removed."""
    redis = _redis()
    if redis is None:
        with _local_lock:
            entries = dict(_local_presence.get(room.key, {}))
        client = name = None
    else:
        client, backend = redis
        name = backend.make_and_validate_key(_presence_key(room))
        entries = {
            (k.decode() if isinstance(k, bytes) else k): v
            for k, v in client.hgetall(name).items()
        }
    fresh_after = time.time() - PRESENCE_STALE_SECONDS
    people: dict[int, str] = {}
    stale = []
    for connection, raw in entries.items():
        try:
            data = json.loads(raw)
            user_id, user_name, seen = int(data["u"]), str(data["n"]), data["t"]
        except (ValueError, KeyError, TypeError):
            stale.append(connection)
            continue
        if seen < fresh_after:
            stale.append(connection)
        else:
            people[user_id] = user_name
    if stale:
        if client is not None:
            client.hdel(name, *stale)
        else:
            with _local_lock:
                for connection in stale:
                    _local_presence.get(room.key, {}).pop(connection, None)
    return people, len(stale)


def online(room: Room) -> tuple[list[PresenceEntry], int]:
    """People with at least one fresh connection in ``room``, by name (at most
    ``PRESENCE_LIST_MAX``), and their total count. Prunes stale connections."""
    people, _stale = _scan(room)
    ordered = sorted(people.items(), key=lambda item: (item[1].casefold(), item[0]))
    return (
        [{"id": uid, "name": n} for uid, n in ordered[:PRESENCE_LIST_MAX]],
        len(people),
    )


def prune_stale(room: Room) -> int:
    """Remove connections of ``room`` that stopped pinging; how many went."""
    return _scan(room)[1]


def presence_size(room: Room) -> int:
    """Open connections recorded in ``room`` (fresh or not)."""
    redis = _redis()
    if redis is None:
        with _local_lock:
            return len(_local_presence.get(room.key, {}))
    client, backend = redis
    return int(client.hlen(backend.make_and_validate_key(_presence_key(room))))


def claim_presence_broadcast(room: Room, hold_seconds: float) -> bool:
    """True for the one caller (across processes) that should broadcast the
    room's presence soon; the others rely on it. See the chat consumer."""
    redis = _redis()
    key = f"tutoring:chat:presence-due:{room.key}"
    if redis is None:
        return caches["default"].add(key, 1, max(1, int(hold_seconds)))
    client, backend = redis
    return bool(
        client.set(
            backend.make_and_validate_key(key),
            1,
            px=max(1, int(hold_seconds * 1000)),
            nx=True,
        )
    )


def release_presence_broadcast(room: Room) -> None:
    key = f"tutoring:chat:presence-due:{room.key}"
    redis = _redis()
    if redis is None:
        caches["default"].delete(key)
        return
    client, backend = redis
    client.delete(backend.make_and_validate_key(key))


def claim_presence_sweep(room: Room, seconds: int) -> bool:
    """True at most once per ``seconds`` per room: time to prune stale entries."""
    key = f"tutoring:chat:presence-sweep:{room.key}"
    redis = _redis()
    if redis is None:
        return caches["default"].add(key, 1, seconds)
    client, backend = redis
    return bool(client.set(backend.make_and_validate_key(key), 1, ex=seconds, nx=True))
