"""The staff-space stand-in, run as a real process, follows docs/staff-space-api.md."""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certification.staff_space_standin.validation import (
    COMPETENCES,
    MODALITIES,
    attestation_errors,
    body_hash,
    revocation_errors,
)

from .staff_space import StaffSpaceStandIn


def _b64url(data: dict[str, Any]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


CREDENTIAL = ".".join(
    (
        _b64url({"alg": "EdDSA", "kid": "tremplin-2026", "typ": "JWT"}),
        _b64url({"vc": {"type": ["VerifiableCredential", "OpenBadgeCredential"]}}),
        base64.urlsafe_b64encode(b"\x01" * 64).rstrip(b"=").decode(),
    )
)
PDF = base64.b64encode(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n").decode()


def attestation(**changes: Any) -> dict[str, Any]:
    """A valid attestation body; ``changes`` replace top-level fields."""
    attestation_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "id": attestation_id,
        "person": {
            "matricule": "12E3456789ABC",
            "email": "claire.martin@ac-exemple.fr",
            "given_name": "Claire",
            "family_name": "Martin",
        },
        "training": {
            "code": "FW-B-NUM-012",
            "title": "Évaluer avec le numérique",
            "modality": "hybride",
            "operator": "IFPC",
        },
        "session": {"start": "2026-09-14", "end": "2026-10-02"},
        "hours": {"synchronous": 6, "asynchronous": 3.5, "total": 9.5},
        "competences": ["2.1", "4.1"],
        "issued_at": "2026-10-02T17:30:00+02:00",
        "verification_url": f"https://tremplin.example/attestations/{attestation_id}/",
        "credential": CREDENTIAL,
        "pdf_base64": PDF,
    }
    body.update(changes)
    return body


@pytest.fixture(scope="module")
def standin_process() -> Iterator[StaffSpaceStandIn]:
    standin = StaffSpaceStandIn.start()
    yield standin
    standin.stop()


@pytest.fixture
def standin(standin_process: StaffSpaceStandIn) -> StaffSpaceStandIn:
    """The shared stand-in, emptied and without faults."""
    standin_process.reset()
    standin_process.set_faults(
        fail_rate=0,
        timeout_rate=0,
        reset_rate=0,
        throttle_rate=0,
        duplicate_rate=0,
        latency_ms=0,
        seed=None,
        refuse=[],
    )
    return standin_process


@pytest.fixture
def faulty() -> Iterator[Any]:
    """Start throw-away stand-ins with fault flags; all stopped afterwards."""
    started: list[StaffSpaceStandIn] = []

    def start(**flags: object) -> StaffSpaceStandIn:
        started.append(StaffSpaceStandIn.start(**flags))
        return started[-1]

    yield start
    for standin in started:
        standin.stop()


# --- the contract -----------------------------------------------------------------
def test_new_attestation_is_created_with_a_receipt(standin):
    """A valid attestation is answered 201 with a receipt and stored once."""
    body = attestation()
    response = standin.post_attestation(body)
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert receipt
    state = standin.state()
    assert state["attestations"][body["id"]]["receipt"] == receipt
    assert state["attestations"][body["id"]]["body_hash"] == body_hash(body)
    assert state["attestations"][body["id"]]["deliveries"] == 1
    stored = standin.attestation(body["id"])["body"]
    assert stored["person"] == body["person"]
    assert "pdf_base64" not in stored


def test_identical_replay_gets_200_and_the_same_receipt(standin):
    """Replaying the same body, even with keys reordered, gets 200 and the same receipt."""
    body = attestation()
    first = standin.post_attestation(body)
    again = standin.post_attestation(copy.deepcopy(body))
    reordered = {key: body[key] for key in reversed(list(body))}
    reordered["hours"] = {"total": 9.5, "asynchronous": 3.5, "synchronous": 6.0}
    raw = json.dumps(reordered, indent=2)
    third = httpx.post(
        standin.url + "/v1/attestations",
        content=raw.encode(),
        headers={
            **standin.headers,
            "Idempotency-Key": body["id"],
            "Content-Type": "application/json",
        },
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert third.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["receipt"] == again.json()["receipt"] == third.json()["receipt"]
    state = standin.state()
    assert state["counts"]["attestations"] == 1
    assert state["attestations"][body["id"]]["deliveries"] == 3


def test_same_key_with_a_different_body_is_a_conflict(standin):
    """The same Idempotency-Key with a different body is answered 409, first kept."""
    body = attestation()
    standin.post_attestation(body)
    changed = copy.deepcopy(body)
    changed["hours"] = {"synchronous": 7, "asynchronous": 3.5, "total": 10.5}
    response = standin.post_attestation(changed)
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert standin.state()["attestations"][body["id"]]["body_hash"] == body_hash(body)


def test_missing_matricule_is_delivered_and_flagged(standin):
    """A person without a staff number is accepted and flagged matricule_missing."""
    body = attestation()
    del body["person"]["matricule"]
    response = standin.post_attestation(body)
    assert response.status_code == 201
    assert response.json()["flags"] == ["matricule_missing"]
    assert standin.state()["attestations"][body["id"]]["flags"] == ["matricule_missing"]


def test_malformed_json_is_a_bad_request(standin):
    """A body that is not JSON is answered 400 and nothing is stored."""
    response = httpx.post(
        standin.url + "/v1/attestations",
        content=b'{"id": "a",',
        headers={
            **standin.headers,
            "Idempotency-Key": "a",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert standin.state()["counts"]["attestations"] == 0


def test_missing_idempotency_key_is_a_bad_request(standin):
    """Without an Idempotency-Key the attestation is answered 400."""
    response = httpx.post(
        standin.url + "/v1/attestations", json=attestation(), headers=standin.headers
    )
    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"


def test_key_different_from_the_id_is_unprocessable(standin):
    """An Idempotency-Key that is not the attestation id is answered 422."""
    response = standin.post_attestation(attestation(), key="another-id")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"hours": {"synchronous": 6, "asynchronous": 3.5, "total": 12}},
            "hours.total",
        ),
        (
            {"hours": {"synchronous": -1, "asynchronous": 1, "total": 0}},
            "hours.synchronous",
        ),
        (
            {"hours": {"synchronous": "6", "asynchronous": 0, "total": 6}},
            "hours.synchronous",
        ),
        ({"person": None}, "person"),
        ({"competences": ["2.1", "7.1"]}, "competences[1]"),
        ({"session": {"start": "2026-10-02", "end": "2026-09-14"}}, "session.end"),
        ({"issued_at": "2026-10-02T17:30:00"}, "issued_at"),
        ({"pdf_base64": "not base64!"}, "pdf_base64"),
        ({"credential": "a.b"}, "credential"),
    ],
)
def test_invalid_bodies_are_unprocessable(standin, change, field):
    """Schema errors are answered 422 with the faulty field named."""
    response = standin.post_attestation(attestation(**change))
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert standin.state()["counts"]["attestations"] == 0


