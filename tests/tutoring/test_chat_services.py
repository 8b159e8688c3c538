"""Chat services: posting, idempotency, history, moderation, limits, access."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring import builders_chat
from tutoring import chat, cohorts
from tutoring.chat import ChatError, Room
from tutoring.models import ChatMessage
from tutoring.realtime import chat_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_chat_keys")]

clean_chat_keys = builders_chat.clean_chat_keys
broadcasts = builders_chat.broadcasts


@pytest.fixture
def setup():
    return make_cohort(learners=3, activities=1)


def test_post_stores_plain_text_and_broadcasts_after_commit(
    setup, committed, broadcasts
):
    """A message is stored as typed (stripped) and broadcast to its room once committed."""
    room = Room(setup.cohort.pk)
    author = setup.learners[0]
    with committed():
        message, created = chat.post_message(
            room, author, uuid.uuid4(), "  <b>Bonjour</b> & bienvenue  "
        )
        assert broadcasts == []  # nothing before the commit
    assert created
    assert message.body == "<b>Bonjour</b> & bienvenue"
    assert [(g, t) for g, t, _ in broadcasts] == [
        (chat_group(setup.cohort.pk), "chat.message")
    ]
    sent = broadcasts[0][2]["message"]
    assert sent["id"] == message.pk and sent["author_id"] == author.pk
    assert sent["body"] == "<b>Bonjour</b> & bienvenue"
    assert sent["author_name"] == author.get_full_name()


def test_same_client_id_twice_stores_one_message_and_broadcasts_once(
    setup, committed, broadcasts
):
    """A re-sent message (same client id) returns the stored one, without a second broadcast."""
    room = Room(setup.cohort.pk)
    client_id = uuid.uuid4()
    with committed():
        first, created = chat.post_message(room, setup.learners[0], client_id, "Salut")
    with committed():
        again, created_again = chat.post_message(
            room, setup.learners[0], str(client_id), "Salut"
        )
    assert created and not created_again
    assert again.pk == first.pk
    assert ChatMessage.objects.count() == 1
    assert len(broadcasts) == 1


def test_the_same_client_id_of_two_people_are_two_messages(setup):
    """De-duplication is per author: two people may pick the same client id."""
    room, client_id = Room(setup.cohort.pk), uuid.uuid4()
    chat.post_message(room, setup.learners[0], client_id, "Un")
    chat.post_message(room, setup.learners[1], client_id, "Deux")
    assert ChatMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty"), ("   \n ", "empty"), ("x" * 2001, "too_long"), (None, "invalid")],
)
def test_bad_bodies_are_refused_with_a_french_message(setup, body, code):
    """Empty, oversized or non-text bodies are refused and nothing is stored."""
    with pytest.raises(ChatError) as error:
        chat.post_message(Room(setup.cohort.pk), setup.learners[0], uuid.uuid4(), body)
    assert error.value.code == code
    assert error.value.message
    assert not ChatMessage.objects.exists()


def test_exactly_2000_characters_are_accepted(setup):
    """The limit is inclusive."""
    message, _ = chat.post_message(
        Room(setup.cohort.pk), setup.learners[0], uuid.uuid4(), "é" * 2000
    )
    assert len(message.body) == 2000


def test_invalid_client_id_is_refused(setup):
    """A client id that is not a UUID is refused."""
    with pytest.raises(ChatError) as error:
        chat.post_message(Room(setup.cohort.pk), setup.learners[0], "abc", "Salut")
    assert error.value.code == "invalid"


def test_client_id_of_another_room_is_refused(setup):
    """Re-using a client id in another room does not leak or move the first message."""
    group = make_group(setup.cohort, "A", members=[setup.learners[0]])
    client_id = uuid.uuid4()
    chat.post_message(Room(setup.cohort.pk), setup.learners[0], client_id, "Salut")
    with pytest.raises(ChatError):
        chat.post_message(
            Room(setup.cohort.pk, group.pk), setup.learners[0], client_id, "Salut"
        )


@override_settings(TUTORING_CHAT_RATE_LIMITS=((3, 10), (60, 60)))
def test_flooding_is_refused_per_user(setup):
    """Past the limit a person's messages are refused; others can still write."""
    room = Room(setup.cohort.pk)
    flooder = setup.learners[0]
    for n in range(3):
        chat.post_message(room, flooder, uuid.uuid4(), f"message {n}")
    with pytest.raises(ChatError) as error:
        chat.post_message(room, flooder, uuid.uuid4(), "encore")
    assert error.value.code == "rate_limited"
    assert "trop de messages" in error.value.message
    chat.post_message(room, setup.learners[1], uuid.uuid4(), "moi aussi")
    assert ChatMessage.objects.filter(author=flooder).count() == 3


