"""The recommendations include (result and profile pages) and the teacher's
recommendations page."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from certification.selftest.recommendations import RecommendationList, recommend
from tests.certification.builders_selftest_reco import measure, target
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training

pytestmark = pytest.mark.django_db

URL = "/certification/autotest/recommandations/"
INCLUDE = "certification/selftest/_recommendations.html"


def _partager(**session_fields):
    page = make_training(title="Partager en classe", code="NUM-2027-001")
    target(page, "2.3", "A2", "B1")
    session = make_session(page, **session_fields)
    return page, session


def test_url_is_stable():
    """The route name resolves to the documented path."""
    assert reverse("certification:selftest_recommendations") == URL


def test_anonymous_visitor_is_sent_to_login(client):
    """The page is for signed-in people only."""
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_post_is_not_allowed(client, teacher):
    """The page only reads: no change through it."""
    client.force_login(teacher)
    assert client.post(URL).status_code == 405


def test_include_without_estimate_invites_to_take_the_test():
    """No measured level: the empty state asks to take the self-test."""
    html = render_to_string(INCLUDE, {"recommendations": RecommendationList()})
    assert "Formations recommandées" in html
    assert "Passez l'autotest pour recevoir des recommandations" in html
    assert "Aucune formation du catalogue" not in html


def test_include_with_estimates_but_no_match_says_so():
    """Measured levels but no matching training: the catalogue empty state."""
    empty = RecommendationList()
    empty.has_estimates = True
    html = render_to_string(INCLUDE, {"recommendations": empty})
    assert (
        "Aucune formation du catalogue ne vise encore vos compétences à travailler"
        in html
    )
    assert "Passez l'autotest" not in html


def test_include_lists_title_link_reason_and_sessions(teacher):
    """Each recommendation links to its page and shows its reason and open sessions."""
    measure(teacher, {"2.3": "A2"})
    page, session = _partager()
    html = render_to_string(INCLUDE, {"recommendations": recommend(teacher)})
    assert f'<a href="{page.url}">Partager en classe</a>' in html
    assert "Votre niveau estimé en 2.3" in html
    assert "cette formation vise A2 → B1." in html
    assert f'href="{page.url}#session-{session.pk}"' in html
    assert "Places disponibles" in html


def test_full_session_with_waitlist_shows_waiting_list(teacher):
    """A full session still open through its waiting list says so in words."""
    measure(teacher, {"2.3": "A2"})
    _page, session = _partager(capacity=1)
    session.seats_taken = 1
    session.status = "full"
    session.save()
    html = render_to_string(INCLUDE, {"recommendations": recommend(teacher)})
    assert "Liste d'attente" in html
    assert "Places disponibles" not in html


def test_training_without_open_session_says_so(teacher):
    """No open session: the card says it and still links to the training."""
    measure(teacher, {"2.3": "A2"})
    page = make_training(title="Partager en classe")
    target(page, "2.3", "A2", "B1")
    html = render_to_string(INCLUDE, {"recommendations": recommend(teacher)})
    assert "Aucune session n'est ouverte aux inscriptions pour le moment." in html
    assert f'href="{page.url}"' in html


def test_page_shows_own_recommendations_only(client, teacher):
    """Each teacher sees recommendations from their own levels, never another's."""
    other = UserFactory()
    measure(other, {"2.3": "A2"})
    _partager()
    client.force_login(teacher)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["recommendations"] == []
    assert "Passez l'autotest" in response.text
    client.force_login(other)
    response = client.get(URL)
    assert [r.training.title for r in response.context["recommendations"]] == [
        "Partager en classe"
    ]
    assert "Partager en classe" in response.text


def test_page_shows_attribution_and_headings(client, teacher):
    """The page has its h1, the list's h2 and the DigCompEdu attribution."""
    measure(teacher, {"2.3": "A2"})
    _partager()
    client.force_login(teacher)
    html = client.get(URL).text
    assert "<h1>Mes formations recommandées</h1>" in html
    assert '<h2 id="selftest-reco-title">Formations recommandées</h2>' in html
    assert "DigCompEdu" in html
    assert "Toutes mes recommandations" not in html  # no link to itself


def test_a_hidden_training_is_not_recommended_for_90_days(client, teacher):
    """ "Masquer" hides a training from the teacher's own list for 90 days."""
    import datetime as dt

    from django.utils import timezone

    from certification.models import RecommendationDismissal
    from certification.selftest.recommendations import recommend

    training, _session = _partager()
    measure(teacher, {"2.3": "A2"})
    user = teacher
    client.force_login(user)
    assert [r.training.pk for r in recommend(user)] == [training.pk]
    response = client.post(
        reverse("certification:selftest_recommendation_dismiss", args=[training.pk])
    )
    assert response.status_code == 302
    assert recommend(user) == []
    RecommendationDismissal.objects.update(
        dismissed_at=timezone.now() - dt.timedelta(days=91)
    )
    assert [r.training.pk for r in recommend(user)] == [training.pk]
