"""Taking the self-test through the pages: start, answer, refusals, result."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from certification.models import Attempt, ItemResponse
from certification.selftest import attempts
from lms.digcompedu import ATTRIBUTION
from lms.models import Competence
from tests.certification.selftest_taking_support import (
    ATTEMPT_URL,
    answer_page,
    bank_and_blueprint,
    chart_levels,
    table_levels,
    take_through_pages,
)
from tests.factories.selftest import make_blueprint

pytestmark = pytest.mark.django_db

HOME = "/certification/autotest/"


@pytest.fixture
def blueprint():
    return bank_and_blueprint(name="Ressources numériques", slug="ressources")


def _start(client, blueprint, needs=()):
    response = client.post(
        reverse("certification:selftest_start", args=[blueprint.slug]),
        {"needs": list(needs)},
    )
    assert response.status_code == 302
    return Attempt.objects.get(user=response.wsgi_request.user, status="in_progress")


def test_urls_are_stable():
    """The route names resolve to the documented French paths."""
    assert reverse("certification:selftest_home") == HOME
    assert reverse("certification:selftest_profile") == HOME + "profil/"


def test_anonymous_visitor_is_sent_to_login(client):
    """The self-test is for signed-in people only."""
    response = client.get(HOME)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_home_explains_the_test_and_offers_the_latest_version(client, teacher):
    """Only the latest active version of a blueprint is offered, with its form."""
    old = bank_and_blueprint(name="Évaluation", slug="evaluation", version=1)
    make_blueprint(name="Évaluation", slug="evaluation", version=2)
    make_blueprint(name="Retiré", slug="retire", is_active=False)
    client.force_login(teacher)
    response = client.get(HOME)
    html = response.text
    assert "pas une certification" in html
    assert "SELFIE" in html and "CheckIn" in html
    assert "10 à 20 minutes" in html
    assert "définitive" in html
    assert "pas chronométré" in html
    assert [c.blueprint.version for c in response.context["cards"]] == [2]
    assert old.pk not in [c.blueprint.pk for c in response.context["cards"]]
    assert "Retiré" not in html
    assert 'name="needs" value="screen_reader"' in html
    assert reverse("certification:selftest_start", args=["evaluation"]) in html


def test_start_records_accessibility_needs_and_opens_the_first_question(
    client, teacher, blueprint
):
    """Start → the item page; the declared needs are kept on the attempt."""
    client.force_login(teacher)
    attempt = _start(client, blueprint, needs=["keyboard", "bogus"])
    assert attempt.accessibility_needs == ["keyboard"]
    page = client.get(ATTEMPT_URL.format(attempt.uuid))
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<h1 id="question-title" tabindex="-1" autofocus', html)
    assert "Question 1 — encore 5 à 15 questions environ" in html
    assert 'lang="fr"' in html
    assert "<fieldset" in html and "<legend>" in html
    assert 'name="lock_token"' in html and 'name="order" value="1"' in html


def test_home_offers_to_resume_the_attempt_in_progress(client, teacher, blueprint):
    """A sitting in progress is shown with « Reprendre »; starting again resumes it."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    html = client.get(HOME).text
    assert "Reprendre" in html
    assert ATTEMPT_URL.format(attempt.uuid) in html
    assert _start(client, blueprint) == attempt


def test_a_reload_shows_the_same_question(client, teacher, blueprint):
    """Two GETs of the item page serve the same item, token and option order."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    first = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    again = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    assert (again.item.pk, again.lock_token, again.options) == (
        first.item.pk,
        first.lock_token,
        first.options,
    )


def test_full_flow_ends_on_a_result_whose_chart_and_table_agree(
    client, teacher, blueprint
):
    """Answering until the end redirects to the result: levels, chart, table, credits."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    steps = take_through_pages(client, attempt.uuid)
    assert steps >= 6
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED
    # A finished attempt's item page goes to the result.
    page = client.get(ATTEMPT_URL.format(attempt.uuid))
    assert page["Location"] == reverse(
        "certification:selftest_result", args=[attempt.uuid]
    )
    response = client.get(page["Location"])
    html = response.text
    levels = dict(attempt.estimates.values_list("competence__code", "level"))
    assert set(levels) == {"2.1", "2.2"}
    ranks = {
        code: str("A1 A2 B1 B2 C1 C2".split().index(lv) + 1)
        for code, lv in levels.items()
    }
    assert chart_levels(html) == ranks
    assert table_levels(html, "result-table") == ranks
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "probablement" in html
    assert "Ce qu'il reste à travailler" in html
    assert "indicati" in html
    assert str(ATTRIBUTION)[:60] in html
    assert "Ce n'est pas un outil officiel de la Commission européenne." in html


