"""The learner detail page of the tutor dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Submission
from courses.services import mark_viewed
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring.models import Enrolment, NudgeLog, TutorMessage

pytestmark = pytest.mark.django_db


def _url(cohort, user):
    return reverse("tutoring:learner_detail", args=[cohort.pk, user.pk])


def test_tutor_sees_aggregates_activities_submissions_nudges_and_messages(
    client, committed
):
    """The detail shows the learner's progress, each activity's state, their
    submissions, reminders and messages received."""
    setup = make_cohort(learners=2, activities=2)
    learner = setup.learners[0]
    with committed():
        mark_viewed(learner, setup.activities[0])
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    Submission.objects.create(
        activity=setup.activities[1], user=learner, text="Mon travail"
    )
    NudgeLog.objects.create(
        enrolment=enrolment, kind="inactive", channel="email", dedup_key="k-1"
    )
    message = TutorMessage.objects.create(
        cohort=setup.cohort, sender=setup.tutor, subject="Bienvenue", body="Bonjour"
    )
    message.recipients.add(learner)
    client.force_login(setup.tutor)
    response = client.get(_url(setup.cohort, learner))
    assert response.status_code == 200
    content = response.content.decode()
    assert learner.email in content
    assert "50 %" in content
    assert "terminée" in content and "pas commencée" in content
    assert setup.activities[1].title in content
    assert "Bienvenue" in content
    assert "Aucune relance envoyée." not in content


def test_learner_outside_scope_or_unknown(client):
    """A group tutor gets 403 for a learner outside their groups; someone not
    enrolled in the cohort is 404; a learner cannot see another's detail."""
    setup = make_cohort(learners=2)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "A", tutor=group_tutor, members=setup.learners[:1])
    client.force_login(group_tutor)
    assert client.get(_url(setup.cohort, setup.learners[0])).status_code == 200
    assert client.get(_url(setup.cohort, setup.learners[1])).status_code == 403
    client.force_login(setup.tutor)
    stranger = UserFactory()
    assert client.get(_url(setup.cohort, stranger)).status_code == 404
    client.force_login(setup.learners[1])
    assert client.get(_url(setup.cohort, setup.learners[0])).status_code == 403
