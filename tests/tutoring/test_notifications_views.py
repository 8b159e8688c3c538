"""The notification inbox, marking read, and the e-mail preference page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lms.roles import Role
from tests.factories import UserFactory
from tutoring.models import Notification, NotificationPreference
from tutoring.notify import notify

pytestmark = pytest.mark.django_db

INBOX = "/tutoring/notifications/"
PREFERENCES = "/tutoring/notifications/preferences/"


@pytest.fixture
def person():
    return UserFactory(roles=[Role.TEACHER])


def test_urls_follow_the_shared_contract():
    """The inbox and preference pages sit where other parts link to them."""
    assert reverse("tutoring:notifications") == INBOX
    assert reverse("tutoring:notification_preferences") == PREFERENCES


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    """Notifications need a signed-in person."""
    for url in (INBOX, PREFERENCES):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_inbox_shows_my_notifications_newest_first_with_bounded_queries(
    client, person, django_assert_max_num_queries
):
    """Only my notifications, newest first, 30 a page, with the unread count."""
    other = UserFactory(roles=[Role.TEACHER])
    for index in range(35):
        notify([person], Notification.Kind.REPLY, f"Réponse n°{index:02d}", url="/")
    notify([other], Notification.Kind.MENTION, "Pas pour vous")
    client.force_login(person)
    with django_assert_max_num_queries(10):
        response = client.get(INBOX)
    text = response.text
    assert "35 notifications non lues" in text
    assert text.index("Réponse n°34") < text.index("Réponse n°33")
    assert "Réponse n°04" not in text  # page 2
    assert "Pas pour vous" not in text
    assert "Page 1 sur 2" in text
    # The main navigation offers the inbox.
    assert f'href="{INBOX}" aria-current="page">Notifications<' in text


def test_mark_one_and_all_read(client, person):
    """A notification can be marked read, then all of them."""
    first, second, third = (
        notify([person], Notification.Kind.REPLY, title)[0]
        for title in ("Un", "Deux", "Trois")
    )
    client.force_login(person)
    response = client.post(INBOX, {"action": "read", "id": first.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert "2 notifications non lues" in client.get(INBOX).text
    client.post(INBOX, {"action": "read_all"})
    assert not Notification.objects.filter(user=person, read_at__isnull=True).exists()
    assert "Aucune notification non lue" in client.get(INBOX).text
    assert client.post(INBOX, {"action": "explode"}).status_code == 400


def test_someone_elses_notification_cannot_be_touched(client, person):
    """Another person's notification id answers 404 and stays unread."""
    other = UserFactory(roles=[Role.TEACHER])
    theirs = notify([other], Notification.Kind.REPLY, "À eux", url="/")[0]
    client.force_login(person)
    assert client.post(INBOX, {"action": "read", "id": theirs.pk}).status_code == 404
    open_url = reverse("tutoring:notification_open", args=[theirs.pk])
    assert client.get(open_url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_local_links_only(
    client, person
):
    """Opening goes to the notification's page; outside links are not followed."""
    local = notify([person], Notification.Kind.REPLY, "Local", url="/tutoring/1/")[0]
    remote = notify(
        [person], Notification.Kind.REPLY, "Ailleurs", url="https://evil.test/"
    )[0]
    client.force_login(person)
    response = client.get(reverse("tutoring:notification_open", args=[local.pk]))
    assert response["Location"] == "/tutoring/1/"
    response = client.get(reverse("tutoring:notification_open", args=[remote.pk]))
    assert response["Location"] == INBOX
    assert not Notification.objects.filter(user=person, read_at__isnull=True).exists()


def test_preference_defaults_to_daily_and_can_be_changed(client, person):
    """Without a choice the digest is daily; the choice is saved."""
    client.force_login(person)
    page = client.get(PREFERENCES)
    assert page.context["form"]["email"].value() == "daily"
    assert "Un résumé quotidien" in page.text
    response = client.post(PREFERENCES, {"email": "weekly"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=person).email == "weekly"
    assert "Par courriel : Un résumé hebdomadaire." in client.get(INBOX).text
    bad = client.post(PREFERENCES, {"email": "hourly"})
    assert bad.status_code == 400
    assert NotificationPreference.objects.get(user=person).email == "weekly"
