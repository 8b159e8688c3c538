"""The self-test JSON API: start, current item, answers, result, refusals."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.middleware.csrf import get_token
from django.test import Client

from certification.models import Attempt, Item, ItemResponse
from certification.selftest import attempts
from lms.roles import Role
from tests.certification.selftest_taking_support import bank_and_blueprint, to_places
from tests.certification.test_selftest_views_leaks import secrets_of, typed_bank
from tests.factories import UserFactory
from tests.factories.selftest import answer_all_right, correct_payload, make_blueprint

pytestmark = pytest.mark.django_db

API = "/api/v1/selftest/"


def post_json(client, url, data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


@pytest.fixture
def blueprint():
    return bank_and_blueprint(slug="ressources")


@pytest.fixture
def api(client, teacher):
    client.force_login(teacher)
    return client


def _start(api, slug="ressources"):
    response = post_json(api, API + "attempts/", {"blueprint": slug})
    assert response.status_code in (200, 201), response.content
    return response.json()["id"]


def _answer_current(api, attempt_id, *, right=True):
    current = api.get(f"{API}attempts/{attempt_id}/current").json()
    served = attempts.current_item(Attempt.objects.get(uuid=attempt_id))
    item = served.item
    payload = (
        to_places(served.options, correct_payload(item))
        if right
        else current["item"]["options"][0]["id"]
    )
    if item.item_type == Item.Type.NUMERIC and not right:
        payload = "1"
    return current, post_json(
        api,
        f"{API}attempts/{attempt_id}/answer",
        {
            "order": current["order"],
            "payload": payload,
            "lock_token": current["lock_token"],
        },
    )


def test_start_creates_then_resumes(api, blueprint):
    """First POST: 201 with the id; the same POST again: 200 and the same id."""
    first = post_json(
        api,
        API + "attempts/",
        {"blueprint": "ressources", "accessibility_needs": ["screen_reader"]},
    )
    assert first.status_code == 201
    assert first.json()["status"] == "in_progress"
    again = post_json(api, API + "attempts/", {"blueprint": "ressources"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Attempt.objects.get().accessibility_needs == ["screen_reader"]


def test_bad_json_and_bad_fields_are_json_400s(api, blueprint):
    """Unreadable bodies and wrong fields get a French JSON error, no attempt."""
    for body in (
        "{not json",
        "[1, 2]",
        json.dumps({"blueprint": 3}),
        json.dumps({"blueprint": "ressources", "accessibility_needs": ["telepathy"]}),
    ):
        response = post_json(api, API + "attempts/", body)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]
    assert not Attempt.objects.exists()


def test_unknown_blueprint_is_a_json_404(api, blueprint):
    """A slug nobody offers: 404 JSON."""
    response = post_json(api, API + "attempts/", {"blueprint": "inconnu"})
    assert response.status_code == 404
    assert response.json()["error"] == "Ce test n'est pas proposé."


def test_signed_out_is_a_json_401(client, blueprint):
    """No session: 401 JSON, never a login redirect."""
    response = post_json(client, API + "attempts/", {"blueprint": "ressources"})
    assert response.status_code == 401
    assert "Connectez-vous" in response.json()["error"]


def test_csrf_is_enforced_with_a_json_403(teacher, blueprint):
    """A POST without the CSRF token is refused (403 JSON); with it, accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    refused = post_json(client, API + "attempts/", {"blueprint": "ressources"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    page = client.get("/certification/autotest/")
    token = (
        page.cookies["csrftoken"].value
        if "csrftoken" in page.cookies
        else get_token(page.wsgi_request)
    )
    accepted = post_json(
        client, API + "attempts/", {"blueprint": "ressources"}, HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_wrong_method_is_a_json_405(api, blueprint):
    """GET on the collection: 405 JSON with Allow."""
    response = api.get(API + "attempts/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"]


def test_current_item_is_stable_and_has_only_public_fields(api, blueprint):
    """Two GETs give the same item; the item carries no key and no parameter."""
    attempt_id = _start(api)
    first = api.get(f"{API}attempts/{attempt_id}/current")
    again = api.get(f"{API}attempts/{attempt_id}/current")
    assert first.json() == again.json()
    data = first.json()
    assert set(data) == {"finished", "order", "lock_token", "progress", "item"}
    assert set(data["item"]) == {
        "uid",
        "type",
        "locale",
        "stem",
        "image",
        "image_alt",
        "options",
        "unit",
    }
    assert all(set(o) == {"id", "text"} for o in data["item"]["options"])
    # Options are named by their place, never by their (authoring-ordered) id.
    assert [o["id"] for o in data["item"]["options"]] == [1, 2, 3]
    assert "is_correct" not in first.text


def test_full_flow_through_the_api(api, blueprint):
    """Answer until finished; current then says finished; the result has levels."""
    attempt_id = _start(api)
    steps = 0
    while True:
        _current, response = _answer_current(api, attempt_id)
        assert response.status_code == 200, response.content
        steps += 1
        assert steps < 60
        if response.json()["finished"]:
            break
    assert api.get(f"{API}attempts/{attempt_id}/current").json()["finished"] is True
    result = api.get(f"{API}attempts/{attempt_id}/result")
    assert result.status_code == 200
    data = result.json()
    assert data["status"] == "completed"
    measured = {c["code"]: c for c in data["competences"] if c["measured"]}
    assert set(measured) == {"2.1", "2.2"}
    assert all(
        c["level"]["code"] in {"A1", "A2", "B1", "B2", "C1", "C2"}
        for c in measured.values()
    )
    assert all(a["indicative"] for a in data["areas"])
    assert "Commission européenne" in data["disclaimer"]
    assert "DigCompEdu" in data["attribution"]


def test_result_of_an_attempt_in_progress_is_a_409(api, blueprint):
    """No result before the end."""
    attempt_id = _start(api)
    response = api.get(f"{API}attempts/{attempt_id}/result")
    assert response.status_code == 409
    assert response.json()["error"] == "Ce test n'est pas terminé."


def test_stale_token_and_replay_are_409s(api, blueprint):
    """An old token or a replayed step: 409 JSON, one response recorded."""
    attempt_id = _start(api)
    current, response = _answer_current(api, attempt_id)
    assert response.status_code == 200
    replay = post_json(
        api,
        f"{API}attempts/{attempt_id}/answer",
        {"order": current["order"], "payload": 1, "lock_token": current["lock_token"]},
    )
    assert replay.status_code == 409
    assert replay.json()["error"]
    stale = post_json(
        api,
        f"{API}attempts/{attempt_id}/answer",
        {
            "order": current["order"] + 1,
            "payload": 1,
            "lock_token": current["lock_token"],
        },
    )
    assert stale.status_code == 409
    assert "autre onglet" in stale.json()["error"]
    assert ItemResponse.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"payload": "abc"},
        {"payload": None},
        {"payload": [1, 2]},
        {"order": "1"},
        {"lock_token": None},
    ],
)
def test_malformed_answers_are_400s(api, blueprint, body):
    """Wrong payload shapes or fields: 400 JSON, nothing recorded."""
    attempt_id = _start(api)
    current = api.get(f"{API}attempts/{attempt_id}/current").json()
    data = {
        "order": current["order"],
        "payload": current["item"]["options"][0]["id"],
        "lock_token": current["lock_token"],
    }
    data.update(body)
    response = post_json(api, f"{API}attempts/{attempt_id}/answer", data)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not ItemResponse.objects.exists()


