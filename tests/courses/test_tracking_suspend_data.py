"""suspend_data fidelity: byte-exact round trips up to 64,000 characters, never cut."""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import ScoState
from courses.tracking.tokens import make_attempt_token
from tests.courses.tracking_fixtures import (  # noqa: F401 - fixture
    SCORM_12,
    SCORM_2004,
    commit_body,
    inline_tracking,
    new_attempt,
    post,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tracking")]

EXAMPLES = int(os.environ.get("TRACKING_ROUNDTRIP_EXAMPLES", "60"))
SUSPEND = {SCORM_12: "cmi.suspend_data", SCORM_2004: "cmi.suspend_data"}
TYPE_ERROR = {SCORM_12: 405, SCORM_2004: 406}


def send_beacon(client, body):
    """POST the way the player's sendBeacon does: JSON.stringify output (lone
    surrogates escaped, other characters as is) in a text/plain UTF-8 body."""
    text = json.dumps(body, ensure_ascii=False)
    text = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m[0]):04x}", text)
    raw = text.encode("utf-8")
    return post(client, "tracking_commit", None, content_type="text/plain", raw=raw)


def load(client, attempt, token):
    response = post(client, "tracking_state", {"token": token, "sco": "sco_1"})
    assert response.status_code == 200
    return response.json()["elements"].get("cmi.suspend_data", "")


@pytest.mark.parametrize("standard", [SCORM_12, SCORM_2004])
@given(text=st.text(max_size=64_000))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
def test_suspend_data_round_trips_exactly(client, settings, standard, text):
    """Whatever text up to 64,000 characters is committed comes back identical."""
    settings.TRACKING_RATE_LIMIT_REQUESTS = 10_000
    attempt = new_attempt(standard)
    token = make_attempt_token(attempt)
    response = post(
        client,
        "tracking_commit",
        commit_body(attempt, 1, {SUSPEND[standard]: text}, token=token),
    )
    assert response.status_code == 200, response.content[:300]
    assert load(client, attempt, token) == text


@pytest.mark.parametrize("standard", [SCORM_12, SCORM_2004])
@pytest.mark.parametrize("char", ["x", "é", "😀"])
def test_64000_characters_are_kept_and_64001_refused(client, standard, char):
    """64,000 characters (astral ones too) fit in both standards; one more is
    refused with the standard's type error, and the stored value is untouched."""
    attempt = new_attempt(standard)
    token = make_attempt_token(attempt)
    full = char * 64_000
    accepted = send_beacon(
        client, commit_body(attempt, 1, {SUSPEND[standard]: full}, token=token)
    )
    assert accepted.status_code == 200
    refused = send_beacon(
        client, commit_body(attempt, 2, {SUSPEND[standard]: full + char}, token=token)
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "element": "cmi.suspend_data",
            "code": TYPE_ERROR[standard],
            "message": refused.json()["errors"][0]["message"],
        }
    ]
    assert load(client, attempt, token) == full
    assert ScoState.objects.get(attempt=attempt).seq == 1


@pytest.mark.parametrize("size", [4_096, 4_097])
def test_scorm_12_is_not_held_to_4096_characters(client, size):
    """SCORM 1.2 content that outgrew 4 KB keeps working (as with scorm-again)."""
    attempt = new_attempt(SCORM_12)
    token = make_attempt_token(attempt)
    data = "d" * size
    response = post(
        client,
        "tracking_commit",
        commit_body(attempt, 1, {"cmi.suspend_data": data}, token=token),
    )
    assert response.status_code == 200
    assert load(client, attempt, token) == data


def test_lone_surrogates_and_nul_survive_a_beacon(client):
    """JavaScript strings may hold lone surrogates and NUL: kept exactly."""
    attempt = new_attempt(SCORM_2004)
    token = make_attempt_token(attempt)
    data = "début\x00\ud83d-fin\udc00"
    response = send_beacon(
        client, commit_body(attempt, 1, {"cmi.suspend_data": data}, token=token)
    )
    assert response.status_code == 200
    assert load(client, attempt, token) == data


def test_one_megabyte_is_refused_not_truncated(client):
    """A 1 MB suspend_data never gets stored cut down."""
    attempt = new_attempt(SCORM_2004)
    token = make_attempt_token(attempt)
    response = send_beacon(
        client,
        commit_body(attempt, 1, {"cmi.suspend_data": "z" * 1_048_576}, token=token),
    )
    assert response.status_code in (400, 413)
    assert not ScoState.objects.filter(attempt=attempt, seq__gt=0).exists()
