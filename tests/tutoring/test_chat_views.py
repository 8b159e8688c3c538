"""The chat page: access per role, escaped history, moderation, the no-JS form."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring.builders_chat import clean_chat_keys  # noqa: F401
from tutoring import chat
from tutoring.chat import Room
from tutoring.models import ChatMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_chat_keys")]


@pytest.fixture
def setup():
    return make_cohort(learners=2, activities=1)


def url(cohort, group=None):
    base = reverse("tutoring:chat", args=[cohort.pk])
    return f"{base}?group={group.pk}" if group else base


def test_anonymous_visitor_is_sent_to_login(client, setup):
    """Without a session the chat page redirects to the login page."""
    response = client.get(url(setup.cohort))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_learner_sees_history_escaped(client, setup):
    """A learner sees the room's messages; HTML in them shows as text."""
    chat.post_message(
        Room(setup.cohort.pk),
        setup.learners[1],
        uuid.uuid4(),
        "<script>alert(1)</script>",
    )
    client.force_login(setup.learners[0])
    response = client.get(url(setup.cohort))
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "tutoring/build/chat.js" in html
    assert f'data-ws-path="/ws/tutoring/{setup.cohort.pk}/chat/"' in html
    assert 'name="hide"' not in html  # no "Masquer" button for learners
    assert 'for="chat-body"' in html and 'role="log"' in html


def test_outsider_and_other_cohort_tutor_are_refused(client, setup):
    """People outside the cohort get a 403."""
    other = make_cohort(learners=1, activities=1)
    for person in (other.learners[0], other.tutor, UserFactory(roles=[Role.TEACHER])):
        client.force_login(person)
        assert client.get(url(setup.cohort)).status_code == 403


def test_unknown_cohort_or_group_is_404(client, setup):
    """Unknown ids and a group of another cohort are not found."""
    other = make_cohort(learners=1, activities=1)
    foreign = make_group(other.cohort, "X")
    client.force_login(setup.tutor)
    assert client.get(reverse("tutoring:chat", args=[999_999])).status_code == 404
    assert client.get(url(setup.cohort, foreign)).status_code == 404
    assert client.get(url(setup.cohort) + "?group=abc").status_code == 404


def test_group_room_for_members_only(client, setup):
    """The group room opens for its members and tutors, not for other learners."""
    member, other_learner = setup.learners
    group = make_group(setup.cohort, "Namur", members=[member])
    client.force_login(member)
    response = client.get(url(setup.cohort, group))
    assert response.status_code == 200
    assert "Chat du groupe Namur" in response.content.decode()
    assert (
        f"/ws/tutoring/{setup.cohort.pk}/groups/{group.pk}/chat/"
        in response.content.decode()
    )
    client.force_login(other_learner)
    assert client.get(url(setup.cohort, group)).status_code == 403
    client.force_login(setup.tutor)
    assert client.get(url(setup.cohort, group)).status_code == 200


def test_tutor_sees_hide_buttons_and_hidden_text(client, setup):
    """Tutors get "Masquer" buttons and still read hidden messages; learners see a placeholder."""
    room = Room(setup.cohort.pk)
    message, _ = chat.post_message(room, setup.learners[0], uuid.uuid4(), "Hors sujet")
    chat.post_message(room, setup.learners[1], uuid.uuid4(), "Question utile")
    chat.hide_message(message, setup.tutor)
    client.force_login(setup.tutor)
    html = client.get(url(setup.cohort)).content.decode()
    assert 'name="hide"' in html and ">Masquer<" in html
    assert "Hors sujet" in html and "masqué pour les participant·es" in html
    client.force_login(setup.learners[1])
    html = client.get(url(setup.cohort)).content.decode()
    assert "Hors sujet" not in html
    assert "Message masqué par un·e tuteur·rice." in html
    assert "Question utile" in html


def test_page_query_count_is_bounded(client, setup, django_assert_max_num_queries):
    """The page's queries do not grow with the number of messages."""
    room = Room(setup.cohort.pk)
    ChatMessage.objects.bulk_create(
        [
            ChatMessage(
                cohort=setup.cohort,
                author=setup.learners[n % 2],
                client_id=uuid.uuid4(),
                body=f"m{n}",
            )
            for n in range(150)
        ]
    )
    assert len(chat.history(room)) == 100
    client.force_login(setup.learners[0])
    with django_assert_max_num_queries(20):
        response = client.get(url(setup.cohort))
    assert response.status_code == 200
    assert "m149" in response.content.decode()
    assert ">m49<" not in response.content.decode()


def test_form_without_javascript_posts_once(client, setup):
    """The plain form stores the message; submitting the same page twice stores it once."""
    client.force_login(setup.learners[0])
    client_id = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            url(setup.cohort), {"client_id": client_id, "body": "Depuis le formulaire"}
        )
        assert response.status_code == 302
    assert ChatMessage.objects.filter(body="Depuis le formulaire").count() == 1
    response = client.post(
        url(setup.cohort), {"client_id": str(uuid.uuid4()), "body": "   "}, follow=True
    )
    assert "Le message est vide." in response.content.decode()


def test_tutor_hides_without_javascript(client, setup):
    """The "Masquer" button works as a plain form; a learner's attempt is refused."""
    message, _ = chat.post_message(
        Room(setup.cohort.pk), setup.learners[0], uuid.uuid4(), "À masquer"
    )
    client.force_login(setup.learners[1])
    client.post(url(setup.cohort), {"hide": message.pk})
    message.refresh_from_db()
    assert not message.is_hidden
    client.force_login(setup.tutor)
    response = client.post(url(setup.cohort), {"hide": message.pk}, follow=True)
    assert "Le message a été masqué." in response.content.decode()
    message.refresh_from_db()
    assert message.is_hidden
