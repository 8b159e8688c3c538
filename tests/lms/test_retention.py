"""Retention jobs: old logs and chat messages go, inactive accounts are warned
and then anonymised, the audit journal is purged only through its own path."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from certification.credentials import verify
from lms import audit, retention
from lms.celery import app as celery_app
from lms.models import AuditEvent, User
from lms.roles import Role
from lms.tasks import apply_retention
from tests.factories import UserFactory
from tests.factories.certification import make_attestation
from tests.factories.tutoring import make_cohort
from tutoring.models import ChatMessage, Notification

NOW = timezone.now()


def _days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def _chat(cohort, author, *, age_days: int) -> ChatMessage:
    message = ChatMessage.objects.create(
        cohort=cohort, author=author, client_id=uuid.uuid4(), body=f"{age_days} j"
    )
    ChatMessage.objects.filter(pk=message.pk).update(created_at=_days_ago(age_days))
    return message


class FailingEmailBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP injoignable")


@pytest.fixture
def cohort_setup(db):
    return make_cohort(learners=1)


def test_chat_messages_older_than_the_period_are_deleted_and_journalled(
    cohort_setup, settings
):
    """Chat messages past RETENTION_CHAT_DAYS go; recent ones stay; the journal says how many."""
    settings.RETENTION_CHAT_DAYS = 365
    author = cohort_setup.learners[0]
    old = [_chat(cohort_setup.cohort, author, age_days=400) for _ in range(3)]
    recent = _chat(cohort_setup.cohort, author, age_days=300)

    counts = retention.purge_logs(now=NOW)

    assert counts["chat"] == 3
    assert not ChatMessage.objects.filter(pk__in=[m.pk for m in old]).exists()
    assert ChatMessage.objects.filter(pk=recent.pk).exists()
    entry = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION_APPLIED)
    assert "3 élément(s)" in entry.message and "365 jours" in entry.message
    assert entry.actor is None


def test_a_zero_period_keeps_forever(cohort_setup, settings):
    """RETENTION_CHAT_DAYS = 0 deletes nothing, however old, and journals nothing."""
    settings.RETENTION_CHAT_DAYS = 0
    message = _chat(cohort_setup.cohort, cohort_setup.learners[0], age_days=5000)

    assert retention.purge_logs(now=NOW)["chat"] == 0
    assert ChatMessage.objects.filter(pk=message.pk).exists()
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.RETENTION_APPLIED
    ).exists()


def test_only_read_notifications_expire(db, teacher, settings):
    """An old unread notification stays (the person has not seen it); an old read one goes."""
    settings.RETENTION_TECHNICAL_LOG_DAYS = 365
    unread, read = (
        Notification.objects.create(user=teacher, kind="reminder", title=title)
        for title in ("non lue", "lue")
    )
    Notification.objects.filter(pk__in=[unread.pk, read.pk]).update(
        created_at=_days_ago(500)
    )
    Notification.objects.filter(pk=read.pk).update(read_at=_days_ago(499))

    assert retention.purge_logs(now=NOW)["notifications"] == 1
    assert list(Notification.objects.values_list("title", flat=True)) == ["non lue"]


def test_the_audit_journal_is_purged_through_its_privileged_path(
    db, administrator, settings
):
    """Entries past RETENTION_AUDIT_JOURNAL_DAYS go; younger ones and the purge's own entry stay."""
    settings.RETENTION_AUDIT_JOURNAL_DAYS = 365
    audit.event(administrator, audit.Action.CHANGED, "aujourd'hui")
    for message, age in (("vieux", 800), ("très vieux", 3000), ("récent", 10)):
        AuditEvent.objects.create(
            action=audit.Action.CHANGED, message=message, at=_days_ago(age)
        )

    assert retention.purge_logs(now=NOW)["audit_journal"] == 2

    messages = set(AuditEvent.objects.values_list("message", flat=True))
    assert not {"vieux", "très vieux"} & messages
    assert {"aujourd'hui", "récent"} <= messages
    assert any("Journal d'audit : 2 élément(s)" in m for m in messages)


def test_outside_the_purge_the_journal_still_refuses_deletes(db, administrator):
    """Even an entry past its retention cannot be deleted by a plain DELETE."""
    entry = AuditEvent.objects.create(
        action=audit.Action.CHANGED, message="vieux", at=_days_ago(4000)
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).delete()
    # Nor right after a purge in the same transaction: the purge resets its setting.
    with pytest.raises(DatabaseError), transaction.atomic():
        audit.purge_before(_days_ago(10000))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM lms_auditevent WHERE id = %s", [entry.pk])
    assert AuditEvent.objects.filter(pk=entry.pk).exists()


def test_purge_before_needs_a_transaction(transactional_db):
    """The privileged path is never taken in autocommit mode."""
    with pytest.raises(RuntimeError):
        audit.purge_before(_days_ago(10))


