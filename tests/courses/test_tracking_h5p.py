"""H5P tracking through the API: xAPI results and the content's saved state."""

from __future__ import annotations

import uuid

import pytest

from courses.attempts import start_or_resume_attempt
from courses.models import ActivityProgress, ScoState, Statement
from courses.tracking.tokens import make_attempt_token
from tests.courses.tracking_fixtures import (
    H5P,
    SCORM_12,
    inline_tracking,  # noqa: F401 - fixture
    learner,
    new_attempt,
    post,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tracking")]

CONTENT = "http://localhost:8000/h5p/content/1"


def statement(verb="answered", *, score=None, success=None, object_id=CONTENT, **extra):
    data = {
        "actor": {"mbox": "mailto:intrus@example.test", "objectType": "Agent"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": object_id, "objectType": "Activity"},
        "result": {},
        **extra,
    }
    if score is not None:
        data["result"]["score"] = score
    if success is not None:
        data["result"]["success"] = success
    return data


def send(client, attempt, data, token=None):
    return post(
        client,
        "tracking_statements",
        {"token": token or make_attempt_token(attempt), "statement": data},
    )


@pytest.fixture
def attempt():
    return new_attempt(H5P, rule="passed")


def test_answered_statement_records_score_and_pass(client, attempt):
    """A top-level answered statement scores and passes the learner."""
    response = send(
        client,
        attempt,
        statement(score={"raw": 8, "max": 10, "min": 0, "scaled": 0.8}, success=True),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "stored"
    state = ScoState.objects.get(attempt=attempt, sco_identifier="h5p")
    assert (state.score_scaled, state.success_status) == (0.8, "passed")
    progress = ActivityProgress.objects.get(
        user=attempt.user, activity=attempt.activity
    )
    assert (progress.state, progress.score, progress.is_passed) == (
        "completed",
        80,
        True,
    )


def test_actor_is_forced_to_the_attempts_learner(client, attempt):
    """The actor sent by the browser is never trusted."""
    send(client, attempt, statement(score={"scaled": 0.5}))
    stored = Statement.objects.get()
    assert stored.user_id == attempt.user_id
    assert stored.data["actor"]["account"]["name"] == str(attempt.user_id)
    assert "mbox" not in stored.data["actor"]
    assert stored.data["context"]["registration"] == str(attempt.uuid)


def test_identical_duplicate_is_a_no_op_and_conflict_is_409(client, attempt):
    """Same id + same content: 200 duplicate; same id + other content: 409."""
    statement_id = str(uuid.uuid4())
    first = statement(score={"scaled": 0.4}, id=statement_id)
    assert send(client, attempt, first).json()["status"] == "stored"
    again = send(client, attempt, first)
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "id": statement_id}
    changed = send(client, attempt, statement(score={"scaled": 0.9}, id=statement_id))
    assert changed.status_code == 409
    assert Statement.objects.count() == 1
    assert ScoState.objects.get(attempt=attempt).score_scaled == 0.4


def test_statement_ids_of_another_learner_conflict(client, attempt):
    """Reusing another learner's statement id is refused."""
    statement_id = str(uuid.uuid4())
    send(client, attempt, statement(id=statement_id))
    other = new_attempt(H5P)
    response = send(client, other, statement(id=statement_id))
    assert response.status_code == 409


def test_sub_content_answers_do_not_complete_the_content(client, attempt):
    """A question inside a question set does not stand for the whole content."""
    send(
        client,
        attempt,
        statement(
            score={"scaled": 1.0},
            success=True,
            object_id=f"{CONTENT}?subContentId=abc",
        ),
    )
    progress = ActivityProgress.objects.filter(user=attempt.user).first()
    assert progress is None or progress.state != "completed"


@pytest.mark.parametrize(
    "bad",
    [
        {"verb": {"id": "not an iri"}, "object": {"id": CONTENT}},
        {"verb": {"id": "http://x/y"}},
        {"verb": {"id": "http://x/y"}, "object": {"id": CONTENT}, "id": "nope"},
        {"verb": {"id": "http://x/y"}, "object": {"id": CONTENT}, "result": "x"},
        {"verb": {"id": "http://x/y"}, "object": {"id": CONTENT}, "ext": "a\x00b"},
        {
            "verb": {"id": "http://x/y"},
            "object": {"id": CONTENT},
            "result": {"extensions": {"http://x/big": "x" * 70_000}},
        },
        "a string",
    ],
)
def test_invalid_statements_are_400(client, attempt, bad):
    """Malformed, oversized or unstorable statements are refused cleanly."""
    response = send(client, attempt, bad)
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_completed_then_failed_never_unpasses(client, attempt):
    """Success is monotonic within the attempt; the best score is kept."""
    send(client, attempt, statement("completed", score={"scaled": 0.9}, success=True))
    send(client, attempt, statement("answered", score={"scaled": 0.2}, success=False))
    state = ScoState.objects.get(attempt=attempt)
    assert (state.completion_status, state.success_status) == ("completed", "passed")
    progress = ActivityProgress.objects.get(
        user=attempt.user, activity=attempt.activity
    )
    assert progress.score == 90 and progress.is_passed is True


def test_user_data_is_saved_read_and_deleted(client, attempt):
    """H5P content state round-trips, and "0" deletes it."""
    token = make_attempt_token(attempt)
    body = {"token": token, "data_type": "state", "sub_content_id": 0}
    assert post(client, "tracking_h5p_state", body).json() == {"data": None}
    saved = post(
        client, "tracking_h5p_state", {**body, "data": '{"answers":[1,"é\x00"]}'}
    )
    assert saved.json() == {"status": "saved"}
    assert post(client, "tracking_h5p_state", body).json() == {
        "data": '{"answers":[1,"é\x00"]}'
    }
    post(client, "tracking_h5p_state", {**body, "data": "0"})
    assert post(client, "tracking_h5p_state", body).json() == {"data": None}


def test_user_data_of_another_learner_is_unreachable(client, attempt):
    """Another learner on the same content only ever sees their own state."""
    post(
        client,
        "tracking_h5p_state",
        {
            "token": make_attempt_token(attempt),
            "data_type": "state",
            "sub_content_id": 0,
            "data": "secret",
        },
    )
    other = start_or_resume_attempt(learner(), attempt.activity)
    response = post(
        client,
        "tracking_h5p_state",
        {"token": make_attempt_token(other), "data_type": "state", "sub_content_id": 0},
    )
    assert response.json() == {"data": None}


@pytest.mark.parametrize(
    ("data_type", "sub_content_id"), [("../x", 0), ("", 0), ("state", "a b")]
)
def test_bad_user_data_keys_are_400(client, attempt, data_type, sub_content_id):
    """Data types and sub-content ids are plain identifiers."""
    response = post(
        client,
        "tracking_h5p_state",
        {
            "token": make_attempt_token(attempt),
            "data_type": data_type,
            "sub_content_id": sub_content_id,
        },
    )
    assert response.status_code == 400


def test_h5p_endpoints_refuse_scorm_attempts(client):
    """Statements and H5P state only exist for H5P attempts."""
    scorm = new_attempt(SCORM_12)
    assert send(client, scorm, statement()).status_code == 400
    response = post(
        client,
        "tracking_h5p_state",
        {"token": make_attempt_token(scorm), "data_type": "state", "sub_content_id": 0},
    )
    assert response.status_code == 400