@override_settings(TUTORING_CHAT_RATE_LIMITS=((1, 10),))
def test_resending_an_acknowledged_message_is_not_rate_limited(setup):
    """A reconnecting client re-sending its messages is not counted again."""
    room, client_id = Room(setup.cohort.pk), uuid.uuid4()
    chat.post_message(room, setup.learners[0], client_id, "Un")
    message, created = chat.post_message(room, setup.learners[0], client_id, "Un")
    assert not created and message.body == "Un"


def test_default_limits_allow_ten_messages_in_ten_seconds(setup):
    """The default limit is 10 messages per 10 s."""
    room = Room(setup.cohort.pk)
    for n in range(10):
        chat.post_message(room, setup.learners[0], uuid.uuid4(), f"m{n}")
    with pytest.raises(ChatError):
        chat.post_message(room, setup.learners[0], uuid.uuid4(), "m11")


def test_history_after_an_id_and_last_messages(setup):
    """History returns everything after an id in order, or the last N."""
    room = Room(setup.cohort.pk)
    ids = [
        chat.post_message(room, setup.learners[n % 3], uuid.uuid4(), f"m{n}")[0].pk
        for n in range(6)
    ]
    assert [m["id"] for m in chat.history(room, after_id=ids[2])] == ids[3:]
    assert [m["id"] for m in chat.history(room, limit=2)] == ids[-2:]
    assert [m["id"] for m in chat.history(room, after_id=ids[0], limit=2)] == ids[1:3]
    assert chat.history(room, after_id=ids[-1]) == []


def test_rooms_are_separate(setup):
    """A group's messages are not in the cohort room and vice versa."""
    group = make_group(setup.cohort, "A", members=[setup.learners[0]])
    chat.post_message(Room(setup.cohort.pk), setup.learners[1], uuid.uuid4(), "cohorte")
    chat.post_message(
        Room(setup.cohort.pk, group.pk), setup.learners[0], uuid.uuid4(), "groupe"
    )
    assert [m["body"] for m in chat.history(Room(setup.cohort.pk))] == ["cohorte"]
    assert [m["body"] for m in chat.history(Room(setup.cohort.pk, group.pk))] == [
        "groupe"
    ]


def test_tutor_hides_a_message_learners_see_a_placeholder(setup, committed, broadcasts):
    """A hidden message keeps its text for tutors and the audit, not for learners."""
    room = Room(setup.cohort.pk)
    message, _ = chat.post_message(room, setup.learners[0], uuid.uuid4(), "Insulte")
    with committed():
        assert chat.hide_message(message, setup.tutor) is True
    assert [p["id"] for _, t, p in broadcasts if t == "chat.hidden"] == [message.pk]
    message.refresh_from_db()
    assert message.is_hidden and message.hidden_by == setup.tutor
    assert message.body == "Insulte"
    [learner_view] = chat.history(room)
    assert learner_view["is_hidden"] and learner_view["body"] == ""
    [tutor_view] = chat.history(room, reveal_hidden=True)
    assert tutor_view["body"] == "Insulte"
    assert LogEntry.objects.filter(object_id=str(message.pk), user=setup.tutor).exists()
    # Hiding twice changes nothing.
    assert chat.hide_message(message, setup.tutor) is False


def test_learner_cannot_hide(setup):
    """Only tutors may hide messages."""
    message, _ = chat.post_message(
        Room(setup.cohort.pk), setup.learners[0], uuid.uuid4(), "Salut"
    )
    with pytest.raises(PermissionDenied):
        chat.hide_message(message, setup.learners[1])
    with pytest.raises(ChatError) as error:
        chat.hide_in_room(Room(setup.cohort.pk), setup.learners[1], message.pk)
    assert error.value.code == "forbidden"
    message.refresh_from_db()
    assert not message.is_hidden