def test_bad_json_answer_is_a_400(api, blueprint):
    """A body that is not JSON: 400 JSON."""
    attempt_id = _start(api)
    response = post_json(api, f"{API}attempts/{attempt_id}/answer", "order=1")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_retake_too_early_is_a_409_with_the_date(api, teacher, blueprint):
    """A new sitting before the delay: 409 and the French message."""
    answer_all_right(attempts.start_attempt(teacher, blueprint))
    response = post_json(api, API + "attempts/", {"blueprint": "ressources"})
    assert response.status_code == 409
    assert "Vous pourrez repasser ce test à partir du" in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", "current"), ("post", "answer"), ("get", "result")]
)
def test_another_users_attempt_is_a_404(api, blueprint, method, suffix):
    """Every attempt endpoint answers 404 JSON to a stranger and changes nothing."""
    owner = UserFactory(roles=[Role.TEACHER])
    attempt = attempts.start_attempt(owner, blueprint)
    served = attempts.current_item(attempt)
    url = f"{API}attempts/{attempt.uuid}/{suffix}"
    if method == "post":
        response = post_json(
            api,
            url,
            {
                "order": served.order,
                "payload": served.options[0][0],
                "lock_token": served.lock_token,
            },
        )
    else:
        response = api.get(url)
    assert response.status_code == 404
    assert response.json()["error"]
    assert not ItemResponse.objects.exists()


@pytest.mark.parametrize(
    "item_type", ["single_choice", "multiple_choice", "ordering", "numeric"]
)
def test_no_key_or_parameter_in_any_api_answer(api, teacher, item_type):
    """Current item, answers and result of every type carry no key or parameter."""
    items = typed_bank(item_type)
    Item.objects.filter(item_type="numeric").update(numeric_answer=Decimal("42"))
    make_blueprint(("3.1",), slug="typed")
    secrets = [s for s in secrets_of(items) if s != "4817"]
    attempt_id = _start(api, "typed")
    bodies = []
    while True:
        current, response = _answer_current(api, attempt_id)
        bodies += [json.dumps(current), response.content.decode()]
        if response.json()["finished"]:
            break
    bodies.append(api.get(f"{API}attempts/{attempt_id}/result").content.decode())
    for body in bodies:
        for secret in secrets:
            assert secret not in body, secret
    assert "Bonne réponse" not in bodies[-1]
