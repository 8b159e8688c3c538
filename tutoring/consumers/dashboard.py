"""WebSocket consumer of the tutor dashboard: live ``dashboard.update`` pushes."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path

from lms.consumers import CLOSE_UNAUTHENTICATED, NoDatabaseEventsMixin
from lms.realtime import ROOMS_LAYER

from ..permissions import NO_SCOPE, TutorScope, tutor_scope
from ..realtime import dashboard_group

#: Close code for a signed-in user without the tutor right on the cohort.
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _scope_of(user: Any, cohort_id: int) -> TutorScope | None:
    """The tutor scope, or ``None`` when the cohort does not exist."""
    from ..models import Cohort

    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return None
    return tutor_scope(user, cohort)


class DashboardConsumer(NoDatabaseEventsMixin, AsyncJsonWebsocketConsumer):
    """Forwards ``dashboard.update`` events of one cohort to a tutor's dashboard.

    Contract: anonymous → close 4401; no ``tutoring.tutor_cohort`` right (or an
    unknown cohort) → close 4403. A group tutor only receives the updates of
    learners in their groups (``group_id`` of the payload). Clients only listen:
    what they send is ignored. Payloads come from ``tutoring.aggregates``.
    """

    group: str | None = None
    scope_rights: TutorScope = NO_SCOPE
    no_database_events = frozenset({"dashboard.update"})
    channel_layer_alias = ROOMS_LAYER

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        cohort_id = int(self.scope["url_route"]["kwargs"]["cohort_id"])
        rights = await _scope_of(user, cohort_id)
        if rights is None or not rights.is_tutor:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.scope_rights = rights
        self.group = dashboard_group(cohort_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        return None

    async def dashboard_update(self, event: dict[str, Any]) -> None:
        payload = event.get("payload") or {}
        if not self.scope_rights.allows_group(payload.get("group_id")):
            return
        await self.send_json({"type": "dashboard.update", "payload": payload})


websocket_urlpatterns = [
    path(
        "ws/tutoring/<int:cohort_id>/dashboard/",
        DashboardConsumer.as_asgi(),
    ),
]