def test_hide_in_room_ignores_messages_of_other_rooms(setup):
    """A tutor cannot hide, through one room, a message of another room."""
    other = make_cohort(learners=1, activities=1, tutor=setup.tutor)
    message, _ = chat.post_message(
        Room(other.cohort.pk), other.learners[0], uuid.uuid4(), "Ailleurs"
    )
    with pytest.raises(ChatError) as error:
        chat.hide_in_room(Room(setup.cohort.pk), setup.tutor, message.pk)
    assert error.value.code == "invalid"


def test_group_tutor_moderates_their_group_only(setup):
    """A group tutor hides in their group's room, not in another group's room."""
    group_tutor = UserFactory(roles=[Role.TUTOR])
    mine = make_group(setup.cohort, "A", tutor=group_tutor, members=[setup.learners[0]])
    other = make_group(setup.cohort, "B", members=[setup.learners[1]])
    assert chat.can_moderate(group_tutor, setup.cohort, mine.pk)
    assert not chat.can_moderate(group_tutor, setup.cohort, other.pk)
    assert not chat.can_moderate(setup.learners[0], setup.cohort, mine.pk)


def test_room_access_matrix(setup):
    """Who may join which room (cohort room: view_cohort; group room: view_group)."""
    cohort = setup.cohort
    a_member, b_member, no_group = setup.learners
    group_tutor = UserFactory(roles=[Role.TUTOR])
    group_a = make_group(cohort, "A", tutor=group_tutor, members=[a_member])
    group_b = make_group(cohort, "B", members=[b_member])
    outsider = make_cohort(learners=1, activities=1).learners[0]
    staff = UserFactory(roles=[Role.REGISTRATIONS_MANAGER])
    # Cohort room.
    for person in (a_member, no_group, setup.tutor, group_tutor, staff):
        assert chat.can_join(person, cohort), person
    assert not chat.can_join(outsider, cohort)
    # Group rooms.
    assert chat.can_join(a_member, cohort, group_a)
    assert not chat.can_join(b_member, cohort, group_a)
    assert not chat.can_join(no_group, cohort, group_a)
    assert chat.can_join(group_tutor, cohort, group_a)
    assert not chat.can_join(group_tutor, cohort, group_b)
    assert chat.can_join(setup.tutor, cohort, group_b)
    assert chat.can_join(staff, cohort, group_b)
    # Withdrawn learners leave the rooms.
    cohorts.unenrol(cohort, a_member)
    assert not chat.can_join(a_member, cohort)
    assert not chat.can_join(a_member, cohort, group_a)


def test_open_room_distinguishes_unknown_and_forbidden(setup):
    """Unknown cohort or a group of another cohort: not found; no right: denied."""
    other = make_cohort(learners=1, activities=1)
    foreign_group = make_group(other.cohort, "X")
    with pytest.raises(chat.RoomNotFound):
        chat.open_room(setup.learners[0], 999_999)
    with pytest.raises(chat.RoomNotFound):
        chat.open_room(setup.tutor, setup.cohort.pk, foreign_group.pk)
    with pytest.raises(PermissionDenied):
        chat.open_room(setup.learners[0], other.cohort.pk)
    access = chat.open_room(setup.tutor, setup.cohort.pk)
    assert access.can_moderate and access.room == Room(setup.cohort.pk)
    assert not chat.open_room(setup.learners[0], setup.cohort.pk).can_moderate


def test_presence_counts_people_with_a_fresh_connection(setup):
    """Two tabs of one person count once; a stale or closed connection does not count."""
    room = Room(setup.cohort.pk)
    camille, julien = setup.learners[0], setup.learners[1]
    chat.presence_join(room, "tab-1", camille)
    chat.presence_join(room, "tab-2", camille)
    chat.presence_join(room, "tab-3", julien)
    people, count = chat.online(room)
    assert count == 2
    assert {p["id"] for p in people} == {camille.pk, julien.pk}
    chat.presence_leave(room, "tab-3")
    chat.presence_leave(room, "tab-1")
    assert chat.online(room) == (
        [{"id": camille.pk, "name": camille.get_full_name()}],
        1,
    )


def test_stale_connections_are_pruned(setup, monkeypatch):
    """A connection that stopped pinging (lost network) drops out of presence."""
    room = Room(setup.cohort.pk)
    chat.presence_join(room, "tab-1", setup.learners[0])
    monkeypatch.setattr(chat, "PRESENCE_STALE_SECONDS", -1)
    assert chat.prune_stale(room) == 1
    monkeypatch.setattr(chat, "PRESENCE_STALE_SECONDS", 60)
    assert chat.online(room) == ([], 0)
