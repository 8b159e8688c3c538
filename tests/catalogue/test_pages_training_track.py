"""The public training and track pages, and the /catalogue/ entry point."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import CatalogueIndexPage, Session, TrainingResourceLink
from lms.digcompedu import ATTRIBUTION
from tests.factories.catalogue import (
    catalogue_index,
    make_session,
    make_track,
    make_training,
)

pytestmark = pytest.mark.django_db


def _get(client, page):
    response = client.get(page.url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_training_page_shows_key_facts_and_competences(client):
    """The page shows modality, hours, levels, audiences, competences by area and the attribution."""
    training = make_training(
        title="Évaluer avec le numérique",
        levels=["primaire", "specialise"],
        audiences=["enseignant", "educateur"],
        competences=["4.1", "4.3", "2.1"],
        sync_hours=6,
        async_hours=3,
        prerequisites="Savoir utiliser un navigateur.",
        contact_name="Léa Dupont",
        contact_email="lea.dupont@example.test",
        objectives="<p>Concevoir un questionnaire formatif.</p>",
    )
    html = _get(client, training)
    assert "<h1>Évaluer avec le numérique</h1>" in html
    assert "Hybride" in html
    assert "9 h au total (6 h synchrones, 3 h asynchrones)" in html
    assert "Primaire, Spécialisé" in html
    assert "Éducateur·rices" in html
    assert "Domaine 2 : Ressources numériques" in html
    assert "Domaine 4 : Évaluation" in html
    assert html.index("Domaine 2") < html.index("Domaine 4")
    assert "4.3 Rétroaction et planification" in html
    assert str(ATTRIBUTION)[:40] in html
    assert "Savoir utiliser un navigateur." in html
    assert "mailto:lea.dupont@example.test" in html
    assert "Concevoir un questionnaire formatif." in html


def test_training_page_lists_upcoming_sessions_with_register_links(client):
    """Upcoming sessions show days, place or "En ligne", seats, and a link to register."""
    training = make_training()
    in_person = make_session(training, starts_in_days=20, length_days=2, capacity=12)
    online = make_session(training, starts_in_days=40, is_online=True)
    full = make_session(training, starts_in_days=50, capacity=1, has_waitlist=True)
    Session.objects.filter(pk=full.pk).update(seats_taken=1, status=Session.Status.FULL)
    cancelled = make_session(
        training, starts_in_days=60, status=Session.Status.CANCELLED
    )
    past = make_session(training, starts_in_days=-10)
    html = _get(client, training)
    assert in_person.code in html and online.code in html and full.code in html
    assert cancelled.code not in html
    assert past.code not in html
    assert "12 places restantes sur 12" in html
    assert "Rue de la Formation 1" in html
    assert "En ligne" in html
    assert "09:00" in html and "16:00" in html
    assert "liste d'attente ouverte" in html
    register = reverse(
        "catalogue:session_register", kwargs={"session_id": in_person.pk}
    )
    assert f'href="{register}"' in html
    assert "S'inscrire sur la liste d'attente" in html
    assert html.index(in_person.code) < html.index(online.code) < html.index(full.code)


def test_training_without_session_says_so(client):
    """A training with no upcoming session says none is scheduled."""
    html = _get(client, make_training())
    assert "Aucune session n'est programmée pour le moment." in html


def test_planned_session_has_no_register_link(client):
    """A session whose registrations are not open shows its status without a link."""
    training = make_training()
    planned = make_session(training, status=Session.Status.PLANNED)
    html = _get(client, training)
    assert "Planifiée" in html
    register = reverse("catalogue:session_register", kwargs={"session_id": planned.pk})
    assert register not in html


def test_training_page_query_count_does_not_grow_with_sessions(client):
    """Rendering costs the same number of queries with 1 or 6 sessions (and their days)."""
    few = make_training(competences=["1.1", "6.2"], levels=["primaire"])
    make_session(few, length_days=3)
    many = make_training(competences=["1.1", "6.2"], levels=["primaire"])
    for offset in range(6):
        make_session(many, starts_in_days=10 + offset * 7, length_days=3)
    for page in (few, many):
        TrainingResourceLink.objects.create(
            page=page, title="Ressource e-classe", url="https://www.e-classe.be/"
        )
    _get(client, few)  # warm Wagtail's site cache
    with CaptureQueriesContext(connection) as small:
        _get(client, few)
    with CaptureQueriesContext(connection) as large:
        _get(client, many)
    assert len(large) == len(small)
    assert len(large) <= 20


def test_track_page_lists_ordered_steps_and_totals(client):
    """The track page lists steps in order, total hours, eligibility and the register link."""
    first = make_training(title="Étape un", sync_hours=12, async_hours=0)
    second = make_training(title="Étape deux", sync_hours=6, async_hours=6)
    session = make_session(first, length_days=2)
    track = make_track(
        title="Parcours de test",
        trainings=[first, second],
        sessions=[session],
        audiences=["ctp", "dco"],
    )
    html = _get(client, track)
    assert html.index("Étape 1") < html.index("Étape un") < html.index("Étape deux")
    assert "24 heures" in html
    assert "2 journées synchrones" in html
    assert "Conseiller·ères techno-pédagogiques (CTP)" in html
    assert session.code not in html or "Session au choix" in html
    assert "Session au choix parmi celles de la formation." in html
    register = reverse("catalogue:track_register", kwargs={"track_id": track.pk})
    assert f'href="{register}"' in html
    assert "S'inscrire au parcours" in html


def test_track_page_query_count_does_not_grow_with_steps(client):
    """Rendering a track costs the same number of queries with 1 or 4 steps."""
    trainings = [make_training(title=f"Formation {i}") for i in range(4)]
    sessions = [make_session(t, length_days=2) for t in trainings]
    small_track = make_track(
        title="Court", trainings=trainings[:1], sessions=sessions[:1]
    )
    large_track = make_track(title="Long", trainings=trainings, sessions=sessions)
    _get(client, small_track)
    with CaptureQueriesContext(connection) as small:
        _get(client, small_track)
    with CaptureQueriesContext(connection) as large:
        _get(client, large_track)
    # Only the per-step page URL lookups may differ (cached by Wagtail per request).
    assert len(large) <= len(small) + 1


def test_catalogue_url_redirects_to_the_live_index(client):
    """/catalogue/ leads to the published catalogue index page."""
    index = catalogue_index()
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 302
    assert response["Location"] == index.url


def test_catalogue_url_without_index_is_a_french_404(client):
    """Without a published catalogue index, /catalogue/ answers 404 in French."""
    CatalogueIndexPage.objects.all().delete()
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 404
    assert "pas encore publié" in response.content.decode()


def test_navigation_offers_the_catalogue_to_everyone(client):
    """Anonymous visitors see a "Catalogue" link in the main navigation."""
    catalogue_index()
    html = client.get("/").content.decode()
    assert f'href="{reverse("catalogue:index")}"' in html
    assert ">Catalogue</a>" in html
