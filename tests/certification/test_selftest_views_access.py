"""Only the owner ever sees or changes an attempt (404 for anyone else)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certification.models import Attempt, ItemResponse
from certification.selftest import attempts
from lms.roles import Role
from tests.certification.selftest_taking_support import bank_and_blueprint
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def someone_elses_attempt():
    blueprint = bank_and_blueprint()
    owner = UserFactory(roles=[Role.TEACHER])
    attempt = attempts.start_attempt(owner, blueprint)
    served = attempts.current_item(attempt)
    return attempt, served


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("selftest_attempt", "get"),
        ("selftest_answer", "post"),
        ("selftest_abandon", "get"),
        ("selftest_abandon", "post"),
        ("selftest_result", "get"),
    ],
)
def test_another_users_attempt_is_a_404(
    client, teacher, someone_elses_attempt, name, method
):
    """Every attempt page answers 404 to a signed-in stranger and changes nothing."""
    attempt, served = someone_elses_attempt
    client.force_login(teacher)
    url = reverse(f"certification:{name}", args=[attempt.uuid])
    data = {
        "order": served.order,
        "lock_token": served.lock_token,
        "answer": str(served.options[0][0]),
        "confirm": "1",
    }
    response = getattr(client, method)(url, data if method == "post" else None)
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not ItemResponse.objects.filter(attempt=attempt).exists()


def test_another_users_finished_result_is_a_404(client, teacher, someone_elses_attempt):
    """A finished result stays private too."""
    attempt, _served = someone_elses_attempt
    attempts.abandon(attempt)
    client.force_login(teacher)
    response = client.get(reverse("certification:selftest_result", args=[attempt.uuid]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["selftest_attempt", "selftest_answer", "selftest_abandon", "selftest_result"],
)
def test_anonymous_visitors_are_sent_to_login(client, someone_elses_attempt, name):
    """Attempt pages require signing in."""
    attempt, _served = someone_elses_attempt
    response = client.get(reverse(f"certification:{name}", args=[attempt.uuid]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_changes_need_post(client, teacher):
    """GET on the answer or start URL is refused (405): changes are POST only."""
    blueprint = bank_and_blueprint()
    attempt = attempts.start_attempt(teacher, blueprint)
    client.force_login(teacher)
    assert (
        client.get(
            reverse("certification:selftest_answer", args=[attempt.uuid])
        ).status_code
        == 405
    )
    assert (
        client.get(
            reverse("certification:selftest_start", args=[blueprint.slug])
        ).status_code
        == 405
    )
