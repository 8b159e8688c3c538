"""Attempts: the attempt policy, package pinning and concurrent launches."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from courses.attempts import is_attempt_finished, start_or_resume_attempt
from courses.models import Activity, Attempt
from courses.tracking.commits import apply_commit
from courses.tracking.selectors import initial_state
from tests.courses.tracking_fixtures import (
    SCORM_12,
    learner,
    package_activity,
    ready_package,
)

Policy = Activity.AttemptPolicy


def finish(attempt: Attempt, seq: int = 1) -> None:
    """The learner completes the SCO and leaves normally."""
    apply_commit(
        attempt,
        "sco_1",
        seq,
        {"cmi.core.lesson_status": "completed", "cmi.core.exit": ""},
        True,
    )
    attempt.refresh_from_db()


@pytest.mark.django_db
def test_first_launch_creates_attempt_one_and_next_launch_resumes_it():
    """The same open attempt is resumed until it is finished."""
    user, activity = learner(), package_activity()
    first = start_or_resume_attempt(user, activity)
    assert first.number == 1 and first.package_id == activity.package_id
    assert start_or_resume_attempt(user, activity) == first


@pytest.mark.django_db
def test_policy_never_reopens_the_closed_attempt_in_review_mode():
    """never: a finished attempt is reopened for review, never replaced."""
    user, activity = learner(), package_activity(policy=Policy.NEVER)
    attempt = start_or_resume_attempt(user, activity)
    finish(attempt)
    assert attempt.is_closed
    again = start_or_resume_attempt(user, activity)
    assert again == attempt
    elements = initial_state(again, "sco_1")["elements"]
    assert elements["cmi.core.lesson_mode"] == "review"
    assert elements["cmi.core.credit"] == "no-credit"
    with pytest.raises(ValidationError):
        start_or_resume_attempt(user, activity, new=True)


@pytest.mark.django_db
def test_policy_on_request_starts_a_new_attempt_only_when_asked_after_finishing():
    """on_request: new=True after a finished attempt starts attempt 2."""
    user, activity = learner(), package_activity(policy=Policy.ON_REQUEST)
    attempt = start_or_resume_attempt(user, activity)
    with pytest.raises(ValidationError):
        start_or_resume_attempt(user, activity, new=True)  # not finished yet
    finish(attempt)
    assert start_or_resume_attempt(user, activity) == attempt
    second = start_or_resume_attempt(user, activity, new=True)
    assert second.number == 2 and not second.is_closed


@pytest.mark.django_db
def test_policy_always_starts_a_new_attempt_after_completion():
    """always: completing (even with exit=suspend) means a fresh attempt next time."""
    user, activity = learner(), package_activity(policy=Policy.ALWAYS)
    attempt = start_or_resume_attempt(user, activity)
    apply_commit(
        attempt,
        "sco_1",
        1,
        {"cmi.core.lesson_status": "passed", "cmi.core.exit": "suspend"},
        True,
    )
    assert is_attempt_finished(attempt)
    second = start_or_resume_attempt(user, activity)
    assert second.number == 2
    attempt.refresh_from_db()
    assert attempt.is_closed


@pytest.mark.django_db
def test_in_flight_attempt_keeps_its_package_when_the_activity_gets_a_new_one():
    """Replacing the package never breaks an open attempt; new attempts get it."""
    user, activity = learner(), package_activity()
    attempt = start_or_resume_attempt(user, activity)
    old_package = activity.package
    activity.package = ready_package(SCORM_12)
    activity.save()
    assert start_or_resume_attempt(user, activity).package == old_package
    finish(attempt)
    assert start_or_resume_attempt(user, activity, new=True).package == activity.package


@pytest.mark.django_db
def test_no_attempt_without_a_ready_package():
    """An activity whose package is missing cannot start an attempt."""
    user, activity = learner(), package_activity()
    activity.package = None
    activity.save()
    with pytest.raises(ValidationError):
        start_or_resume_attempt(user, activity)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_launches_create_a_single_attempt():
    """Several tabs opening at once share one attempt (no duplicate, no error)."""
    user, activity = learner(), package_activity()
    results: list[Attempt] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def launch() -> None:
        try:
            barrier.wait()
            results.append(start_or_resume_attempt(user, activity))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=launch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({attempt.pk for attempt in results}) == 1
    assert Attempt.objects.filter(user=user, activity=activity).count() == 1
