"""Applying SCORM commits: merge, monotonic statuses, time, exit/resume, closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import ActivityProgress, Attempt, ScoState, Statement
from courses.tracking import selectors
from courses.tracking.commits import apply_commit
from tests.courses.tracking_fixtures import SCORM_12, SCORM_2004, new_attempt, sco

pytestmark = pytest.mark.django_db


def state_of(attempt, identifier="sco_1") -> ScoState:
    return ScoState.objects.get(attempt=attempt, sco_identifier=identifier)


def commit(attempt, seq, elements, *, final=False, sco_id="sco_1", launch="L1"):
    return apply_commit(attempt, sco_id, seq, elements, final, launch_id=launch)


def test_elements_merge_one_by_one_never_a_blind_overwrite():
    """A commit only changes the elements it carries."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.core.lesson_location": "p1", "cmi.comments": "note"})
    commit(attempt, 2, {"cmi.core.score.raw": "40"})
    state = state_of(attempt)
    assert state.location == "p1"
    assert state.cmi["cmi.comments"] == "note"
    assert state.score_raw == 40


def test_completion_never_regresses_but_late_scores_are_accepted():
    """completed stays completed; a score arriving after completion is kept."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.core.lesson_status": "completed"})
    commit(
        attempt, 2, {"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "75"}
    )
    state = state_of(attempt)
    assert state.lesson_status == "completed"
    assert state.completion_status == "completed"
    assert state.score_raw == 75
    initial = selectors.initial_state(attempt, "sco_1")["elements"]
    assert initial["cmi.core.lesson_status"] == "completed"


def test_passed_never_becomes_failed_within_an_attempt():
    """passed is final for the attempt, in 1.2 and in 2004."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.core.lesson_status": "passed"})
    commit(attempt, 2, {"cmi.core.lesson_status": "failed"})
    assert state_of(attempt).success_status == "passed"
    attempt = new_attempt(SCORM_2004)
    commit(attempt, 1, {"cmi.success_status": "passed"})
    commit(attempt, 2, {"cmi.success_status": "failed"})
    commit(attempt, 3, {"cmi.success_status": "unknown"})
    assert state_of(attempt).success_status == "passed"


def test_failed_can_still_become_passed():
    """A learner who failed may pass later in the same attempt."""
    attempt = new_attempt(SCORM_2004)
    commit(attempt, 1, {"cmi.success_status": "failed"})
    commit(attempt, 2, {"cmi.success_status": "passed"})
    assert state_of(attempt).success_status == "passed"


def test_session_time_is_added_once_per_increase_within_a_session():
    """Several commits of one session add the session time once, not each time."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.core.session_time": "00:01:00"})
    commit(attempt, 2, {"cmi.core.session_time": "00:03:00"})
    commit(attempt, 3, {"cmi.core.session_time": "00:03:30"}, final=True)
    assert state_of(attempt).total_time_seconds == 210
    # A new launch (another token) is a new session: its time adds up.
    commit(attempt, 4, {"cmi.core.session_time": "00:02:00"}, launch="L2")
    assert state_of(attempt).total_time_seconds == 330
    progress = ActivityProgress.objects.get(
        user=attempt.user, activity=attempt.activity
    )
    assert progress.total_time_seconds == 330


def test_iso_durations_accumulate_into_total_time_for_2004():
    """SCORM 2004 ISO 8601 session times convert to seconds and back."""
    attempt = new_attempt(SCORM_2004)
    commit(attempt, 1, {"cmi.session_time": "PT1H2M3.5S"}, final=True)
    commit(attempt, 2, {"cmi.session_time": "PT30S"}, launch="L2")
    assert state_of(attempt).total_time_seconds == pytest.approx(3753.5)
    elements = selectors.initial_state(attempt, "sco_1")["elements"]
    assert elements["cmi.total_time"] == "PT1H2M33.5S"


def test_entry_is_resume_after_suspend_and_empty_after_normal_exit():
    """exit=suspend → resume; a normal exit → ""; never ab-initio again."""
    attempt = new_attempt(SCORM_2004)
    commit(attempt, 1, {"cmi.exit": "suspend", "cmi.location": "p2"}, final=True)
    assert (
        selectors.initial_state(attempt, "sco_1")["elements"]["cmi.entry"] == "resume"
    )
    commit(attempt, 2, {"cmi.exit": "normal"}, final=True, launch="L2")
    assert selectors.initial_state(attempt, "sco_1")["elements"]["cmi.entry"] == ""


def test_a_session_that_never_sent_its_final_commit_resumes():
    """Browser killed before the final commit: the learner still resumes."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.suspend_data": "etat", "cmi.core.exit": ""})
    elements = selectors.initial_state(attempt, "sco_1")["elements"]
    assert elements["cmi.core.entry"] == "resume"
    assert elements["cmi.suspend_data"] == "etat"


def test_final_normal_exit_on_a_completed_sco_closes_the_attempt():
    """Completed + final commit with a normal exit closes the attempt."""
    attempt = new_attempt(SCORM_12)
    commit(
        attempt,
        1,
        {"cmi.core.lesson_status": "completed", "cmi.core.exit": "suspend"},
        final=True,
    )
    attempt.refresh_from_db()
    assert not attempt.is_closed
    commit(attempt, 2, {"cmi.core.exit": ""}, final=True, launch="L2")
    attempt.refresh_from_db()
    assert attempt.is_closed and attempt.closed_at is not None


