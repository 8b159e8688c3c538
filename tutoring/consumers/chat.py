"""WebSocket consumer of the cohort and group chat rooms.

Routes: ``ws/tutoring/<cohort_id>/chat/`` (cohort room) and
``ws/tutoring/<cohort_id>/groups/<group_id>/chat/`` (group room).

Opening: session cookie required (close 4401 otherwise), the room must exist
(4404) and the person must be allowed to join it (4403; rules
``tutoring.view_cohort`` / ``tutoring.view_group``, see ``tutoring.chat.can_join``).

Protocol (JSON text frames; a frame above 16 KB, malformed JSON or an unknown
type gets an ``error`` with code ``invalid``/``too_long`` and the socket stays
open):

client → server

* ``{"type": "hello", "last_id": N | null}`` — sent after each (re)connection.
  Reply ``{"type": "history", "messages": [message…], "last_id": N | null,
  "has_more": bool}``: every message after ``last_id`` (500 at most; when
  ``has_more``, send another hello from the new ``last_id``), or the last 100.
* ``{"type": "message", "client_id": uuid, "body": str}`` — reply
  ``{"type": "ack", "client_id": …, "id": server_id, "duplicate": bool}``. A new
  message is broadcast once to every socket of the room (the sender's ones
  included) as ``{"type": "message", "message": {id, client_id, author_id,
  author_name, body, created_at, is_hidden}}``; a re-sent one (same client id,
  e.g. after a reconnect) is acknowledged with ``duplicate`` true and not
  broadcast again. Clients keep unacknowledged messages and re-send them after
  ``hello`` on reconnection: nothing is lost, nothing is doubled.
* ``{"type": "ping"}`` every 25 s — keeps the presence fresh; reply
  ``{"type": "pong"}``.
* ``{"type": "hide", "id": N}`` (tutors) — broadcast ``{"type": "hidden",
  "id": N}``.

server → client, besides the replies above

* ``{"type": "presence", "online": [{id, name}…], "count": N}`` when people
  come and go (debounced across processes: at most one broadcast per room per
  ``TUTORING_CHAT_PRESENCE_DELAY`` seconds, default 1, plus 1 s per 100 open
  connections; 100 names at most).
* ``{"type": "error", "client_id": … | null, "code": "rate_limited" | "too_long"
  | "empty" | "invalid" | "forbidden" | "unavailable", "message": French text}``.

Hidden messages come in histories with an empty body for learners and with
their text for tutors.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _

from lms.consumers import CLOSE_UNAUTHENTICATED, NoDatabaseEventsMixin
from lms.realtime import ROOMS_LAYER, broadcast

from .. import chat
from ..chat import ChatError, Room, RoomAccess, RoomNotFound

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
#: Largest frame accepted from a client (a 2,000-character message fits easily).
MAX_FRAME_BYTES = 16 * 1024
#: Presence entries are pruned at most this often per room.
PRESENCE_SWEEP_SECONDS = 30

# Tasks that broadcast presence later; kept so that they are not collected.
_pending: set[asyncio.Task[None]] = set()


def presence_delay() -> float:
    return float(getattr(settings, "TUTORING_CHAT_PRESENCE_DELAY", 1.0))


def _broadcast_presence(room: Room) -> None:
    chat.release_presence_broadcast(room)
    people, count = chat.online(room)
    broadcast(
        room.channel_group,
        "chat.presence",
        {
            "online": people,
            "count": count,
            "frame": chat.frame({"type": "presence", "online": people, "count": count}),
        },
        alias=ROOMS_LAYER,
    )


async def _presence_later(room: Room, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await sync_to_async(_broadcast_presence, thread_sensitive=False)(room)
    except Exception:  # noqa: BLE001 - presence is best effort
        logger.warning("presence broadcast failed room=%s", room.key, exc_info=True)


class ChatConsumer(NoDatabaseEventsMixin, AsyncJsonWebsocketConsumer):
    """One participant's socket in one chat room (see the module docstring).

    Thin: every read and write goes through ``tutoring.chat``; the database is
    reached with ``database_sync_to_async``, Redis (presence) in worker threads.
    """

    access: RoomAccess | None = None
    channel_layer_alias = ROOMS_LAYER
    no_database_events = frozenset({"chat.message", "chat.hidden", "chat.presence"})

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        try:
            self.access = await database_sync_to_async(chat.open_room)(
                user, kwargs["cohort_id"], kwargs.get("group_id")
            )
        except RoomNotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except PermissionDenied:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(
            self.access.room.channel_group, self.channel_name
        )
        await self.accept()
        await self._presence(chat.presence_join, self.channel_name, user)
        await self._schedule_presence()

    async def disconnect(self, code: int) -> None:
        if self.access is None:
            return
        room = self.access.room
        await self.channel_layer.group_discard(room.channel_group, self.channel_name)
        await self._presence(chat.presence_leave, self.channel_name)
        await self._schedule_presence()

    # --- client frames --------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        if text_data is None:
            await self._error("invalid", _("Seuls les messages texte sont acceptés."))
            return
        if len(text_data) > MAX_FRAME_BYTES or (
            len(text_data.encode("utf-8")) > MAX_FRAME_BYTES
        ):
            await self._error("too_long", _("Le message envoyé est trop volumineux."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("invalid", _("Le message envoyé est illisible."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "hello": self.on_hello,
            "message": self.on_message,
            "ping": self.on_ping,
            "hide": self.on_hide,
        }.get(kind)  # type: ignore[arg-type]
        if handler is None or self.access is None:
            await self._error("invalid", _("Type de message inconnu."))
            return
        client_id = content.get("client_id") if kind == "message" else None
        try:
            await handler(content)
        except ChatError as error:
            await self._error(error.code, error.message, client_id)
        except OSError:  # the client left before our answer (e.g. the ack): it
            # re-sends unacknowledged messages on reconnection; nothing to do.
            logger.info("chat client gone before the answer type=%s", kind)
        except Exception:  # noqa: BLE001 - keep the socket; the client retries
            logger.exception("chat frame failed type=%s", kind)
            await self._error(
                "unavailable",
                _("Le service de chat est momentanément indisponible."),
                client_id,
            )

    async def on_hello(self, content: dict[str, Any]) -> None:
        last_id = content.get("last_id")
        if last_id is not None and (
            isinstance(last_id, bool) or not isinstance(last_id, int) or last_id < 0
        ):
            raise ChatError("invalid", _("Le dernier message connu est invalide."))
        access = self.access
        assert access is not None  # noqa: S101 - set in connect
        limit = chat.HISTORY_MAX if last_id is not None else chat.HISTORY_LIMIT
        messages = await database_sync_to_async(chat.history)(
            access.room, last_id, limit, reveal_hidden=access.can_moderate
        )
        await self.send_json(
            {
                "type": "history",
                "messages": messages,
                "last_id": messages[-1]["id"] if messages else last_id,
                "has_more": last_id is not None and len(messages) >= limit,
            }
        )

    async def on_message(self, content: dict[str, Any]) -> None:
        access = self.access
        assert access is not None  # noqa: S101 - set in connect
        message, created = await database_sync_to_async(chat.post_message)(
            access.room,
            self.scope["user"],
            content.get("client_id"),
            content.get("body"),
        )
        await self.send_json(
            {
                "type": "ack",
                "client_id": str(message.client_id),
                "id": message.pk,
                "duplicate": not created,
            }
        )

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self._presence(chat.presence_ping, self.channel_name, self.scope["user"])
        await self.send_json({"type": "pong"})
        # Connections that vanished without closing (a lost network) are pruned
        # by one socket per room now and then.
        if await self._presence(
            chat.claim_presence_sweep, PRESENCE_SWEEP_SECONDS
        ) and await self._presence(chat.prune_stale):
            await self._schedule_presence()

    async def on_hide(self, content: dict[str, Any]) -> None:
        access = self.access
        assert access is not None  # noqa: S101 - set in connect
        await database_sync_to_async(chat.hide_in_room)(
            access.room, self.scope["user"], content.get("id")
        )

    # --- room events -----------------------------------------------------------------

    # Room events carry their frame already encoded (``chat.frame``): a
    # broadcast to 1,000 sockets encodes JSON once, not 1,000 times.

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["payload"]["frame"])

    async def chat_hidden(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["payload"]["frame"])

    async def chat_presence(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["payload"]["frame"])

    # --- helpers ---------------------------------------------------------------------

    async def _error(self, code: str, message: str, client_id: Any = None) -> None:
        await self.send_json(
            {
                "type": "error",
                "client_id": client_id if isinstance(client_id, str) else None,
                "code": code,
                "message": message,
            }
        )

    async def _presence(self, function: Any, *args: Any) -> Any:
        """Run a presence operation of ``tutoring.chat`` for this room in a
        worker thread; presence is best effort (logged, never fatal)."""
        if self.access is None:
            return None
        try:
            return await sync_to_async(function, thread_sensitive=False)(
                self.access.room, *args
            )
        except Exception:  # noqa: BLE001
            logger.warning("chat presence failed", exc_info=True)
            return None

    async def _schedule_presence(self) -> None:
        """Broadcast the room's presence soon, unless another socket (of any
        process) already will: a room of 1,000 people filling up sends a handful
        of presence lists, not 1,000. Big rooms wait longer (1 s more per 100
        connections): each list goes to every socket."""
        size = await self._presence(chat.presence_size) or 0
        delay = presence_delay() * (1 + size // 100)
        if not await self._presence(chat.claim_presence_broadcast, delay * 5):
            return
        task = asyncio.get_running_loop().create_task(
            _presence_later(self.access.room, delay)  # type: ignore[union-attr]
        )
        _pending.add(task)
        task.add_done_callback(_pending.discard)


websocket_urlpatterns = [
    path("ws/tutoring/<int:cohort_id>/chat/", ChatConsumer.as_asgi()),
    path(
        "ws/tutoring/<int:cohort_id>/groups/<int:group_id>/chat/",
        ChatConsumer.as_asgi(),
    ),
]
