"""The chat WebSocket through the real Redis channel layer (and the real ASGI stack)."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, override_settings

from lms.asgi import application
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring.builders_chat import clear_chat_keys
from tutoring.models import ChatMessage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_redis"),
]

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture
def clean_redis():
    clear_chat_keys()
    yield
    clear_chat_keys()


async def cookie_for(user):
    client = Client()
    await sync_to_async(client.force_login)(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={value}".encode())


async def open_socket(user, path, *, expect=True):
    headers = [ORIGIN]
    if user is not None:
        headers.append(await cookie_for(user))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await socket.connect(timeout=5)
    if expect:
        assert connected, code
    return socket, connected, code


def room_path(cohort_id, group_id=None):
    if group_id is None:
        return f"/ws/tutoring/{cohort_id}/chat/"
    return f"/ws/tutoring/{cohort_id}/groups/{group_id}/chat/"


async def receive_until(socket, kind, timeout=5):
    """Frames until one of type ``kind`` (the others are returned too)."""
    seen = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return frame, seen


async def frames_of(socket, kind, wait=0.5):
    """Every frame of type ``kind`` that arrives within ``wait`` seconds."""
    found = []
    # receive_nothing() peeks without cancelling the application on timeout.
    while not await socket.receive_nothing(timeout=wait):
        frame = await socket.receive_json_from()
        if frame["type"] == kind:
            found.append(frame)
    return found


async def hello(socket, last_id=None):
    await socket.send_json_to({"type": "hello", "last_id": last_id})
    frame, _ = await receive_until(socket, "history")
    return frame


@pytest.fixture
def setup():
    return make_cohort(learners=3, activities=1)


async def test_two_clients_exchange_messages_through_redis(setup):
    """A message from one learner reaches the other learner and the sender once each."""
    alice, bob = setup.learners[0], setup.learners[1]
    path = room_path(setup.cohort.pk)
    a, *_ = await open_socket(alice, path)
    b, *_ = await open_socket(bob, path)
    assert (await hello(a))["messages"] == []
    await hello(b)
    client_id = str(uuid.uuid4())
    await a.send_json_to(
        {"type": "message", "client_id": client_id, "body": "Bonjour !"}
    )
    ack, frames = await receive_until(a, "ack")
    assert ack["client_id"] == client_id and ack["duplicate"] is False
    received, _ = await receive_until(b, "message")
    message = received["message"]
    assert message["id"] == ack["id"]
    assert message["client_id"] == client_id
    assert message["author_id"] == alice.pk
    assert message["body"] == "Bonjour !"
    assert message["is_hidden"] is False
    # The sender's socket hears its own message exactly once too.
    own = [f for f in frames if f["type"] == "message"]
    own += await frames_of(a, "message")
    assert [f["message"]["id"] for f in own] == [ack["id"]]
    assert await frames_of(b, "message") == []
    # Bob answers.
    await b.send_json_to(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": "Salut Alice"}
    )
    reply, _ = await receive_until(a, "message")
    assert reply["message"]["body"] == "Salut Alice"
    for socket in (a, b):
        await socket.disconnect()


async def test_reconnect_without_loss_or_duplicates(setup):
    """Messages re-sent after a drop are stored once, broadcast once, and history
    brings back everything."""
    alice, bob = setup.learners[0], setup.learners[1]
    path = room_path(setup.cohort.pk)
    watcher, *_ = await open_socket(bob, path)
    await hello(watcher)
    first, *_ = await open_socket(alice, path)
    start = await hello(first)
    client_ids = [str(uuid.uuid4()) for _ in range(3)]
    for n, client_id in enumerate(client_ids):
        await first.send_json_to(
            {"type": "message", "client_id": client_id, "body": f"message {n}"}
        )
    # Drop before reading any acknowledgement.
    await first.disconnect()
    second, *_ = await open_socket(alice, path)
    history = await hello(second, start["last_id"])
    # Re-send the ones the client never saw acknowledged (all three).
    for n, client_id in enumerate(client_ids):
        await second.send_json_to(
            {"type": "message", "client_id": client_id, "body": f"message {n}"}
        )
    acks = []
    while len(acks) < 3:
        frame, _ = await receive_until(second, "ack")
        acks.append(frame)
    stored = await sync_to_async(list)(
        ChatMessage.objects.filter(cohort=setup.cohort).order_by("id")
    )
    assert [m.body for m in stored] == ["message 0", "message 1", "message 2"]
    assert {a["client_id"]: a["id"] for a in acks} == {
        str(m.client_id): m.pk for m in stored
    }
    seen_in_history = [m["client_id"] for m in history["messages"]]
    # Whatever history did not yet hold was stored by the re-send (not duplicated).
    for ack in acks:
        assert ack["duplicate"] is (ack["client_id"] in seen_in_history)
    # The other member heard each message exactly once.
    heard = await frames_of(watcher, "message", wait=1)
    assert sorted(f["message"]["id"] for f in heard) == [m.pk for m in stored]
    # A third connection from the start gets the complete history.
    third, *_ = await open_socket(alice, path)
    full = await hello(third, start["last_id"])
    assert [m["id"] for m in full["messages"]] == [m.pk for m in stored]
    assert full["last_id"] == stored[-1].pk and full["has_more"] is False
    for socket in (watcher, second, third):
        await socket.disconnect()


async def test_hello_without_last_id_returns_the_last_hundred(setup):
    """A fresh page gets the last 100 messages, in order."""
    from tutoring.models import ChatMessage as Message

    author = setup.learners[0]
    await sync_to_async(Message.objects.bulk_create)(
        [
            Message(
                cohort=setup.cohort, author=author, client_id=uuid.uuid4(), body=f"m{n}"
            )
            for n in range(120)
        ]
    )
    socket, *_ = await open_socket(author, room_path(setup.cohort.pk))
    history = await hello(socket)
    assert len(history["messages"]) == 100
    assert history["messages"][-1]["body"] == "m119"
    assert history["messages"][0]["body"] == "m20"
    await socket.disconnect()


async def test_other_cohort_room_is_refused(setup):
    """A learner cannot open another cohort's chat (4403), nor another group's."""
    other = await sync_to_async(make_cohort)(learners=1, activities=1)
    _, connected, code = await open_socket(
        setup.learners[0], room_path(other.cohort.pk), expect=False
    )
    assert not connected and code == 4403
    group_a = await sync_to_async(make_group)(
        setup.cohort, "A", members=[setup.learners[0]]
    )
    group_b = await sync_to_async(make_group)(
        setup.cohort, "B", members=[setup.learners[1]]
    )
    _, connected, code = await open_socket(
        setup.learners[0], room_path(setup.cohort.pk, group_b.pk), expect=False
    )
    assert not connected and code == 4403
    socket, *_ = await open_socket(
        setup.learners[0], room_path(setup.cohort.pk, group_a.pk)
    )
    await socket.disconnect()
    # A tutor of another cohort is refused as well.
    _, connected, code = await open_socket(
        other.tutor, room_path(setup.cohort.pk), expect=False
    )
    assert not connected and code == 4403


async def test_anonymous_and_unknown_rooms(setup):
    """No session: 4401; unknown cohort or group: 4404."""
    _, connected, code = await open_socket(
        None, room_path(setup.cohort.pk), expect=False
    )
    assert not connected and code == 4401
    _, connected, code = await open_socket(
        setup.tutor, room_path(999_999), expect=False
    )
    assert code == 4404
    _, connected, code = await open_socket(
        setup.tutor, room_path(setup.cohort.pk, 999_999), expect=False
    )
    assert code == 4404


async def test_group_room_messages_stay_in_the_group(setup):
    """A group message reaches the group, not the cohort room."""
    member, outsider = setup.learners[0], setup.learners[1]
    group = await sync_to_async(make_group)(setup.cohort, "A", members=[member])
    in_group, *_ = await open_socket(setup.tutor, room_path(setup.cohort.pk, group.pk))
    in_cohort, *_ = await open_socket(outsider, room_path(setup.cohort.pk))
    sender, *_ = await open_socket(member, room_path(setup.cohort.pk, group.pk))
    await sender.send_json_to(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": "Entre nous"}
    )
    frame, _ = await receive_until(in_group, "message")
    assert frame["message"]["body"] == "Entre nous"
    assert await frames_of(in_cohort, "message") == []
    for socket in (in_group, in_cohort, sender):
        await socket.disconnect()


@override_settings(TUTORING_CHAT_RATE_LIMITS=((3, 10),))
async def test_flooding_gets_a_rate_limit_error(setup):
    """Past the limit the sender gets a French error and nothing is stored or broadcast."""
    socket, *_ = await open_socket(setup.learners[0], room_path(setup.cohort.pk))
    for n in range(3):
        await socket.send_json_to(
            {"type": "message", "client_id": str(uuid.uuid4()), "body": f"m{n}"}
        )
        await receive_until(socket, "ack")
    refused = str(uuid.uuid4())
    await socket.send_json_to({"type": "message", "client_id": refused, "body": "m3"})
    error, _ = await receive_until(socket, "error")
    assert error["code"] == "rate_limited" and error["client_id"] == refused
    assert "trop de messages" in error["message"]
    assert await sync_to_async(ChatMessage.objects.count)() == 3
    await socket.disconnect()


async def test_bad_frames_get_errors_and_the_socket_stays_open(setup):
    """Malformed JSON, unknown types, oversized frames, bad bodies: errors, no crash."""
    socket, *_ = await open_socket(setup.learners[0], room_path(setup.cohort.pk))
    await socket.send_to(text_data="{pas du json")
    assert (await receive_until(socket, "error"))[0]["code"] == "invalid"
    await socket.send_json_to({"type": "danse"})
    assert (await receive_until(socket, "error"))[0]["code"] == "invalid"
    await socket.send_json_to(["type", "message"])
    assert (await receive_until(socket, "error"))[0]["code"] == "invalid"
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await receive_until(socket, "error"))[0]["code"] == "invalid"
    huge = json.dumps(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": "x" * 17000}
    )
    await socket.send_to(text_data=huge)
    assert (await receive_until(socket, "error"))[0]["code"] == "too_long"
    client_id = str(uuid.uuid4())
    await socket.send_json_to(
        {"type": "message", "client_id": client_id, "body": "x" * 2001}
    )
    error, _ = await receive_until(socket, "error")
    assert error["code"] == "too_long" and error["client_id"] == client_id
    await socket.send_json_to({"type": "message", "client_id": client_id, "body": "  "})
    assert (await receive_until(socket, "error"))[0]["code"] == "empty"
    await socket.send_json_to(
        {"type": "message", "client_id": "pas-un-uuid", "body": "a"}
    )
    assert (await receive_until(socket, "error"))[0]["code"] == "invalid"
    await socket.send_json_to({"type": "hello", "last_id": "abc"})
    assert (await receive_until(socket, "error"))[0]["code"] == "invalid"
    # Still alive.
    await socket.send_json_to({"type": "message", "client_id": client_id, "body": "ok"})
    ack, _ = await receive_until(socket, "ack")
    assert ack["client_id"] == client_id
    assert await sync_to_async(ChatMessage.objects.count)() == 1
    await socket.send_json_to({"type": "ping"})
    await receive_until(socket, "pong")
    await socket.disconnect()


async def test_html_is_stored_and_relayed_as_text(setup):
    """An HTML/JS injection is kept as plain text (the client renders it with textContent)."""
    socket, *_ = await open_socket(setup.learners[0], room_path(setup.cohort.pk))
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    await socket.send_json_to(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": payload}
    )
    frame, _ = await receive_until(socket, "message")
    assert frame["message"]["body"] == payload
    stored = await sync_to_async(ChatMessage.objects.get)()
    assert stored.body == payload
    await socket.disconnect()


async def test_tutor_hides_a_message_for_everyone(setup):
    """A tutor's hide reaches every member; learners then get a placeholder in history."""
    learner = setup.learners[0]
    path = room_path(setup.cohort.pk)
    tutor_socket, *_ = await open_socket(setup.tutor, path)
    learner_socket, *_ = await open_socket(learner, path)
    await learner_socket.send_json_to(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": "Spam"}
    )
    ack, _ = await receive_until(learner_socket, "ack")
    # A learner may not hide.
    await learner_socket.send_json_to({"type": "hide", "id": ack["id"]})
    error, _ = await receive_until(learner_socket, "error")
    assert error["code"] == "forbidden"
    await tutor_socket.send_json_to({"type": "hide", "id": ack["id"]})
    for socket in (tutor_socket, learner_socket):
        hidden, _ = await receive_until(socket, "hidden")
        assert hidden["id"] == ack["id"]
    learner_history = await hello(learner_socket)
    assert learner_history["messages"][-1]["body"] == ""
    assert learner_history["messages"][-1]["is_hidden"] is True
    tutor_history = await hello(tutor_socket)
    assert tutor_history["messages"][-1]["body"] == "Spam"
    for socket in (tutor_socket, learner_socket):
        await socket.disconnect()


@override_settings(TUTORING_CHAT_PRESENCE_DELAY=0.05)
async def test_presence_follows_people_coming_and_going(setup):
    """Members see who is online; someone leaving disappears from the list."""
    alice, bob = setup.learners[0], setup.learners[1]
    path = room_path(setup.cohort.pk)
    a, *_ = await open_socket(alice, path)

    async def presence_with(socket, ids):
        for _ in range(20):
            frame, _ = await receive_until(socket, "presence")
            if {p["id"] for p in frame["online"]} == ids:
                return frame
        raise AssertionError(f"presence never became {ids}")

    await presence_with(a, {alice.pk})
    b, *_ = await open_socket(bob, path)
    frame = await presence_with(a, {alice.pk, bob.pk})
    assert frame["count"] == 2
    names = {p["name"] for p in frame["online"]}
    assert alice.get_full_name() in names
    await presence_with(b, {alice.pk, bob.pk})
    await b.disconnect()
    frame = await presence_with(a, {alice.pk})
    assert frame["count"] == 1
    await a.disconnect()
