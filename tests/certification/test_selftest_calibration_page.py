"""The calibration staff page: IFPC staff only, runs and a paginated report,
launching a run (POST, after commit), French reasons, pinned query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certification.models import CalibrationRun
from certification.selftest import calibration
from lms.roles import Role
from tests.factories import UserFactory
from tests.two_factor_support import force_login_verified

pytestmark = [
    pytest.mark.django_db,
]

PAGE = "certification:selftest_calibration"
START = "certification:selftest_calibration_start"


def _report_run(n_items: int = 120) -> CalibrationRun:
    rows = [
        {
            "uid": f"item-{k:03d}",
            "competence": "2.1",
            "status": "pretest" if k % 2 else "calibrated",
            "n": 300 + k,
            "n_theta": 300 + k,
            "p_value": 0.61,
            "point_biserial": 0.42,
            "exposure": 0.12,
            "a": 1.1,
            "b": -0.4,
            "fitted": bool(k % 2),
            "promoted": k == 1,
            "reasons": (
                [{"code": "se_b_too_large", "value": 0.41}] if k % 2 and k != 1 else []
            ),
            **({"fit": {"a": 1.2, "b": 0.3, "se_b": 0.41}} if k % 2 else {}),
        }
        for k in range(n_items)
    ]
    return CalibrationRun.objects.create(
        method=calibration.METHOD_ONLINE,
        state=CalibrationRun.State.DONE,
        n_items=60,
        n_persons=500,
        report={"summary": {"items_with_responses": n_items}, "items": rows},
    )


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TUTOR])
def test_teachers_and_tutors_get_403(client, role):
    """Neither the page nor the launch is open to teachers or tutors."""
    force_login_verified(client, UserFactory(roles=[role]))
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.post(reverse(START)).status_code == 403
    assert not CalibrationRun.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client):
    """Signed out: redirected to the login page."""
    response = client.get(reverse(PAGE))
    assert response.status_code == 302
    assert "login" in response.url or "connexion" in response.url


@pytest.mark.parametrize(
    "role", [Role.CATALOGUE_MANAGER, Role.REGISTRATIONS_MANAGER, Role.ADMINISTRATOR]
)
def test_ifpc_staff_see_the_page(client, role):
    """IFPC staff get the page; with no run yet it shows the empty state."""
    force_login_verified(client, UserFactory(roles=[role]))
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    assert "Aucune calibration n'a encore été lancée." in response.text
    assert "Lancer une calibration" in response.text


def test_the_report_is_paginated_with_french_reasons(client, django_assert_num_queries):
    """50 rows a page, reasons in French, a fixed number of queries."""
    _report_run(120)
    force_login_verified(client, UserFactory(roles=[Role.CATALOGUE_MANAGER]))
    client.get(reverse(PAGE))  # warm the session
    with django_assert_num_queries(6):  # +1: 2FA device
        response = client.get(reverse(PAGE))
    assert response.text.count('<th scope="row">item-') == 50
    assert "erreur type de b = 0,41 au-delà de 0,35" in response.text
    assert "Promu : calibré" in response.text
    last = client.get(reverse(PAGE), {"page": 3})
    assert "item-119" in last.text and "item-000" not in last.text


def test_the_filter_shows_only_promoted_items(client):
    """« promus » keeps only the items this run promoted."""
    run = _report_run(10)
    force_login_verified(client, UserFactory(roles=[Role.ADMINISTRATOR]))
    response = client.get(reverse(PAGE), {"run": run.pk, "show": "promoted"})
    assert "item-001" in response.text and "item-003" not in response.text


def test_a_launch_enqueues_the_task_after_commit(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    """POST creates a running run and enqueues ``calibrate_items`` on commit only."""
    from certification import tasks

    sent = []
    monkeypatch.setattr(tasks.calibrate_items, "delay", sent.append)
    staff = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    force_login_verified(client, staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse(START))
    assert response.status_code == 302 and sent == []
    run = CalibrationRun.objects.get()
    assert (run.state, run.triggered_by) == (CalibrationRun.State.RUNNING, staff)
    for callback in callbacks:
        callback()
    assert sent == [run.pk]


def test_a_second_launch_while_running_is_refused(client, monkeypatch):
    """A run in progress: the button says so and a POST adds no run."""
    from certification import tasks

    monkeypatch.setattr(tasks.calibrate_items, "delay", lambda run_id: None)
    force_login_verified(client, UserFactory(roles=[Role.CATALOGUE_MANAGER]))
    client.post(reverse(START))
    response = client.post(reverse(START), follow=True)
    assert "Une calibration est déjà en cours" in response.text
    assert CalibrationRun.objects.count() == 1
    assert "disabled" in client.get(reverse(PAGE)).text


def test_the_launch_is_post_only(client):
    """GET on the launch URL is refused (405)."""
    force_login_verified(client, UserFactory(roles=[Role.CATALOGUE_MANAGER]))
    assert client.get(reverse(START)).status_code == 405
