"""Real-time plumbing: channel group names and broadcasts to them.

Group names come only from the helpers here so that consumers and services
agree. Services broadcast *after commit* (``transaction.on_commit``) so that a
client never hears about state that was rolled back.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def group_name(kind: str, object_id: int | str) -> str:
    """Channel group for one object, e.g. ``group_name("user", 42)``."""
    return f"tremplin.{kind}.{object_id}"


def user_group(user_id: int) -> str:
    return group_name("user", user_id)


#: Channel layer alias for broadcasts to big rooms (see ``CHANNEL_LAYERS``).
ROOMS_LAYER = "rooms"


def broadcast(
    group: str, event_type: str, payload: dict[str, Any], *, alias: str = "default"
) -> None:
    """Send ``payload`` to every consumer in ``group`` now (call after commit).

    Consumers of big rooms listen on the ``ROOMS_LAYER`` alias
    (``channel_layer_alias``); broadcasts to them must use the same alias.
    """
    layer = get_channel_layer(alias)
    async_to_sync(layer.group_send)(group, {"type": event_type, "payload": payload})


def notify_user_on_commit(user_id: int, payload: dict[str, Any]) -> None:
    """Push a notification to the user's open pages once the transaction commits."""
    transaction.on_commit(
        lambda: broadcast(user_group(user_id), "user.notification", payload)
    )
