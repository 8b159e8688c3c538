"""Notification e-mails: immediate ones once, daily and weekly digests on time."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction

from lms.roles import Role
from tests.factories import UserFactory
from tutoring import notification_emails
from tutoring.models import Notification, NotificationPreference
from tutoring.notification_emails import send_digests, send_immediate

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 7, 7, tzinfo=dt.UTC)


def _person(preference: str | None = None, **kwargs):
    user = UserFactory(roles=[Role.TEACHER], **kwargs)
    if preference is not None:
        NotificationPreference.objects.create(user=user, email=preference)
    return user


def _notification(user, at: dt.datetime, title: str = "Nouvelle réponse", **kwargs):
    with mock.patch("django.utils.timezone.now", return_value=at):
        return Notification.objects.create(
            user=user,
            kind=kwargs.pop("kind", Notification.Kind.REPLY),
            title=title,
            body=kwargs.pop("body", "Extrait du message"),
            url=kwargs.pop("url", "/tutoring/1/forum/2/?post=3#post-3"),
            **kwargs,
        )


def _sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_immediate_email_goes_once_with_an_absolute_link(settings):
    """One e-mail per notification, never twice, with a link back to the site."""
    settings.SITE_URL = "https://tremplin.example.be"
    person = _person(NotificationPreference.Email.IMMEDIATE)
    note = _notification(person, T0, title="Marie vous mentionne")
    assert send_immediate([note.pk, note.pk]) == 1
    assert send_immediate([note.pk]) == 0
    [message] = mail.outbox
    assert message.to == [person.email]
    assert message.subject == "[Tremplin] Marie vous mentionne"
    link = "https://tremplin.example.be/tutoring/1/forum/2/?post=3#post-3"
    assert link in message.body
    html = message.alternatives[0][0]
    assert 'href="https://tremplin.example.be/tutoring/1/forum/2/?post=3#post-3"' in (
        html.replace("&amp;", "&")
    )
    assert "https://tremplin.example.be/tutoring/notifications/preferences/" in (
        message.body
    )
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_immediate_email_respects_a_changed_preference():
    """Someone who switched to "never" before the task ran gets no e-mail."""
    person = _person(NotificationPreference.Email.NEVER)
    note = _notification(person, T0)
    assert send_immediate([note.pk]) == 0
    assert mail.outbox == []
    note.refresh_from_db()
    assert note.emailed_at is None


def test_email_is_written_in_the_persons_language():
    """An English-speaking person gets an English greeting."""
    person = _person(NotificationPreference.Email.IMMEDIATE, preferred_language="en")
    send_immediate([_notification(person, T0).pk])
    assert mail.outbox[0].body.startswith("Hello ")


def test_daily_digest_once_a_day_with_unread_notifications_only():
    """The daily digest lists unread, not yet e-mailed notifications, once a day."""
    person = _person()  # no preference row: daily digest by default
    _notification(person, T0, title="Première")
    read = _notification(person, T0, title="Déjà lue")
    Notification.objects.filter(pk=read.pk).update(read_at=T0)

    assert send_digests(now=T0) == 1
    assert send_digests(now=T0) == 0  # rerun: nothing twice
    [digest] = _sent_to(person)
    assert "Première" in digest.body and "Déjà lue" not in digest.body
    assert "résumé du jour" in digest.subject
    pref = NotificationPreference.objects.get(user=person)
    assert pref.last_digest_at == T0
    assert not Notification.objects.filter(
        user=person, emailed_at__isnull=True, read_at__isnull=True
    ).exists()

    _notification(person, T0 + dt.timedelta(hours=2), title="Deuxième")
    assert send_digests(now=T0 + dt.timedelta(hours=23)) == 0
    assert send_digests(now=T0 + dt.timedelta(hours=24)) == 1
    assert send_digests(now=T0 + dt.timedelta(hours=25)) == 0
    second = _sent_to(person)[1]
    assert "Deuxième" in second.body and "Première" not in second.body


def test_weekly_digest_waits_seven_days():
    """A weekly digest goes out at most once every seven days."""
    person = _person(NotificationPreference.Email.WEEKLY)
    _notification(person, T0)
    assert send_digests(now=T0) == 1
    assert "semaine" in _sent_to(person)[0].subject
    _notification(person, T0 + dt.timedelta(days=1), title="Plus tard")
    assert send_digests(now=T0 + dt.timedelta(days=3)) == 0
    assert send_digests(now=T0 + dt.timedelta(days=6, hours=23)) == 0
    assert send_digests(now=T0 + dt.timedelta(days=7)) == 1
    assert "Plus tard" in _sent_to(person)[1].body


def test_never_and_immediate_get_no_digest():
    """ "Never" means no e-mail at all; "immediate" people are not digested."""
    never = _person(NotificationPreference.Email.NEVER)
    immediate = _person(NotificationPreference.Email.IMMEDIATE)
    _notification(never, T0)
    _notification(immediate, T0)
    assert send_digests(now=T0) == 0
    assert send_digests(now=T0 + dt.timedelta(days=30)) == 0
    assert mail.outbox == []


def test_digest_counts_what_it_does_not_list(monkeypatch):
    """A long digest lists the first items and says how many more there are."""
    monkeypatch.setattr(notification_emails, "DIGEST_MAX_ITEMS", 2)
    person = _person()
    for index in range(5):
        _notification(person, T0, title=f"Notification {index}")
    assert send_digests(now=T0) == 1
    body = mail.outbox[0].body
    assert "Notification 1" in body and "Notification 2" not in body
    assert "… et 3 autres." in body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_failing_address_does_not_stop_other_digests(monkeypatch):
    """If one digest fails, it is retried later and the others still go."""
    first, second = _person(), _person()
    _notification(first, T0)
    _notification(second, T0)
    real = notification_emails._message

    def flaky(name, user, context):
        if user.pk == first.pk:
            raise OSError("SMTP down")
        return real(name, user, context)

    monkeypatch.setattr(notification_emails, "_message", flaky)
    assert send_digests(now=T0) == 1
    assert Notification.objects.get(user=first).emailed_at is None
    monkeypatch.setattr(notification_emails, "_message", real)
    assert send_digests(now=T0 + dt.timedelta(hours=1)) == 1
    assert len(_sent_to(first)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_a_notification_being_sent():
    """A notification locked by one worker is skipped by another (no double mail)."""
    person = _person(NotificationPreference.Email.IMMEDIATE)
    note = _notification(person, T0)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=note.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert send_immediate([note.pk]) == 0
    finally:
        release.set()
        worker.join()
    assert send_immediate([note.pk]) == 1
    assert len(mail.outbox) == 1