def test_missing_person_is_unprocessable(standin):
    """An attestation without a person is answered 422."""
    body = attestation()
    del body["person"]
    response = standin.post_attestation(body)
    assert response.status_code == 422
    assert {
        "field": "person",
        "message": "champ obligatoire absent",
    } in response.json()["errors"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic abc"])
def test_missing_or_wrong_token_is_unauthorised(standin, authorization):
    """Without the right bearer token, contract and control calls get 401."""
    body = attestation()
    headers = {"Idempotency-Key": body["id"]}
    if authorization:
        headers["Authorization"] = authorization
    response = httpx.post(standin.url + "/v1/attestations", json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    control = httpx.get(standin.url + "/_standin/state", headers=headers)
    assert control.status_code == 401
    assert standin.state()["counts"]["attestations"] == 0


def test_refused_attestation_is_forbidden(standin):
    """An attestation the staff space refuses is answered 403 and not stored."""
    body = attestation()
    standin.set_faults(refuse=[body["id"]])
    assert standin.post_attestation(body).status_code == 403
    assert standin.state()["counts"]["attestations"] == 0


def test_revocation_created_replayed_conflicting_and_unknown(standin):
    """Revocation: 201, 200 same receipt on replay, 409 other reason, 404 unknown."""
    body = attestation()
    standin.post_attestation(body)
    first = standin.post_revocation(body["id"], "Présence non confirmée")
    again = standin.post_revocation(body["id"], "Présence non confirmée")
    other = standin.post_revocation(body["id"], "Autre motif")
    unknown = standin.post_revocation(str(uuid.uuid4()), "Présence non confirmée")
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["receipt"] == again.json()["receipt"]
    assert other.status_code == 409
    assert unknown.status_code == 404
    revocation = standin.state()["revocations"][body["id"]]
    assert revocation["reason"] == "Présence non confirmée"
    assert revocation["deliveries"] == 2


def test_log_has_one_line_per_request_without_token_or_body(standin):
    """The log names each request once, never the token nor body content."""
    body = attestation()
    standin.post_attestation(body)
    time.sleep(0.1)
    lines = [line for line in standin.log().splitlines() if body["id"] in line]
    assert len(lines) == 1
    assert "POST /v1/attestations 201" in lines[0]
    assert standin.token not in standin.log()
    assert "Martin" not in standin.log()


# --- faults ---------------------------------------------------------------------
def test_fail_rate_one_answers_5xx_and_stores_nothing(faulty):
    """With --fail-rate 1 every delivery gets a 5xx and nothing is stored."""
    standin = faulty(fail_rate=1.0, seed=1)
    statuses = {standin.post_attestation(attestation()).status_code for _ in range(12)}
    assert statuses <= {500, 502, 503}
    assert 503 in statuses
    state = standin.state()
    assert state["counts"]["attestations"] == 0
    assert state["faults_injected"]["error"] == 12


def test_503_says_when_to_retry(faulty):
    """An injected 503 carries a Retry-After in seconds."""
    standin = faulty(fail_rate=1.0, seed=1, retry_after_max=3)
    for _ in range(12):
        response = standin.post_attestation(attestation())
        if response.status_code == 503:
            assert 1 <= int(response.headers["Retry-After"]) <= 3
            return
    pytest.fail("no 503 in 12 answers")


def test_duplicate_delivery_is_stored_once_and_replayed_with_its_receipt(faulty):
    """Stored-but-failed deliveries count once; a clean retry gets 200 and the receipt."""
    standin = faulty(duplicate_rate=1.0, seed=7)
    body = attestation(id="duplicate-0001")
    outcomes: list[int | str] = []
    for _ in range(6):
        try:
            outcomes.append(standin.post_attestation(body).status_code)
        except httpx.TransportError:
            outcomes.append("reset")
    # The seed and the fixed id make the aftermaths the same on every run.
    assert set(outcomes) <= {500, 502, 503, "reset"}
    assert "reset" in outcomes
    assert set(outcomes) & {500, 502, 503}
    state = standin.state()
    assert state["counts"]["attestations"] == 1
    assert state["attestations"][body["id"]]["deliveries"] == 6
    assert state["faults_injected"]["duplicate"] == 6
    receipt = state["attestations"][body["id"]]["receipt"]
    standin.set_faults(duplicate_rate=0)
    response = standin.post_attestation(body)
    assert response.status_code == 200
    assert response.json()["receipt"] == receipt
    assert standin.state()["counts"]["attestations"] == 1


def test_timeout_holds_the_connection_past_the_client_timeout(faulty):
    """With --timeout-rate 1 the client times out and nothing is stored."""
    standin = faulty(timeout_rate=1.0, timeout_seconds=2)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        standin.post_attestation(attestation(), timeout=0.5)
    assert time.monotonic() - started < 1.5
    state = standin.state()
    assert state["counts"]["attestations"] == 0
    assert state["faults_injected"]["timeout"] == 1


def test_reset_closes_without_an_answer(faulty):
    """With --reset-rate 1 the connection is closed without an answer."""
    standin = faulty(reset_rate=1.0)
    with pytest.raises(httpx.TransportError):
        standin.post_attestation(attestation())
    assert standin.state()["faults_injected"]["reset"] == 1


def test_latency_is_added(faulty):
    """With --latency-ms the answer comes no sooner than the latency."""
    standin = faulty(latency_ms=300)
    started = time.monotonic()
    assert standin.post_attestation(attestation()).status_code == 201
    assert time.monotonic() - started >= 0.3


def test_seeded_runs_draw_the_same_faults(faulty):
    """Two stand-ins with the same seed answer the same delivery sequence alike."""
    bodies = [attestation() for _ in range(25)]
    runs = []
    for _ in range(2):
        standin = faulty(fail_rate=0.3, throttle_rate=0.1, duplicate_rate=0.2, seed=42)
        outcomes = []
        for body in bodies + bodies:
            try:
                response = standin.post_attestation(body)
                outcomes.append(
                    (
                        response.status_code,
                        response.headers.get("Retry-After"),
                        response.json().get("receipt"),
                    )
                )
            except httpx.TransportError:
                outcomes.append(("reset", None, None))
        runs.append(outcomes)
    assert runs[0] == runs[1]
    statuses = {outcome[0] for outcome in runs[0]}
    assert {201, 200} & statuses
    assert statuses - {200, 201}


def test_faults_can_change_at_run_time(standin):
    """POST /_standin/faults changes the rates; invalid settings are refused."""
    standin.set_faults(fail_rate=1.0)
    assert standin.post_attestation(attestation()).status_code >= 500
    standin.set_faults(fail_rate=0)
    assert standin.post_attestation(attestation()).status_code == 201
    response = httpx.post(
        standin.url + "/_standin/faults",
        json={"fail_rate": 0.8, "timeout_rate": 0.5},
        headers=standin.headers,
    )
    assert response.status_code == 400


# --- the validator (pure function) ------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_validator_never_raises_on_any_json(value):
    """Any JSON value gets a list of errors, never an exception."""
    assert isinstance(attestation_errors(value), list)
    assert isinstance(revocation_errors(value), list)


hours_values = st.floats(min_value=0, max_value=500, allow_nan=False)


@st.composite
def valid_attestations(draw: st.DrawFn) -> dict[str, Any]:
    synchronous, asynchronous = draw(hours_values), draw(hours_values)
    body = attestation(
        hours={
            "synchronous": synchronous,
            "asynchronous": asynchronous,
            "total": round(synchronous + asynchronous, 2),
        },
        competences=draw(st.lists(st.sampled_from(sorted(COMPETENCES)), unique=True)),
        training={
            "code": draw(st.text(min_size=1, max_size=30).filter(str.strip)),
            "title": draw(st.text(min_size=1, max_size=80).filter(str.strip)),
            "modality": draw(st.sampled_from(sorted(MODALITIES))),
            "operator": "IFPC",
        },
    )
    if draw(st.booleans()):
        body["person"]["matricule"] = None
    return body


@settings(max_examples=200, deadline=None)
@given(valid_attestations())
def test_validator_accepts_contract_bodies(body):
    """Bodies built to the contract have no errors."""
    assert attestation_errors(body) == []


@settings(max_examples=200, deadline=None)
@given(valid_attestations(), st.floats(min_value=0.02, max_value=100))
def test_validator_catches_a_wrong_total(body, offset):
    """A total more than 0.01 away from synchronous + asynchronous is refused."""
    body["hours"]["total"] += offset
    assert [error["field"] for error in attestation_errors(body)] == ["hours.total"]


@settings(max_examples=100, deadline=None)
@given(valid_attestations(), st.sampled_from(list(attestation())))
def test_validator_catches_a_missing_field(body, name):
    """Dropping any required field is refused, naming that field."""
    del body[name]
    assert {"field": name, "message": "champ obligatoire absent"} in attestation_errors(
        body
    )


@settings(max_examples=100, deadline=None)
@given(valid_attestations(), st.randoms())
def test_body_hash_ignores_key_order(body, rng):
    """Reordering object keys does not change the body hash."""

    def shuffled(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {key: shuffled(item) for key, item in items}
        return value

    assert body_hash(shuffled(body)) == body_hash(body)


def test_concurrent_identical_deliveries_store_one_attestation(standin):
    """Twenty simultaneous deliveries of one attestation: one 201, the rest 200, one receipt."""
    body = attestation()
    with httpx.Client() as client, ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda _: standin.post_attestation(body, client=client), range(20))
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 19 + [201]
    assert len({response.json()["receipt"] for response in responses}) == 1
    assert standin.state()["attestations"][body["id"]]["deliveries"] == 20


def test_retrying_sender_gets_everything_acknowledged_once_under_all_faults(faulty):
    """With every fault on, a sender that retries ends with each attestation stored once."""
    standin = faulty(
        fail_rate=0.3,
        timeout_rate=0.05,
        timeout_seconds=1,
        reset_rate=0.05,
        throttle_rate=0.05,
        duplicate_rate=0.2,
        seed=3,
    )
    # Fixed ids: with the seed, the same faults fall on the same attempts.
    bodies = [attestation(id=f"all-faults-{index:03d}") for index in range(60)]

    def deliver(body: dict[str, Any]) -> str:
        with httpx.Client() as client:
            for _ in range(50):
                try:
                    response = standin.post_attestation(
                        body, client=client, timeout=0.3
                    )
                except httpx.TransportError:
                    continue
                if response.status_code in (200, 201):
                    return response.json()["receipt"]
                assert response.status_code in (429, 500, 502, 503)
        raise AssertionError("never acknowledged")

    with ThreadPoolExecutor(max_workers=16) as pool:
        receipts = list(pool.map(deliver, bodies))
    state = standin.state()
    assert state["counts"]["attestations"] == len(bodies)
    assert {
        body["id"]: receipt for body, receipt in zip(bodies, receipts, strict=True)
    } == {key: value["receipt"] for key, value in state["attestations"].items()}
    assert all(
        state["faults_injected"].get(fault)
        for fault in ("error", "timeout", "reset", "throttle", "duplicate")
    )


def test_chunked_bodies_are_read(standin):
    """A body sent with chunked transfer encoding is accepted like any other."""
    body = attestation()
    raw = json.dumps(body).encode()
    response = httpx.post(
        standin.url + "/v1/attestations",
        content=iter([raw[:100], raw[100:]]),
        headers={
            **standin.headers,
            "Idempotency-Key": body["id"],
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 201
