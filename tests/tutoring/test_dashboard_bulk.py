"""Bulk actions of the tutor dashboard: confirmation, message, deadline, scope."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring.builders_dashboard import add_learner
from tutoring.models import Enrolment, Notification, TutorMessage

pytestmark = pytest.mark.django_db


def _bulk(cohort):
    return reverse("tutoring:dashboard_bulk", args=[cohort.pk])


def _ids(setup, learners):
    return [
        str(Enrolment.objects.get(cohort=setup.cohort, user=u).pk) for u in learners
    ]


def _flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_needs_post_and_tutor_right(client):
    """GET is refused; a learner and another cohort's tutor get 403."""
    setup = make_cohort(learners=1)
    other = make_cohort(learners=0)
    client.force_login(setup.tutor)
    assert client.get(_bulk(setup.cohort)).status_code == 405
    client.force_login(setup.learners[0])
    data = {"action": "message", "target": "all"}
    assert client.post(_bulk(setup.cohort), data).status_code == 403
    client.force_login(other.tutor)
    assert client.post(_bulk(setup.cohort), data).status_code == 403


def test_message_is_confirmed_with_the_count_then_sent_once(client, committed):
    """The confirmation page shows the count; confirming sends one message to the
    selected learners, twice the same key sends nothing more."""
    setup = make_cohort(learners=3)
    client.force_login(setup.tutor)
    ids = _ids(setup, setup.learners[:2])
    confirm = client.post(
        _bulk(setup.cohort),
        {"action": "message", "target": "selected", "enrolment": ids},
    )
    assert confirm.status_code == 200
    content = confirm.content.decode()
    assert "Ce message sera envoyé à 2 apprenant·es." in content
    assert not TutorMessage.objects.exists()
    key = str(uuid.uuid4())
    data = {
        "action": "message",
        "target": "selected",
        "enrolment": ids,
        "confirm": "1",
        "idempotency_key": key,
        "subject": "Rappel",
        "body": "Pensez au module 2.",
        "filters": "sort=-progress",
    }
    with committed():
        done = client.post(_bulk(setup.cohort), data)
    assert done.status_code == 302
    assert done["Location"].endswith("?sort=-progress")
    assert "Message envoyé à 2 apprenant·es." in _flash(done)
    message = TutorMessage.objects.get()
    assert set(message.recipients.values_list("pk", flat=True)) == {
        u.pk for u in setup.learners[:2]
    }
    assert "Sélection de 2" in message.filter_description
    notified = Notification.objects.filter(kind="message").count()
    with committed():
        client.post(_bulk(setup.cohort), data)
    assert TutorMessage.objects.count() == 1
    assert Notification.objects.filter(kind="message").count() == notified


def test_message_to_all_matching_the_filters(client, committed):
    """ "All matching the filters" targets every learner of the filtered set."""
    setup = make_cohort(learners=0)
    for number in range(3):
        add_learner(setup.cohort, f"Haut{number}", "Nom", progress_percent=80)
    add_learner(setup.cohort, "Bas", "Nom", progress_percent=5)
    client.force_login(setup.tutor)
    base = {"action": "message", "target": "all", "filters": "progress_min=50"}
    confirm = client.post(_bulk(setup.cohort), base)
    assert "Ce message sera envoyé à 3 apprenant·es." in confirm.content.decode()
    with committed():
        client.post(
            _bulk(setup.cohort),
            {
                **base,
                "confirm": "1",
                "idempotency_key": str(uuid.uuid4()),
                "subject": "Bravo",
                "body": "Continuez !",
            },
        )
    message = TutorMessage.objects.get()
    assert message.recipient_count == 3 or message.recipients.count() == 3
    assert "progression ≥ 50 %" in message.filter_description