def test_late_commit_after_closing_is_accepted_within_the_window(settings):
    """Score elements arriving just after the attempt closed are still stored."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.core.lesson_status": "completed"}, final=True)
    attempt.refresh_from_db()
    assert attempt.is_closed
    result = commit(attempt, 2, {"cmi.core.score.raw": "88"})
    assert result.status == "applied"
    Attempt.objects.filter(pk=attempt.pk).update(
        closed_at=timezone.now()
        - timedelta(seconds=settings.TRACKING_LATE_COMMIT_SECONDS + 1)
    )
    attempt.refresh_from_db()
    late = commit(attempt, 3, {"cmi.core.score.raw": "10"})
    assert (late.status, late.http_status) == ("closed", 409)
    assert state_of(attempt).score_raw == 88


def test_mastery_score_decides_pass_in_scorm_12():
    """With a mastery score and no passed/failed, the raw score decides."""
    attempt = new_attempt(SCORM_12, [sco(mastery_score=80.0)])
    commit(
        attempt, 1, {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70"}
    )
    assert state_of(attempt).success_status == "failed"
    commit(attempt, 2, {"cmi.core.score.raw": "85"})
    state = state_of(attempt)
    assert state.success_status == "passed"
    elements = selectors.initial_state(attempt, "sco_1")["elements"]
    assert elements["cmi.student_data.mastery_score"] == "80"


def test_completion_threshold_measures_completion_in_2004():
    """progress_measure ≥ completion_threshold completes the SCO."""
    attempt = new_attempt(SCORM_2004, [sco(completion_threshold=0.8)])
    commit(
        attempt,
        1,
        {"cmi.progress_measure": "0.5", "cmi.completion_status": "completed"},
    )
    assert state_of(attempt).completion_status == "incomplete"
    commit(attempt, 2, {"cmi.progress_measure": "0.85"})
    assert state_of(attempt).completion_status == "completed"
    elements = selectors.initial_state(attempt, "sco_1")["elements"]
    assert elements["cmi.completion_threshold"] == "0.8"


def test_progress_gets_completion_pass_and_percent_score():
    """The activity's progress follows the SCO: completed, passed, score in %."""
    attempt = new_attempt(SCORM_2004, rule="passed")
    commit(
        attempt, 1, {"cmi.score.raw": "15", "cmi.score.max": "20", "cmi.score.min": "0"}
    )
    progress = ActivityProgress.objects.get(
        user=attempt.user, activity=attempt.activity
    )
    assert progress.score == 75 and progress.state == "in_progress"
    commit(attempt, 2, {"cmi.success_status": "passed", "cmi.score.scaled": "0.9"})
    progress.refresh_from_db()
    assert (progress.state, progress.is_passed, progress.score) == (
        "completed",
        True,
        90,
    )


def test_multi_sco_activity_completes_when_every_sco_does():
    """A multi-SCO package completes only when all its SCOs are completed."""
    attempt = new_attempt(SCORM_2004, [sco("a"), sco("b")])
    commit(attempt, 1, {"cmi.completion_status": "completed"}, sco_id="a")
    progress = ActivityProgress.objects.get(
        user=attempt.user, activity=attempt.activity
    )
    assert progress.state == "in_progress"
    commit(attempt, 1, {"cmi.completion_status": "completed"}, sco_id="b")
    progress.refresh_from_db()
    assert progress.state == "completed"


def test_status_changes_store_deterministic_xapi_statements():
    """completed/passed produce one statement each, whatever is re-sent."""
    attempt = new_attempt(SCORM_12)
    commit(attempt, 1, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"})
    commit(attempt, 1, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"})
    verbs = sorted(s.verb.rsplit("/", 1)[1] for s in Statement.objects.all())
    assert verbs == ["completed", "passed"]
    passed = Statement.objects.get(verb__endswith="/passed")
    assert passed.data["actor"]["account"]["name"] == str(attempt.user_id)
    assert passed.data["result"]["score"]["raw"] == 90
    assert passed.data["context"]["registration"] == str(attempt.uuid)
    assert "mbox" not in passed.data["actor"]


def test_nul_and_lone_surrogates_round_trip():
    """Characters PostgreSQL cannot hold are stored losslessly, not refused."""
    attempt = new_attempt(SCORM_2004)
    awkward = "a\x00b\ud800c\U0010fffd😀"
    result = commit(attempt, 1, {"cmi.suspend_data": awkward, "cmi.location": "\x00"})
    assert result.status == "applied"
    elements = selectors.initial_state(attempt, "sco_1")["elements"]
    assert elements["cmi.suspend_data"] == awkward
    assert elements["cmi.location"] == "\x00"


def test_read_only_echoes_of_a_full_dump_are_accepted_not_stored():
    """A scorm-again dump echoes LMS values back: accepted, never stored."""
    attempt = new_attempt(SCORM_12)
    dump = {
        "cmi.core.student_id": str(attempt.user_id),
        "cmi.core.student_name": "Nom, Prénom",
        "cmi.core.credit": "credit",
        "cmi.core.entry": "ab-initio",
        "cmi.core.lesson_mode": "normal",
        "cmi.core.total_time": "00:01:00",
        "cmi.launch_data": "",
        "cmi.core.lesson_status": "not attempted",
        "cmi.core.score.raw": "",
        "cmi.interactions.0.objectives": {},
        "cmi.comments_from_lms": "",
    }
    assert commit(attempt, 1, dump).status == "applied"
    assert "cmi.core.student_id" not in state_of(attempt).cmi
    assert "cmi.core.total_time" not in state_of(attempt).cmi
