"""Django admin for courses: structure editable, tracking tables read-only."""

import pytest
from django.urls import reverse

from courses.models import ActivityProgress, Attempt, ScoState
from tests.courses.structure_fixtures import ready_package, run_with_learner
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db

MODELS = [
    "course",
    "module",
    "activity",
    "package",
    "participant",
    "submission",
    "attempt",
    "scostate",
    "commit",
    "activityprogress",
    "statement",
]


def test_administrator_lists_every_course_model(client, administrator):
    """Every courses model has an admin list page that loads."""
    run_with_learner()
    force_login_verified(client, administrator)
    for model in MODELS:
        response = client.get(reverse(f"admin:courses_{model}_changelist"))
        assert response.status_code == 200, model


def test_tracking_tables_are_read_only(client, administrator):
    """Attempts, SCO states and progress cannot be added, edited or deleted."""
    _run, learner, pages = run_with_learner(activities=1)
    package = ready_package()
    attempt = Attempt.objects.create(user=learner, activity=pages[0], package=package)
    state = ScoState.objects.create(
        attempt=attempt, sco_identifier="sco_1", suspend_data="x"
    )
    progress = ActivityProgress.objects.create(user=learner, activity=pages[0])
    force_login_verified(client, administrator)
    assert client.get(reverse("admin:courses_scostate_add")).status_code == 403
    change = client.get(reverse("admin:courses_scostate_change", args=[state.pk]))
    assert change.status_code == 200
    assert 'name="lesson_status"' not in change.text
    assert (
        client.post(
            reverse("admin:courses_activityprogress_delete", args=[progress.pk]),
            {"post": "yes"},
        ).status_code
        == 403
    )
    assert ActivityProgress.objects.filter(pk=progress.pk).exists()


def test_teacher_cannot_reach_the_admin(client, teacher):
    """The admin stays closed to non-administrators."""
    force_login_verified(client, teacher)
    response = client.get(reverse("admin:courses_course_changelist"))
    assert response.status_code == 302