def test_result_greys_out_competences_not_measured(client, teacher):
    """A competence of the blueprint with too few answers offers « Tester »."""
    blueprint = bank_and_blueprint(name="Trois", slug="trois")
    blueprint.competences.add(Competence.objects.get(code="6.5"))
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    answer_page(client, attempt.uuid)
    client.post(ATTEMPT_URL.format(attempt.uuid) + "arreter/", {"confirm": "1"})
    html = client.get(
        reverse("certification:selftest_result", args=[attempt.uuid])
    ).text
    assert "Compétences non mesurées" in html
    assert f"{HOME}?competence=6.5" in html
    assert "Tester cette compétence" in html


def test_stale_tab_gets_a_409_with_a_continue_link(client, teacher, blueprint):
    """An answer carrying an old token is refused (409) and writes nothing."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    served = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    answer_page(client, attempt.uuid)  # the other tab moves on
    response = client.post(
        ATTEMPT_URL.format(attempt.uuid) + "repondre/",
        {"order": served.order + 1, "lock_token": served.lock_token, "answer": "1"},
    )
    assert response.status_code == 409
    assert "autre onglet" in response.text
    assert "Continuer" in response.text
    assert ItemResponse.objects.filter(attempt=attempt).count() == 1


def test_replayed_answer_gets_a_409(client, teacher, blueprint):
    """Posting the same step twice: the second is refused and not recorded."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    served = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    data = {"order": served.order, "lock_token": served.lock_token, "answer": "1"}
    first = client.post(ATTEMPT_URL.format(attempt.uuid) + "repondre/", data)
    assert first.status_code == 302
    replay = client.post(ATTEMPT_URL.format(attempt.uuid) + "repondre/", data)
    assert replay.status_code == 409
    assert ItemResponse.objects.filter(attempt=attempt).count() == 1


def test_a_missing_answer_is_a_400_on_the_same_question(client, teacher, blueprint):
    """No option chosen: 400, a French message, the same question, nothing written."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    served = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    response = client.post(
        ATTEMPT_URL.format(attempt.uuid) + "repondre/",
        {"order": served.order, "lock_token": served.lock_token},
    )
    assert response.status_code == 400
    assert "Choisissez une réponse." in response.text
    assert 'role="alert"' in response.text
    assert response.context["served"].item.pk == served.item.pk
    assert not ItemResponse.objects.filter(attempt=attempt).exists()


def test_a_malformed_order_field_is_a_400(client, teacher, blueprint):
    """A non-numeric step number is unreadable (400), not a server error."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    served = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    response = client.post(
        ATTEMPT_URL.format(attempt.uuid) + "repondre/",
        {"order": "x", "lock_token": served.lock_token, "answer": "1"},
    )
    assert response.status_code == 400
    assert not ItemResponse.objects.filter(attempt=attempt).exists()


def test_retake_too_early_shows_the_french_delay(client, teacher, blueprint):
    """After a completed sitting the home page says when the next one is possible."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    take_through_pages(client, attempt.uuid)
    html = client.get(HOME).text
    assert "Vous pourrez repasser ce test à partir du" in html
    response = client.post(
        reverse("certification:selftest_start", args=[blueprint.slug]), follow=True
    )
    assert "Vous pourrez repasser ce test à partir du" in response.text
    assert Attempt.objects.filter(user=teacher).count() == 1


def test_abandon_asks_for_confirmation_then_stops(client, teacher, blueprint):
    """GET shows the confirmation; POST without confirm does nothing; with it, stops."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    url = ATTEMPT_URL.format(attempt.uuid) + "arreter/"
    assert "Arrêter le test ?" in client.get(url).text
    client.post(url, {})
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    response = client.post(url, {"confirm": "1"})
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.ABANDONED
    assert response["Location"].endswith("/resultat/")


def test_answer_after_the_end_is_refused_with_a_link_to_the_result(
    client, teacher, blueprint
):
    """Posting to a finished attempt: 409 and a link to the result."""
    client.force_login(teacher)
    attempt = _start(client, blueprint)
    served = client.get(ATTEMPT_URL.format(attempt.uuid)).context["served"]
    attempts.abandon(attempt)
    response = client.post(
        ATTEMPT_URL.format(attempt.uuid) + "repondre/",
        {"order": served.order, "lock_token": served.lock_token, "answer": "1"},
    )
    assert response.status_code == 409
    assert (
        reverse("certification:selftest_result", args=[attempt.uuid]) in response.text
    )


def test_navigation_offers_the_self_test_to_signed_in_users(client, teacher):
    """The main navigation shows « Autotest numérique »."""
    client.force_login(teacher)
    html = client.get(HOME).text
    assert f'href="{HOME}" aria-current="page">Autotest numérique' in html
