"""The tracking API of the content origin: who may call it and what it answers."""

from __future__ import annotations

import json

import pytest
from django.core import signing
from django.test import Client

from courses.models import Commit, ScoState
from courses.tracking import tokens
from courses.tracking.api import shutdown_db_threads
from courses.tracking.tokens import make_attempt_token
from tests.courses.tracking_fixtures import (  # noqa: F401 - fixture
    H5P,
    SCORM_12,
    SCORM_2004,
    commit_body,
    inline_tracking,
    new_attempt,
    post,
    tracking_url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tracking")]


@pytest.fixture
def attempt():
    return new_attempt(SCORM_12)


def test_commit_is_applied_and_stored(client, attempt):
    """A valid commit is applied and its data is stored for the SCO."""
    response = post(
        client,
        "tracking_commit",
        commit_body(
            attempt,
            1,
            {
                "cmi.core.lesson_location": "page-3",
                "cmi.suspend_data": "état",
                "cmi.core.lesson_status": "incomplete",
            },
        ),
    )
    assert response.status_code == 200
    assert response.json() == {"status": "applied", "seq": 1}
    state = ScoState.objects.get(attempt=attempt, sco_identifier="sco_1")
    assert (state.location, state.suspend_data, state.seq) == ("page-3", "état", 1)
    assert response["Cache-Control"] == "no-store"


def test_missing_token_is_401_json_never_a_redirect(client, attempt):
    """Without a token the API answers 401 JSON, not a login redirect."""
    body = commit_body(attempt, 1, {})
    del body["token"]
    response = post(client, "tracking_commit", body)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "token"}


def test_tampered_token_is_401(client, attempt):
    """A token whose payload or signature was altered is refused."""
    token = make_attempt_token(attempt)
    payload, rest = token.split(":", 1)
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    response = post(
        client, "tracking_commit", commit_body(attempt, 1, {}, token=forged)
    )
    assert response.status_code == 401
    assert not ScoState.objects.exists()


def test_token_signed_for_another_purpose_is_401(client, attempt):
    """A value signed with the site key but another salt is not an attempt token."""
    token = signing.dumps(
        {"a": str(attempt.uuid), "u": attempt.user_id, "l": "x"}, salt="other"
    )
    response = post(client, "tracking_commit", commit_body(attempt, 1, {}, token=token))
    assert response.status_code == 401


def test_expired_token_is_401(client, attempt, settings):
    """A token older than ATTEMPT_TOKEN_MAX_AGE_SECONDS is refused."""
    token = make_attempt_token(attempt)
    settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS = -1
    response = post(client, "tracking_commit", commit_body(attempt, 1, {}, token=token))
    assert response.status_code == 401


def test_token_of_a_deleted_attempt_is_401(client, attempt):
    """Once its attempt is gone, a token opens nothing."""
    token = make_attempt_token(attempt)
    attempt.delete()
    response = post(client, "tracking_commit", commit_body(attempt, 1, {}, token=token))
    assert response.status_code == 401


def test_another_learners_attempt_cannot_be_reached(client, attempt):
    """Even a correctly signed token naming another learner's attempt gets 401.

    Ownership is part of the query: attempt uuid and user id must both match.
    """
    intruder = new_attempt(SCORM_12)
    token = signing.dumps(
        {"a": str(attempt.uuid), "u": intruder.user_id, "l": "x"}, salt=tokens.SALT
    )
    response = post(
        client,
        "tracking_commit",
        commit_body(attempt, 1, {"cmi.suspend_data": "pirate"}, token=token),
    )
    assert response.status_code == 401
    state_response = post(client, "tracking_state", {"token": token, "sco": "sco_1"})
    assert state_response.status_code == 401
    assert not ScoState.objects.filter(attempt=attempt).exists()


