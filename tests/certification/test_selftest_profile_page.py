"""The teacher's profile: latest level per competence, history, change flags."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certification.selftest.profile import profile_for
from lms.digcompedu import ATTRIBUTION
from lms.roles import Role
from tests.certification.selftest_taking_support import (
    chart_levels,
    completed_attempt,
    table_levels,
)
from tests.factories import UserFactory
from tests.factories.selftest import make_blueprint

pytestmark = pytest.mark.django_db

URL = "/certification/autotest/profil/"


@pytest.fixture
def blueprint():
    return make_blueprint(("2.1", "2.2"))


@pytest.fixture
def two_sittings(teacher, blueprint):
    """2.1 rises far beyond the uncertainty; 2.2 moves within it."""
    completed_attempt(
        teacher,
        blueprint,
        {"2.1": (-1.0, 0.3, "A2"), "2.2": (0.0, 0.5, "B1")},
        days_ago=30,
    )
    return completed_attempt(
        teacher, blueprint, {"2.1": (1.0, 0.3, "B2"), "2.2": (0.5, 0.5, "B1")}
    )


def test_profile_lists_all_22_competences(client, teacher, two_sittings):
    """Every competence has a row; the unmeasured ones offer to be tested."""
    client.force_login(teacher)
    response = client.get(URL)
    html = response.text
    start = html.index('id="profile-all"')
    table = html[start : html.index("</table>", start)]
    assert table.count("<tr data-competence=") == 22
    assert len(response.context["profile"].competences) == 22
    assert table.count("Tester cette compétence") == 20
    assert "/certification/autotest/?competence=6.5" in table


def test_latest_level_comes_from_the_latest_sitting(teacher, two_sittings):
    """The profile shows the most recent measure of each competence."""
    rows = {row.code: row for row in profile_for(teacher).competences}
    assert rows["2.1"].level.code == "B2"
    assert rows["2.1"].attempt_uuid == two_sittings.uuid
    assert not rows["3.1"].is_measured


def test_only_changes_beyond_the_combined_error_are_flagged(teacher, two_sittings):
    """|Δθ| > 1.96·√(SE₁²+SE₂²): 2.1 (2.0 > 0.83) flagged, 2.2 (0.5 < 1.39) not."""
    history = {h.code: h for h in profile_for(teacher).history}
    assert [p.likely_real for p in history["2.1"].points] == [False, True]
    assert history["2.1"].points[1].direction == "up"
    assert [p.likely_real for p in history["2.2"].points] == [False, False]


@pytest.mark.parametrize(
    ("theta2", "flagged"), [(0.98, False), (0.981, True), (-0.981, True)]
)
def test_change_flag_threshold_is_strict(teacher, blueprint, theta2, flagged):
    """With SE 0.3 and 0.4 the threshold is exactly 0.98, and it is strict."""
    completed_attempt(teacher, blueprint, {"2.1": (0.0, 0.3, "B1")}, days_ago=10)
    completed_attempt(teacher, blueprint, {"2.1": (theta2, 0.4, "B1")})
    (history,) = profile_for(teacher).history
    assert history.points[1].likely_real is flagged


def test_profile_page_shows_flags_chart_table_and_attribution(
    client, teacher, two_sittings
):
    """The page says which change is likely real; chart and table agree."""
    client.force_login(teacher)
    html = client.get(URL).text
    assert html.count("En hausse — changement probablement réel") == 1
    assert "Écart dans la marge d'incertitude" in html
    assert chart_levels(html) == {"2.1": "4", "2.2": "3"}
    assert table_levels(html, "profile-table") == {"2.1": "4", "2.2": "3"}
    assert "Synthèse par domaine (indicative)" in html
    assert "Seuils provisoires" in html
    assert str(ATTRIBUTION)[:60] in html
    assert "Ce n'est pas un outil officiel de la Commission européenne." in html


def test_other_peoples_sittings_do_not_count(client, teacher, blueprint):
    """Someone else's estimates never appear in my profile."""
    other = UserFactory(roles=[Role.TEACHER])
    completed_attempt(other, blueprint, {"2.1": (2.0, 0.3, "C1")})
    client.force_login(teacher)
    response = client.get(URL)
    assert not response.context["profile"].measured
    assert "Aucune compétence mesurée pour le moment" in response.text


def test_profile_query_count_does_not_grow_with_sittings(
    client, teacher, blueprint, django_assert_num_queries, monkeypatch
):
    """1 or 4 sittings cost the same 6 queries (session, user, levels,
    competences, estimates, roles)."""
    monkeypatch.setattr("certification.views.selftest.recommend", lambda user: [])
    completed_attempt(teacher, blueprint, {"2.1": (0.0, 0.4, "B1")}, days_ago=9)
    client.force_login(teacher)
    client.get(URL)
    with django_assert_num_queries(6):
        client.get(URL)
    for days in (1, 2, 3):
        completed_attempt(
            teacher,
            make_blueprint(("2.2", "4.1")),
            {"2.2": (0.1 * days, 0.4, "B1"), "4.1": (0.2, 0.5, "B1")},
            days_ago=days,
        )
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert len(response.context["profile"].history) == 3


def test_result_query_count_is_pinned(
    client, teacher, blueprint, django_assert_num_queries, monkeypatch
):
    """The result page costs 7 queries (session, user, attempt, levels,
    competences, areas, roles), whatever the number of competences."""
    monkeypatch.setattr("certification.views.selftest.recommend", lambda user: [])
    attempt = completed_attempt(teacher, blueprint, {"2.1": (0.0, 0.4, "B1")})
    attempt.result = {
        "mode": "profile",
        "competences": [
            {
                "competence": code,
                "is_measured": True,
                "level": "B1",
                "range_low": "A2",
                "range_high": "B2",
                "confidence": 0.61,
                "n_items": 5,
                "is_provisional": False,
                "cut_scores_provisional": True,
                "from_overall": False,
                "theta": 0.1,
                "se": 0.5,
            }
            for code in ("2.1", "2.2", "2.3")
        ],
        "areas": [
            {
                "area": "2",
                "theta": 0.1,
                "level": "B1",
                "competences": ["2.1", "2.2", "2.3"],
            }
        ],
        "overall_level": "B1",
    }
    attempt.save()
    client.force_login(teacher)
    url = reverse("certification:selftest_result", args=[attempt.uuid])
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    html = response.text
    assert html.count("B1 (probablement A2–B2)") >= 3
    assert "Seuils provisoires" in html
    assert chart_levels(html) == {"2.1": "3", "2.2": "3", "2.3": "3"}
