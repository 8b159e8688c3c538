"""The public catalogue index page: search form, facets, results, pagination."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.factories.catalogue import (
    catalogue_index,
    make_session,
    make_track,
    make_training,
)


@pytest.fixture
def index_url(db):
    return catalogue_index().url


def test_lists_live_trainings_only_with_accessible_filters(client, index_url):
    """Anyone sees live trainings; filters are fieldsets with legends and labelled checkboxes."""
    make_training(code="IDX-1", title="Le numérique en classe", competences=["3.1"])
    make_training(code="IDX-DRAFT", title="Brouillon caché", live=False)
    response = client.get(index_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le numérique en classe" in html
    assert "Brouillon caché" not in html
    assert '<form method="get"' in html
    assert "<legend>Modalité" in html
    assert re.search(
        r'<input type="checkbox" id="facet-modality-\d+" name="modality" value="hybride"',
        html,
    )
    assert re.search(r'<label for="facet-modality-\d+">', html)
    assert 'role="status" aria-live="polite"' in html
    assert "1 formation trouvée" in html
    assert "3.1 Enseignement" in html  # Competence.name
    assert "DigCompEdu" in html and "JRC" in html  # attribution


def test_search_with_accents_and_filters_in_the_url(client, index_url):
    """The query and filters come from GET parameters; chosen boxes stay ticked."""
    make_training(code="IDX-A", title="Évaluation formative", modality="presentiel")
    make_training(code="IDX-B", title="Évaluer à distance", modality="a_distance")
    make_training(code="IDX-C", title="Robotique", modality="presentiel")
    html = client.get(
        index_url, {"q": "evaluation", "modality": "presentiel"}
    ).content.decode()
    assert "Évaluation formative" in html
    assert "Évaluer à distance" not in html and "Robotique" not in html
    assert re.search(r'name="modality" value="presentiel" checked', html)
    assert 'value="evaluation"' in html
    assert "1 formation trouvée" in html
    # The chosen filter can be removed with one link, keeping the text query.
    assert re.search(r'<a class="filter-chip" href="\?q=evaluation">', html)


def test_invalid_values_are_ignored_on_the_page(client, index_url):
    """An outdated shared link still answers, without the unknown values."""
    make_training(code="IDX-OK", title="Formation valable")
    response = client.get(index_url, {"modality": "inconnue", "page": "abc"})
    assert response.status_code == 200
    assert "Formation valable" in response.content.decode()


def test_empty_state(client, index_url):
    """No match: a French message and a way back to the whole catalogue."""
    make_training(title="Robotique")
    html = client.get(index_url, {"q": "astrophysique"}).content.decode()
    assert "Aucune formation ne correspond à votre recherche." in html
    assert "Aucune formation trouvée" in html
    assert "Voir toutes les formations" in html


def test_pagination_keeps_filters(client, index_url):
    """Results come 20 per page; page links keep the filters; a page too far shows the last."""
    for number in range(23):
        make_training(code=f"IDXP-{number:02d}", title=f"Atelier {number:02d}")
    html = client.get(index_url, {"modality": "hybride"}).content.decode()
    assert html.count('class="training-result"') == 20
    assert 'aria-label="Pages de résultats"' in html
    assert 'href="?modality=hybride&amp;page=2" rel="next"' in html
    assert 'aria-current="page"' in html
    html = client.get(index_url, {"modality": "hybride", "page": 9}).content.decode()
    assert html.count('class="training-result"') == 3
    assert "résultats 21 à 23" in html


def test_tracks_are_listed_on_the_landing_page(client, index_url):
    """Live tracks show on the unfiltered first page."""
    training = make_training()
    make_track(title="Parcours haute expertise", trainings=[training])
    assert "Parcours haute expertise" in client.get(index_url).content.decode()


def test_query_count_is_bounded(client, index_url, django_assert_max_num_queries):
    """The page's queries do not grow with the number of trainings shown."""
    for number in range(22):
        training = make_training(
            code=f"IDXQ-{number:02d}", levels=["primaire"], competences=["1.1", "5.2"]
        )
        make_session(training, starts_in_days=10 + number)
    cache.clear()  # worst case: Wagtail's site root paths are not cached either
    with django_assert_max_num_queries(16):
        response = client.get(index_url)
    assert response.content.decode().count('class="training-result"') == 20
    with django_assert_max_num_queries(16):
        client.get(index_url, {"q": "numerique", "competence": "1.1", "page": 2})