def test_oversize_body_is_413(client, attempt, settings):
    """A body above TRACKING_MAX_BODY_BYTES is refused before being parsed."""
    settings.TRACKING_MAX_BODY_BYTES = 1000
    body = commit_body(attempt, 1, {"cmi.suspend_data": "x" * 2000})
    response = post(client, "tracking_commit", body)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_unsupported_content_type_is_415(client, attempt):
    """Only JSON and text/plain (beacon) bodies are accepted."""
    response = post(
        client,
        "tracking_commit",
        None,
        content_type="application/x-www-form-urlencoded",
        raw=b"token=x",
    )
    assert response.status_code == 415


def test_text_plain_beacon_body_is_accepted_without_csrf(attempt):
    """A sendBeacon text/plain body commits, with CSRF checks enforced."""
    client = Client(enforce_csrf_checks=True)
    body = commit_body(
        attempt, 1, {"cmi.core.lesson_location": "fin", "cmi.core.exit": "suspend"}
    )
    response = post(
        client,
        "tracking_commit",
        None,
        content_type="text/plain;charset=UTF-8",
        raw=json.dumps({**body, "final": True}).encode(),
    )
    assert response.status_code == 200
    ledger = Commit.objects.get(sco_state__attempt=attempt)
    assert ledger.is_final


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "malformed"),
        (b"[1, 2]", "malformed"),
        (b"\xff\xfe", "malformed"),
        (b"[" * 100_000, "malformed"),
    ],
)
def test_malformed_body_is_400(client, body, error):
    """Broken JSON, a non-object or absurd nesting is a 400, never a 500."""
    response = post(client, "tracking_commit", None, raw=body)
    assert response.status_code == 400
    assert response.json() == {"error": error}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"seq": 0}, "seq"),
        ({"seq": "1"}, "seq"),
        ({"seq": True}, "seq"),
        ({"final": "yes"}, "final"),
        ({"elements": ["cmi.core.exit"]}, "elements"),
        ({"sco": "nope"}, "sco"),
        ({"sco": ""}, "sco"),
    ],
)
def test_bad_envelope_is_400(client, attempt, change, error):
    """Seq, final flag, elements and SCO are checked before anything is stored."""
    body = {**commit_body(attempt, 1, {}), **change}
    response = post(client, "tracking_commit", body)
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert not ScoState.objects.exists()


def test_get_is_405_json(client):
    """Only POST is allowed."""
    response = client.get(tracking_url("tracking_commit"), HTTP_HOST="localhost:8000")
    assert response.status_code == 405
    assert response.json() == {"error": "method"}


def test_tracking_api_is_not_served_on_the_platform_origin(client, attempt):
    """The API lives on the content origin only."""
    response = client.post(
        tracking_url("tracking_commit"),
        data=json.dumps(commit_body(attempt, 1, {})),
        content_type="application/json",
        HTTP_HOST="127.0.0.1",
    )
    assert response.status_code in (301, 404)
    assert not ScoState.objects.exists()


def test_invalid_cmi_is_400_with_scorm_12_codes(client, attempt):
    """Invalid elements come back with SCORM 1.2 error codes; nothing is stored."""
    response = post(
        client,
        "tracking_commit",
        commit_body(
            attempt,
            1,
            {
                "cmi.core.lesson_status": "foo",
                "cmi.core.score.raw": "1e309",
                "cmi.core.student_id": "someone-else",
                "cmi.nothing": "x",
                "cmi.interactions.99999.id": "q",
                "cmi.suspend_data": "x" * 64_001,
                "cmi.core.lesson_location": "ok",
            },
        ),
    )
    assert response.status_code == 400
    codes = {e["element"]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "cmi.core.lesson_status": 405,
        "cmi.core.score.raw": 405,
        "cmi.core.student_id": 403,
        "cmi.nothing": 401,
        "cmi.interactions.99999.id": 201,
        "cmi.suspend_data": 405,
    }
    assert not ScoState.objects.exists()


