"""The public read API of the catalogue: GET /api/v1/catalogue/trainings/."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalogue.models import Session
from tests.factories.catalogue import make_session, make_training

URL = "/api/v1/catalogue/trainings/"


def test_url_name_is_part_of_the_contract():
    """The route is reachable under its shared name."""
    assert reverse("catalogue_api:training_list") == URL


@pytest.fixture
def trainings(db):
    first = make_training(
        code="API-1",
        title="Évaluation et numérique",
        modality="hybride",
        levels=["primaire"],
        audiences=["enseignant", "ctp"],
        competences=["4.1", "2.1"],
        sync_hours=6,
        async_hours=3,
    )
    for days in (10, 20, 30, 40):
        make_session(first, starts_in_days=days, postal_code="4000")
    make_session(first, starts_in_days=5, status=Session.Status.CANCELLED)
    make_training(code="API-2", title="Robotique au primaire", modality="presentiel")
    make_training(code="API-DRAFT", title="Évaluation secrète", live=False)
    return first


def test_anonymous_client_gets_live_trainings_with_facets(client, trainings):
    """The API is public, lists live trainings only, with the documented shape."""
    response = client.get(URL, {"q": "evaluer"})
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    body = response.json()
    assert body["count"] == 1 and body["page"] == 1 and body["num_pages"] == 1
    assert body["next"] is None and body["previous"] is None
    (result,) = body["results"]
    assert result["code"] == "API-1"
    assert (
        result["url"].startswith("http://testserver/") and "formations" in result["url"]
    )
    assert result["modality"] == "hybride"
    assert result["hours"] == {"sync": 6.0, "async": 3.0, "total": 9.0}
    assert result["competences"] == ["2.1", "4.1"]
    assert result["levels"] == ["primaire"]
    assert sorted(result["audiences"]) == ["ctp", "enseignant"]
    sessions = result["next_sessions"]
    assert len(sessions) == 3  # four upcoming, the cancelled one left out
    assert (
        sessions[0]["starts_on"] < sessions[1]["starts_on"] < sessions[2]["starts_on"]
    )
    assert sessions[0]["province"] == "liege" and sessions[0]["is_open"] is True
    assert sessions[0]["seats_left"] == 20 and "4000" in sessions[0]["place"]
    modality = {f["value"]: f for f in body["facets"]["modality"]}
    assert (
        modality["hybride"]["count"] == 1 and modality["hybride"]["label"] == "Hybride"
    )
    assert set(body["facets"]) == {
        "open",
        "modality",
        "level",
        "audience",
        "area",
        "competence",
        "month",
        "province",
        "hours",
    }


def test_drafts_are_never_listed(client, trainings):
    """A draft appears neither in results nor in counts."""
    body = client.get(URL, {"q": "secrete"}).json()
    assert body["count"] == 0 and body["results"] == []
    assert "API-DRAFT" not in {r["code"] for r in client.get(URL).json()["results"]}


def test_filters_combine(client, trainings):
    """Facet parameters filter, repeated or comma-separated."""
    assert client.get(URL, {"modality": "presentiel"}).json()["count"] == 1
    assert (
        client.get(URL + "?modality=presentiel&modality=hybride").json()["count"] == 2
    )
    assert client.get(URL, {"modality": "presentiel,hybride"}).json()["count"] == 2
    assert client.get(URL, {"competence": "4.1", "open": "1"}).json()["count"] == 1
    assert (
        client.get(URL, {"province": "namur", "level": "primaire"}).json()["count"] == 0
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"modality": "plongee"}, "modality"),
        ({"competence": "9.9"}, "competence"),
        ({"month": "2027-13"}, "month"),
        ({"q": "x" * 201}, "q"),
        ({"page": "zero"}, "page"),
        ({"page": "0"}, "page"),
        ({"sort": "price"}, "sort"),
        ({"level": ",".join(["primaire"] * 31)}, "level"),
    ],
)
def test_invalid_parameters_answer_400_in_french(client, db, params, field):
    """Unknown values, a too long query or a bad page number → 400 with a French message."""
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Paramètres de recherche invalides."
    assert field in body["details"]
    assert "no-store" in response["Cache-Control"]


def test_page_past_the_last_answers_404(client, trainings):
    """Asking for a page that does not exist → 404 JSON."""
    response = client.get(URL, {"page": 2})
    assert response.status_code == 404
    assert "n'existe pas" in response.json()["error"]


def test_pagination_links(client, db):
    """Twenty results per page, with absolute next/previous links keeping filters."""
    for number in range(23):
        make_training(code=f"PAG-{number:02d}", title=f"Formation {number:02d}")
    first = client.get(URL, {"modality": "hybride"}).json()
    assert (
        first["count"] == 23 and first["num_pages"] == 2 and len(first["results"]) == 20
    )
    assert first["next"].startswith("http://testserver/api/v1/catalogue/trainings/?")
    assert "modality=hybride" in first["next"] and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    assert "page=1" in second["previous"]
    codes = [r["code"] for r in first["results"] + second["results"]]
    assert len(set(codes)) == 23


def test_query_count_is_bounded_whatever_the_page_size(
    client, db, django_assert_max_num_queries
):
    """At most 12 queries (index and site lookup, vocabulary, counts, ids, five
    for the page), whatever the number of trainings listed."""
    for number in range(22):
        training = make_training(
            code=f"QC-{number:02d}",
            levels=["primaire", "specialise"],
            audiences=["enseignant"],
            competences=["1.1", "3.2"],
        )
        make_session(training, starts_in_days=10 + number)
        make_session(training, starts_in_days=50 + number, is_online=True)
    cache.clear()  # worst case: Wagtail's site root paths are not cached either
    with django_assert_max_num_queries(12):
        body = client.get(URL).json()
    assert len(body["results"]) == 20
    with django_assert_max_num_queries(12):
        body = client.get(
            URL, {"q": "numerique", "level": "primaire", "page": 2}
        ).json()
    assert len(body["results"]) == 2


def test_post_is_not_allowed(client, db):
    """The API is read-only."""
    assert client.post(URL).status_code == 405
