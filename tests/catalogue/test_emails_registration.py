"""Registration e-mails: French text + HTML, sent after commit, with a valid .ics."""

from __future__ import annotations

import pytest
from django.core import mail

from catalogue import services
from catalogue.emails import send_for_log
from catalogue.models import Registration, Session
from catalogue.tasks import send_registration_email
from lms.roles import Role

from .builders_registrations import eager_tasks, open_session, teacher_user, user_with
from .ics_parsing import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
__all__ = ["eager_tasks"]


def _calendar(message) -> str:
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    return content


def test_confirmation_sent_after_commit_with_calendar(
    django_capture_on_commit_callbacks,
):
    """Acceptance sends one French confirmation, text and HTML, with the .ics."""
    session = open_session(capacity=3, title="Évaluer avec le numérique")
    teacher = teacher_user(first_name="Aline")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.register_for_session(teacher, session)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [teacher.email]
    assert message.subject == "Inscription confirmée : Évaluer avec le numérique"
    assert "Bonjour Aline," in message.body
    assert "Votre inscription est confirmée" in message.body
    assert session.code in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Votre inscription est confirmée" in html
    events = parse(_calendar(message))["events"]
    assert len(events) == session.days.count()
    assert events[0]["SUMMARY"] == "Évaluer avec le numérique"


def test_pending_and_waitlisted_mails_have_no_calendar(
    django_capture_on_commit_callbacks,
):
    """Pending and waitlisted e-mails explain what happens next, without .ics."""
    manual = open_session(policy=Session.Policy.MANUAL)
    full = open_session(capacity=1)
    services.register_for_session(teacher_user(), full)
    with django_capture_on_commit_callbacks(execute=True):
        services.register_for_session(teacher_user(), manual)
        services.register_for_session(teacher_user(), full)
    pending, waitlisted = mail.outbox
    assert pending.subject.startswith("Demande d'inscription reçue")
    assert "examinée par l’IFPC" in pending.body
    assert waitlisted.subject.startswith("Liste d'attente")
    assert "liste d’attente" in waitlisted.body
    assert pending.attachments == [] and waitlisted.attachments == []


def test_refusal_carries_the_note(django_capture_on_commit_callbacks):
    """A refusal e-mail includes the staff's note, escaped in HTML."""
    session = open_session(policy=Session.Policy.MANUAL)
    registration = services.register_for_session(teacher_user(), session)
    manager = user_with(Role.REGISTRATIONS_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_registrations(
            [registration],
            decision="refuse",
            actor=manager,
            note="Public <prioritaire>",
        )
    (message,) = mail.outbox
    assert message.subject.startswith("Inscription non retenue")
    assert "Motif : Public <prioritaire>" in message.body
    assert "Public &lt;prioritaire&gt;" in message.alternatives[0][0]


def test_promotion_and_cancellation_mails(django_capture_on_commit_callbacks):
    """Cancelling a seat mails the canceller and the promoted person (with .ics)."""
    session = open_session(capacity=1)
    holder, waiting = teacher_user(), teacher_user()
    held = services.register_for_session(holder, session)
    services.register_for_session(waiting, session)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(held, actor=holder)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert by_person[holder.email].subject.startswith("Inscription annulée")
    assert "désinscription a bien été enregistrée" in by_person[holder.email].body
    promoted = by_person[waiting.email]
    assert promoted.subject.startswith("Une place s'est libérée")
    assert parse(_calendar(promoted))["events"]


def test_email_task_is_idempotent():
    """Running the task twice for one log entry sends one e-mail."""
    session = open_session()
    registration = services.register_for_session(teacher_user(), session)
    log = registration.log.get()
    send_registration_email.apply(args=[log.pk]).get()
    send_registration_email.apply(args=[log.pk]).get()
    assert len(mail.outbox) == 1
    assert send_for_log(987654321) is False


def test_email_follows_preferred_language():
    """The e-mail is rendered under the person's preferred language."""
    session = open_session()
    teacher = teacher_user(preferred_language="en")
    registration = services.register_for_session(teacher, session)
    assert send_for_log(registration.log.get().pk) is True
    assert '<html lang="en">' in mail.outbox[0].alternatives[0][0]


def test_no_email_on_rollback(django_capture_on_commit_callbacks):
    """Nothing is sent when the registering transaction rolls back."""
    from django.db import transaction

    session = open_session()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.register_for_session(teacher_user(), session)
            raise RuntimeError("boom")
    assert callbacks == []
    assert mail.outbox == []
    assert not Registration.objects.exists()


def test_staff_acceptance_from_waitlist_reads_as_confirmation(
    django_capture_on_commit_callbacks,
):
    """A manager accepting a waitlisted person sends the ordinary confirmation."""
    session = open_session(capacity=2, policy=Session.Policy.MANUAL)
    registration = services.register_for_session(teacher_user(), session)
    manager = user_with(Role.REGISTRATIONS_MANAGER)
    services.decide_registrations([registration], decision="waitlist", actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_registrations([registration], decision="accept", actor=manager)
    assert mail.outbox[-1].subject.startswith("Inscription confirmée")