def test_invalid_cmi_is_400_with_scorm_2004_codes(client):
    """SCORM 2004 gets its own codes (406 type, 407 range, 404 read-only)."""
    attempt = new_attempt(SCORM_2004)
    response = post(
        client,
        "tracking_commit",
        commit_body(
            attempt,
            1,
            {
                "cmi.session_time": "PT-1S",
                "cmi.score.scaled": "1.5",
                "cmi.score.raw": "NaN",
                "cmi.learner_id": "x",
                "cmi.suspend_data": "y" * 64_001,
                "cmi.interactions.3.id": "q",
            },
        ),
    )
    assert response.status_code == 400
    codes = {e["element"]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "cmi.session_time": 406,
        "cmi.score.scaled": 407,
        "cmi.score.raw": 406,
        "cmi.learner_id": 404,
        "cmi.suspend_data": 406,
    }
    # The index check needs the stored state: it comes once the rest is valid.
    response = post(
        client,
        "tracking_commit",
        commit_body(attempt, 1, {"cmi.interactions.3.id": "q"}),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 351
    assert not Commit.objects.exists()


def test_duplicate_commit_is_200_and_applied_once(client, attempt):
    """The same commit sent twice (a retry) gets the same answer, applied once."""
    body = commit_body(
        attempt,
        1,
        {"cmi.core.session_time": "00:01:00", "cmi.core.lesson_location": "a"},
    )
    first = post(client, "tracking_commit", body)
    second = post(client, "tracking_commit", body)
    assert first.json() == {"status": "applied", "seq": 1}
    assert second.status_code == 200
    assert second.json() == {"status": "duplicate", "seq": 1}
    state = ScoState.objects.get(attempt=attempt)
    assert state.total_time_seconds == 60
    assert Commit.objects.filter(sco_state=state).count() == 1


def test_stale_commit_is_409_with_current_seq_and_not_applied(client, attempt):
    """A commit older than the stored one is refused and tells the current seq."""
    token = make_attempt_token(attempt)
    post(
        client,
        "tracking_commit",
        commit_body(attempt, 5, {"cmi.core.lesson_location": "p5"}, token=token),
    )
    response = post(
        client,
        "tracking_commit",
        commit_body(attempt, 4, {"cmi.core.lesson_location": "p4"}, token=token),
    )
    assert response.status_code == 409
    assert response.json() == {"error": "stale", "current_seq": 5}
    assert ScoState.objects.get(attempt=attempt).location == "p5"


def test_second_tab_conflict_is_409_and_that_tab_stays_stopped(client, attempt):
    """Two tabs sending the same seq: the second is refused, and so is its next."""
    tab_a, tab_b = make_attempt_token(attempt), make_attempt_token(attempt)
    post(
        client,
        "tracking_commit",
        commit_body(attempt, 1, {"cmi.core.lesson_location": "a1"}, token=tab_a),
    )
    conflict = post(
        client,
        "tracking_commit",
        commit_body(attempt, 1, {"cmi.core.lesson_location": "b1"}, token=tab_b),
    )
    assert conflict.status_code == 409
    assert conflict.json() == {"error": "conflict", "current_seq": 1}
    ahead = post(
        client,
        "tracking_commit",
        commit_body(attempt, 2, {"cmi.core.lesson_location": "b2"}, token=tab_b),
    )
    assert ahead.status_code == 409
    applied = post(
        client,
        "tracking_commit",
        commit_body(attempt, 2, {"cmi.core.lesson_location": "a2"}, token=tab_a),
    )
    assert applied.status_code == 200
    assert ScoState.objects.get(attempt=attempt).location == "a2"


def test_commit_storm_is_rate_limited_with_retry_after(client, attempt, settings):
    """Past the per-attempt budget the API answers 429 with Retry-After."""
    settings.TRACKING_RATE_LIMIT_REQUESTS = 3
    settings.TRACKING_RATE_LIMIT_WINDOW_SECONDS = 60
    token = make_attempt_token(attempt)
    statuses = [
        post(client, "tracking_commit", commit_body(attempt, seq, {}, token=token))
        for seq in range(1, 6)
    ]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert 1 <= int(statuses[-1]["Retry-After"]) <= 60
    assert statuses[-1].json() == {"error": "rate_limited"}
    # The final (beacon) commit has its own budget: it is not lost to the storm.
    final = post(
        client, "tracking_commit", commit_body(attempt, 6, {}, token=token, final=True)
    )
    assert final.status_code == 200


def test_other_learners_are_not_slowed_by_a_storm(client, attempt, settings):
    """The rate limit is per attempt."""
    settings.TRACKING_RATE_LIMIT_REQUESTS = 1
    settings.TRACKING_RATE_LIMIT_WINDOW_SECONDS = 60
    other = new_attempt(SCORM_12)
    post(client, "tracking_commit", commit_body(attempt, 1, {}))
    assert (
        post(client, "tracking_commit", commit_body(attempt, 2, {})).status_code == 429
    )
    assert post(client, "tracking_commit", commit_body(other, 1, {})).status_code == 200


def test_state_gives_identity_and_ab_initio_at_first_launch(client, attempt):
    """The first launch state names the learner and starts ab-initio."""
    response = post(
        client, "tracking_state", {"token": make_attempt_token(attempt), "sco": "sco_1"}
    )
    assert response.status_code == 200
    user = attempt.user
    data = response.json()
    assert data["seq"] == 0
    assert data["elements"]["cmi.core.student_id"] == str(user.pk)
    assert data["elements"]["cmi.core.student_name"] == (
        f"{user.last_name}, {user.first_name}"
    )
    assert data["elements"]["cmi.core.entry"] == "ab-initio"
    assert data["elements"]["cmi.core.lesson_status"] == "not attempted"
    assert data["elements"]["cmi.core.credit"] == "credit"


def test_state_resumes_where_the_learner_suspended(client, attempt):
    """After exit=suspend the next launch resumes with location and suspend data."""
    post(
        client,
        "tracking_commit",
        commit_body(
            attempt,
            1,
            {
                "cmi.core.lesson_location": "chapitre-4",
                "cmi.suspend_data": '{"p":4}',
                "cmi.core.exit": "suspend",
                "cmi.core.session_time": "00:10:00",
            },
            final=True,
        ),
    )
    data = post(
        client, "tracking_state", {"token": make_attempt_token(attempt), "sco": "sco_1"}
    ).json()
    assert data["seq"] == 1
    assert data["elements"]["cmi.core.entry"] == "resume"
    assert data["elements"]["cmi.core.lesson_location"] == "chapitre-4"
    assert data["elements"]["cmi.suspend_data"] == '{"p":4}'
    assert data["elements"]["cmi.core.total_time"] == "0000:10:00"
    assert "cmi.core.exit" not in data["elements"]
    assert "cmi.core.session_time" not in data["elements"]


def test_scorm_endpoints_refuse_h5p_attempts(client):
    """A SCORM commit on an H5P attempt is a 400."""
    attempt = new_attempt(H5P)
    response = post(client, "tracking_commit", commit_body(attempt, 1, {}, sco="h5p"))
    assert response.status_code == 400
    assert response.json() == {"error": "not_scorm"}


@pytest.mark.django_db(transaction=True)
def test_commits_run_on_the_tracking_threads_by_default(client, settings):
    """Outside tests the API works on its own thread pool and connections."""
    settings.TRACKING_DB_THREADS = 2
    attempt = new_attempt(SCORM_12)
    token = make_attempt_token(attempt)
    try:
        for seq in (1, 2, 2):
            response = post(
                client,
                "tracking_commit",
                commit_body(
                    attempt, seq, {"cmi.core.lesson_location": "x"}, token=token
                ),
            )
            assert response.status_code == 200
        assert response.json() == {"status": "duplicate", "seq": 2}
        assert ScoState.objects.get(attempt=attempt).seq == 2
    finally:
        shutdown_db_threads()
