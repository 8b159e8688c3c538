"""WebSockets through the real Redis channel layer."""

import pytest
from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import path

from lms.asgi import application
from lms.consumers import CLOSE_UNAUTHENTICATED
from lms.realtime import broadcast, user_group
from tests.factories import UserFactory

ORIGIN = (b"origin", b"http://127.0.0.1")


class RoomEchoConsumer(AsyncJsonWebsocketConsumer):
    """Test consumer: whatever one client sends is relayed to every client of the room."""

    async def connect(self):
        self.room = f"tests.room.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.channel_layer.group_send(
            self.room, {"type": "room.message", "text": content["text"]}
        )

    async def room_message(self, event):
        await self.send_json({"text": event["text"]})


room_app = URLRouter([path("ws/rooms/<str:room>/", RoomEchoConsumer.as_asgi())])


def test_settings_use_the_redis_channel_layer():
    """The suite runs on channels_redis, not the in-memory layer."""
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == (
        "channels_redis.core.RedisChannelLayer"
    )
    assert type(get_channel_layer()).__module__.startswith("channels_redis")


@pytest.mark.django_db(transaction=True)
async def test_two_clients_round_trip_through_redis():
    """A message sent by one client reaches both clients of the room via Redis."""
    alice = WebsocketCommunicator(room_app, "/ws/rooms/cohorte-1/")
    bob = WebsocketCommunicator(room_app, "/ws/rooms/cohorte-1/")
    outsider = WebsocketCommunicator(room_app, "/ws/rooms/cohorte-2/")
    for client in (alice, bob, outsider):
        connected, _ = await client.connect()
        assert connected
    await alice.send_json_to({"text": "Bonjour la cohorte"})
    assert await bob.receive_json_from(timeout=5) == {"text": "Bonjour la cohorte"}
    assert await alice.receive_json_from(timeout=5) == {"text": "Bonjour la cohorte"}
    assert await outsider.receive_nothing(timeout=0.5)
    for client in (alice, bob, outsider):
        await client.disconnect()


async def session_cookie_for(user):
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode())


@pytest.mark.django_db(transaction=True)
async def test_anonymous_notification_socket_is_closed():
    """Without a session the notification socket is refused with code 4401."""
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[ORIGIN]
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == CLOSE_UNAUTHENTICATED


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_rejected():
    """A page from another site cannot open a socket with the user's cookie (CSWSH)."""
    user = await sync_to_async(UserFactory)()
    cookie = await session_cookie_for(user)
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"https://evil.example"), cookie],
    )
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_user_receives_only_own_notifications():
    """Each user's open pages get their notifications and nobody else's."""
    camille = await sync_to_async(UserFactory)()
    julien = await sync_to_async(UserFactory)()
    sockets = {}
    for user in (camille, julien):
        communicator = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[ORIGIN, await session_cookie_for(user)],
        )
        connected, _ = await communicator.connect()
        assert connected
        sockets[user.pk] = communicator
    await sync_to_async(broadcast)(
        user_group(camille.pk), "user.notification", {"message": "Nouveau devoir"}
    )
    received = await sockets[camille.pk].receive_json_from(timeout=5)
    assert received == {
        "type": "notification",
        "payload": {"message": "Nouveau devoir"},
    }
    assert await sockets[julien.pk].receive_nothing(timeout=0.5)
    for communicator in sockets.values():
        await communicator.disconnect()
