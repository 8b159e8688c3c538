"""Tutor messages to a filtered set of learners: the service and its pages."""

from __future__ import annotations

import datetime as dt
import html
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring import cohorts
from tutoring.messaging import send_tutor_message
from tutoring.models import Enrolment, Notification, TutorMessage

pytestmark = pytest.mark.django_db


def test_message_reaches_each_recipient_once(committed):
    """The message is stored with its recipients, each gets a notification; the
    same idempotency key twice sends nothing more."""
    setup = make_cohort(learners=3)
    key = uuid.uuid4()
    with committed():
        message = send_tutor_message(
            setup.cohort,
            setup.tutor,
            setup.learners[:2],
            " Classe virtuelle jeudi ",
            "N'oubliez pas la classe virtuelle.",
            idempotency_key=key,
            filter_description="Inactif·ves",
        )
    assert message.subject == "Classe virtuelle jeudi"
    assert message.recipient_count == 2
    assert set(message.recipients.values_list("pk", flat=True)) == {
        u.pk for u in setup.learners[:2]
    }
    notes = Notification.objects.filter(kind="message")
    assert set(notes.values_list("user_id", flat=True)) == {
        u.pk for u in setup.learners[:2]
    }
    assert notes.first().url == reverse("tutoring:cohort_home", args=[setup.cohort.pk])
    again = send_tutor_message(
        setup.cohort,
        setup.tutor,
        setup.learners[:2],
        "Classe virtuelle jeudi",
        "N'oubliez pas la classe virtuelle.",
        idempotency_key=key,
    )
    assert again.pk == message.pk
    assert TutorMessage.objects.count() == 1
    assert notes.count() == 2


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("", "Bonjour", "subject"),
        ("x" * 201, "Bonjour", "subject"),
        ("Objet", "", "body"),
        ("Objet", "x" * 10_001, "body"),
    ],
)
def test_bad_subject_or_body_is_refused(subject, body, field):
    """Empty or oversized subject and body are refused; nothing is written."""
    setup = make_cohort(learners=1)
    with pytest.raises(ValidationError) as error:
        send_tutor_message(setup.cohort, setup.tutor, setup.learners, subject, body)
    assert field in error.value.message_dict
    assert not TutorMessage.objects.exists()
    assert not Notification.objects.exists()


def test_recipients_must_be_active_learners_in_scope():
    """A learner of another cohort, a withdrawn learner or one outside the group
    tutor's groups cannot receive the message; nothing is sent."""
    setup = make_cohort(learners=3)
    other = make_cohort(learners=1)
    cohorts.unenrol(setup.cohort, setup.learners[2])
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=[setup.learners[0]])
    for sender, recipients in (
        (setup.tutor, [setup.learners[0], other.learners[0]]),
        (setup.tutor, [setup.learners[2]]),
        (group_tutor, [setup.learners[1]]),
        (setup.tutor, []),
        (setup.learners[0], [setup.learners[1]]),
    ):
        with pytest.raises(ValidationError):
            send_tutor_message(setup.cohort, sender, recipients, "Objet", "Texte")
    assert not TutorMessage.objects.exists()
    assert not Notification.objects.exists()
    message = send_tutor_message(
        setup.cohort, group_tutor, [setup.learners[0]], "Objet", "Texte"
    )
    assert message.recipient_count == 1


def test_compose_page_counts_recipients_and_sends_to_the_filter(client, committed):
    """The compose page shows how many learners each filter reaches; sending to
    "Pas commencé" reaches only those, and the list shows the message."""
    setup = make_cohort(learners=3, activities=2)
    Enrolment.objects.filter(user=setup.learners[0]).update(
        started_at=timezone.now() - dt.timedelta(days=1), progress_percent=50
    )
    url = reverse("tutoring:message_learners", args=[setup.cohort.pk])
    client.force_login(setup.tutor)
    response = client.get(url)
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "Toutes et tous (3)" in content
    assert "Pas commencé (2)" in content
    key = response.context["form"].initial["idempotency_key"]
    data = {
        "audience": "flag:not_started",
        "subject": "Premier pas",
        "body": "Commencez par le module 1.",
        "idempotency_key": str(key),
    }
    with committed():
        response = client.post(url, data, follow=True)
    assert "Message envoyé à 2 apprenant·es." in html.unescape(
        response.content.decode()
    )
    message = TutorMessage.objects.get()
    assert set(message.recipients.values_list("pk", flat=True)) == {
        setup.learners[1].pk,
        setup.learners[2].pk,
    }
    assert message.filter_description == "Pas commencé"
    # A double submit of the same form sends nothing more.
    client.post(url, data)
    assert TutorMessage.objects.count() == 1
    assert Notification.objects.filter(kind="message").count() == 2
    response = client.get(reverse("tutoring:messages", args=[setup.cohort.pk]))
    assert "Premier pas" in response.content.decode()
    assert response.context["page"].object_list[0].recipient_count == 2


def test_group_tutor_composes_for_their_groups_only(client):
    """A group tutor's choices count only their group's learners."""
    setup = make_cohort(learners=3)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=[setup.learners[0]])
    make_group(setup.cohort, "Groupe B", members=[setup.learners[1]])
    client.force_login(group_tutor)
    response = client.get(reverse("tutoring:message_learners", args=[setup.cohort.pk]))
    content = html.unescape(response.content.decode())
    assert "Toutes et tous (1)" in content
    assert "Groupe : Groupe A (1)" in content
    assert "Groupe B" not in content


def test_learners_and_other_tutors_cannot_write(client):
    """Only the cohort's tutors reach the message pages."""
    setup = make_cohort(learners=1)
    other = make_cohort(learners=0)
    for user in (setup.learners[0], other.tutor):
        client.force_login(user)
        for name in ("message_learners", "messages"):
            assert (
                client.get(
                    reverse(f"tutoring:{name}", args=[setup.cohort.pk])
                ).status_code
                == 403
            )
    client.logout()
    response = client.get(reverse("tutoring:messages", args=[setup.cohort.pk]))
    assert response.status_code == 302
