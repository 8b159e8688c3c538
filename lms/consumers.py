"""WebSocket consumers of the shared core."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .realtime import user_group

#: Close code sent to a socket opened without a signed-in session.
CLOSE_UNAUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Delivers in-app notifications to every open page of the signed-in user.

    Contract: anonymous sockets are closed with 4401; a user only ever joins
    their own group, so nobody can listen to another user's notifications.
    Clients only receive; anything they send is ignored.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return None

    async def user_notification(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "notification", "payload": event["payload"]})


class NoDatabaseEventsMixin:
    """For consumers of big rooms: dispatch the channel-layer events named in
    ``no_database_events`` straight to their handler.

    Channels runs ``close_old_connections`` in a worker thread before *every*
    handler; for a broadcast to 1,000 sockets that thread hop costs more than
    sending the frames. Handlers listed here must not touch the database (they
    forward an already encoded frame); every other message goes the usual way.
    """

    no_database_events: frozenset[str] = frozenset()

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") in self.no_database_events:
            handler = getattr(self, message["type"].replace(".", "_"))
            await handler(message)
            return
        await super().dispatch(message)  # type: ignore[misc]