def test_invalid_message_shows_french_errors_and_sends_nothing(client):
    """An empty subject is refused with a French message; nothing is stored."""
    setup = make_cohort(learners=1)
    client.force_login(setup.tutor)
    response = client.post(
        _bulk(setup.cohort),
        {
            "action": "message",
            "target": "selected",
            "enrolment": _ids(setup, setup.learners),
            "confirm": "1",
            "idempotency_key": str(uuid.uuid4()),
            "subject": "",
            "body": "x" * 10_001,
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Champ requis." in content
    assert "au plus 10000 caractères" in content
    assert not TutorMessage.objects.exists()


def test_extend_deadline_for_selected_learners(client):
    """The deadline of the selected learners is moved; the others keep theirs."""
    setup = make_cohort(learners=3)
    client.force_login(setup.tutor)
    ids = _ids(setup, setup.learners[:2])
    new = timezone.localdate() + dt.timedelta(days=60)
    confirm = client.post(
        _bulk(setup.cohort),
        {"action": "deadline", "target": "selected", "enrolment": ids},
    )
    assert "L'échéance de 2 apprenant·es sera reportée." in confirm.content.decode()
    done = client.post(
        _bulk(setup.cohort),
        {
            "action": "deadline",
            "target": "selected",
            "enrolment": ids,
            "confirm": "1",
            "idempotency_key": str(uuid.uuid4()),
            "deadline": new.isoformat(),
        },
    )
    assert done.status_code == 302
    assert any("Échéance reportée au" in m for m in _flash(done))
    deadlines = dict(
        Enrolment.objects.filter(cohort=setup.cohort).values_list("user_id", "deadline")
    )
    assert deadlines[setup.learners[0].pk] == new
    assert deadlines[setup.learners[2].pk] is None


def test_deadline_before_cohort_start_is_refused(client):
    """A deadline before the cohort start is refused in French, nothing changes."""
    setup = make_cohort(learners=1)
    client.force_login(setup.tutor)
    response = client.post(
        _bulk(setup.cohort),
        {
            "action": "deadline",
            "target": "selected",
            "enrolment": _ids(setup, setup.learners),
            "confirm": "1",
            "idempotency_key": str(uuid.uuid4()),
            "deadline": (setup.cohort.starts_on - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "ne peut pas précéder le début" in response.content.decode()
    assert Enrolment.objects.get(user=setup.learners[0]).deadline is None


def test_selected_ids_outside_the_scope_are_refused_and_never_acted_on(client):
    """An id from another cohort, or another group for a group tutor, → 403 and
    no deadline changes."""
    setup = make_cohort(learners=2)
    other = make_cohort(learners=1)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "A", tutor=group_tutor, members=setup.learners[:1])
    new = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    payload = {
        "action": "deadline",
        "target": "selected",
        "confirm": "1",
        "idempotency_key": str(uuid.uuid4()),
        "deadline": new,
    }
    client.force_login(setup.tutor)
    foreign = _ids(setup, setup.learners[:1]) + _ids(other, other.learners)
    assert (
        client.post(_bulk(setup.cohort), {**payload, "enrolment": foreign}).status_code
        == 403
    )
    client.force_login(group_tutor)
    outside = _ids(setup, setup.learners)  # the second learner has no group
    assert (
        client.post(_bulk(setup.cohort), {**payload, "enrolment": outside}).status_code
        == 403
    )
    assert not Enrolment.objects.filter(deadline__isnull=False).exists()


def test_no_selection_and_bad_ids_are_explained(client):
    """No learner selected → a French error; a non-numeric id → 400."""
    setup = make_cohort(learners=1)
    client.force_login(setup.tutor)
    response = client.post(
        _bulk(setup.cohort), {"action": "message", "target": "selected"}
    )
    assert response.status_code == 302
    assert "Sélectionnez au moins un·e apprenant·e." in _flash(response)
    bad = client.post(
        _bulk(setup.cohort),
        {"action": "message", "target": "selected", "enrolment": ["x"]},
    )
    assert bad.status_code == 400