def _inactive_teacher(days: int, **fields) -> User:
    user = UserFactory(roles=[Role.TEACHER], last_name="Simenon", **fields)
    User.objects.filter(pk=user.pk).update(
        last_login=_days_ago(days), date_joined=_days_ago(days + 100)
    )
    return user


@pytest.fixture
def inactivity(settings):
    settings.RETENTION_INACTIVE_ACCOUNT_DAYS = 1000
    settings.RETENTION_INACTIVE_WARNING_DAYS = 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_an_inactive_account_is_warned_once_by_email(db, inactivity):
    """Past (limit − warning) days without sign-in, one French e-mail and one journal entry."""
    sleeper = _inactive_teacher(980)
    _inactive_teacher(900)  # not yet due

    due = list(retention.accounts_to_warn(NOW))
    assert due == [sleeper]
    assert retention.warn_inactive_account(sleeper.pk, now=NOW) is True
    assert retention.warn_inactive_account(sleeper.pk, now=NOW) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [sleeper.email]
    assert "anonymisé" in message.subject
    assert reverse("login") in message.body
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.INACTIVITY_WARNED, subject=sleeper
        ).count()
        == 1
    )
    assert not list(retention.accounts_to_warn(NOW))


def test_a_failed_warning_email_is_not_journalled_and_is_retried(
    db, inactivity, settings
):
    """If the mail server is down, nothing says the person was warned: the next run warns."""
    sleeper = _inactive_teacher(980)
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    with pytest.raises(ConnectionRefusedError):
        retention.warn_inactive_account(sleeper.pk, now=NOW)
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.INACTIVITY_WARNED
    ).exists()
    assert list(retention.accounts_to_warn(NOW)) == [sleeper]


def test_a_warned_account_is_anonymised_after_the_warning_period(db, inactivity):
    """Warned 30 days ago and still not back after the limit: anonymised, attestation still valid."""
    sleeper = _inactive_teacher(1010)
    attestation = make_attestation(user=sleeper)
    assert retention.warn_inactive_account(sleeper.pk, now=NOW) is True
    # Not before the warning period is over.
    assert retention.anonymise_inactive_account(sleeper.pk, now=NOW) is False

    later = NOW + dt.timedelta(days=31)
    assert retention.anonymise_inactive_account(sleeper.pk, now=later) is True

    sleeper.refresh_from_db()
    assert not sleeper.is_active
    assert "Simenon" not in sleeper.get_full_name()
    assert sleeper.email.endswith("@anonyme.invalid")
    attestation.refresh_from_db()
    assert verify(attestation.credential).is_valid
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT_ANONYMISED, object_id=str(sleeper.pk)
    ).exists()


def test_signing_in_after_the_warning_keeps_the_account(db, inactivity):
    """A person who comes back after the warning is not anonymised."""
    sleeper = _inactive_teacher(1010)
    retention.warn_inactive_account(sleeper.pk, now=NOW)
    User.objects.filter(pk=sleeper.pk).update(last_login=timezone.now())

    assert (
        retention.anonymise_inactive_account(
            sleeper.pk, now=NOW + dt.timedelta(days=60)
        )
        is False
    )
    sleeper.refresh_from_db()
    assert sleeper.is_active and sleeper.last_name == "Simenon"


def test_an_unwarned_account_is_never_anonymised(db, inactivity):
    """However long the inactivity, no anonymisation without a warning first."""
    sleeper = _inactive_teacher(5000)
    assert retention.anonymise_inactive_account(sleeper.pk, now=NOW) is False
    assert list(retention.accounts_to_anonymise(NOW)) == []


def test_superusers_are_left_alone(db, inactivity):
    """The job never warns nor anonymises a superuser."""
    root = _inactive_teacher(5000, is_superuser=True, is_staff=True)
    assert root not in retention.accounts_to_warn(NOW)
    assert retention.warn_inactive_account(root.pk, now=NOW) is False


def test_the_daily_task_is_scheduled_and_applies_every_rule(
    cohort_setup, inactivity, settings, eager_tasks
):
    """The beat schedule runs lms.tasks.apply_retention, which purges and warns."""
    entry = celery_app.conf.beat_schedule["apply-retention"]
    assert entry["task"] == "lms.tasks.apply_retention"
    settings.RETENTION_CHAT_DAYS = 365
    _chat(cohort_setup.cohort, cohort_setup.learners[0], age_days=400)
    sleeper = _inactive_teacher(990)

    counts = apply_retention.apply().get()

    assert counts["chat"] == 1
    assert counts["accounts_warned"] == 1
    assert [m.to for m in mail.outbox] == [[sleeper.email]]


def test_the_privacy_notice_states_the_configured_periods(client, db, settings):
    """The public notice shows each retention period as configured."""
    settings.RETENTION_CHAT_DAYS = 180
    settings.RETENTION_INACTIVE_ACCOUNT_DAYS = 0
    page = client.get(reverse("lms:privacy_notice")).content.decode()
    assert "Messages du chat des cohortes" in page
    assert "180 jours" in page
    assert "pas de suppression automatique" in page
