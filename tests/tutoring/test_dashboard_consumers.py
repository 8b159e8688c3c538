"""Live dashboard updates over WebSocket, through the real Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from courses.services import mark_viewed
from lms.asgi import application
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring.consumers.dashboard import CLOSE_FORBIDDEN
from tutoring.models import Enrolment

ORIGIN = (b"origin", b"http://127.0.0.1")
pytestmark = pytest.mark.django_db(transaction=True)


async def _cookie(user):
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode())


async def _socket(cohort_id, user=None):
    headers = [ORIGIN]
    if user is not None:
        headers.append(await _cookie(user))
    communicator = WebsocketCommunicator(
        application, f"/ws/tutoring/{cohort_id}/dashboard/", headers=headers
    )
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_tutor_receives_the_update_when_a_learner_completes_an_activity():
    """A learner completes an activity: the tutor's dashboard socket gets the row
    update (progress, state, last activity)."""
    setup = await sync_to_async(make_cohort)(learners=2, activities=2)
    socket, connected, _code = await _socket(setup.cohort.pk, setup.tutor)
    assert connected
    learner = setup.learners[0]
    await sync_to_async(mark_viewed)(learner, setup.activities[0])
    message = await socket.receive_json_from(timeout=5)
    enrolment = await sync_to_async(Enrolment.objects.get)(
        cohort=setup.cohort, user=learner
    )
    assert message["type"] == "dashboard.update"
    payload = message["payload"]
    assert payload["enrolment_id"] == enrolment.pk
    assert payload["activity_id"] == setup.activities[0].pk
    assert payload["state"] == "completed"
    assert payload["progress_percent"] == 50
    assert payload["last_activity_at"]
    await socket.disconnect()


async def test_anonymous_and_foreign_tutors_are_refused():
    """Anonymous → 4401; a tutor of another cohort or a learner → 4403; unknown
    cohort → 4403."""
    setup = await sync_to_async(make_cohort)(learners=1, activities=1)
    other = await sync_to_async(make_cohort)(learners=0, activities=1)
    _socket_, connected, code = await _socket(setup.cohort.pk)
    assert not connected and code == 4401
    _socket_, connected, code = await _socket(setup.cohort.pk, other.tutor)
    assert not connected and code == CLOSE_FORBIDDEN
    _socket_, connected, code = await _socket(setup.cohort.pk, setup.learners[0])
    assert not connected and code == CLOSE_FORBIDDEN
    _socket_, connected, code = await _socket(999999, setup.tutor)
    assert not connected and code == CLOSE_FORBIDDEN


async def test_group_tutor_only_hears_their_groups_learners():
    """A group tutor's socket gets updates of their group's learners only."""
    setup = await sync_to_async(make_cohort)(learners=2, activities=2)
    group_tutor = await sync_to_async(UserFactory)(roles=[Role.TUTOR])
    await sync_to_async(make_group)(
        setup.cohort, "A", tutor=group_tutor, members=setup.learners[:1]
    )
    socket, connected, _code = await _socket(setup.cohort.pk, group_tutor)
    assert connected
    lead, lead_connected, _code = await _socket(setup.cohort.pk, setup.tutor)
    assert lead_connected
    outsider, insider = setup.learners[1], setup.learners[0]
    await sync_to_async(mark_viewed)(outsider, setup.activities[0])
    heard = await lead.receive_json_from(timeout=5)
    assert heard["payload"]["user_id"] == outsider.pk
    assert await socket.receive_nothing(timeout=0.5)
    await sync_to_async(mark_viewed)(insider, setup.activities[0])
    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["user_id"] == insider.pk
    await socket.disconnect()
    await lead.disconnect()
