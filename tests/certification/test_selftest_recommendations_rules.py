"""Self-test recommendations (spec B5): candidates, weakness, exclusions, order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Registration, Session
from certification.models import Attempt
from certification.selftest.recommendations import recommend
from tests.certification.builders_selftest_reco import measure, target
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db


def _titles(user, **kwargs) -> list[str]:
    return [r.training.title for r in recommend(user, **kwargs)]


def _training(title: str, *targets: tuple, session: bool = True, **fields):
    page = make_training(title=title, **fields)
    for spec in targets:
        target(page, *spec)
    if session:
        make_session(page)
    return page


def test_no_estimate_gives_nothing_and_says_so(teacher):
    """Without a completed attempt there is nothing to recommend."""
    _training("Partager", ("2.3", "A1", "B2"))
    result = recommend(teacher)
    assert result == []
    assert result.has_estimates is False


def test_in_progress_attempts_are_ignored(teacher):
    """Only completed attempts count as measured levels."""
    measure(teacher, {"2.3": "A2"}, status=Attempt.Status.IN_PROGRESS)
    _training("Partager", ("2.3", "A2", "B1"))
    assert recommend(teacher) == []


def test_candidate_rule_is_from_inclusive_to_exclusive(teacher):
    """A training targeting (c, from, to) fits a level with from ≤ level < to."""
    measure(teacher, {"2.3": "B1"})
    _training("Depuis B1", ("2.3", "B1", "B2"))
    _training("Autour de B1", ("2.3", "A2", "B2"))
    _training("Jusqu'à B1", ("2.3", "A2", "B1"))
    _training("Depuis B2", ("2.3", "B2", "C1"))
    _training("Autre compétence", ("2.1", "A2", "B2"))
    assert set(_titles(teacher)) == {"Depuis B1", "Autour de B1"}


def test_imprecise_estimate_uses_the_low_end_of_the_range(teacher):
    """Not precise: level_c is range_low (B1 measured, likely A2 → an A2 training)."""
    measure(teacher, {"2.3": "B1"}, imprecise={"2.3": "A2"})
    _training("Pour A2", ("2.3", "A2", "B1"))
    _training("Pour B1", ("2.3", "B1", "B2"))
    [reco] = recommend(teacher)
    assert reco.training.title == "Pour A2"
    assert reco.level == "A2" and reco.is_precise is False


def test_latest_completed_attempt_wins(teacher):
    """A newer attempt replaces the older level of the same competence."""
    measure(teacher, {"2.3": "A1"}, days_ago=30)
    measure(teacher, {"2.3": "B1"}, days_ago=2)
    _training("Pour A1", ("2.3", "A1", "A2"))
    _training("Pour B1", ("2.3", "B1", "B2"))
    assert _titles(teacher) == ["Pour B1"]


def test_unpublished_training_is_not_recommended(teacher):
    """Draft trainings never appear."""
    measure(teacher, {"2.3": "A2"})
    _training("Brouillon", ("2.3", "A2", "B1"), session=False, live=False)
    assert recommend(teacher) == []


def test_registered_training_is_excluded(teacher):
    """A non-cancelled registration on any session leaves the training out."""
    measure(teacher, {"2.3": "A2"})
    page = _training("Déjà inscrit", ("2.3", "A2", "B1"))
    Registration.objects.create(
        session=page.sessions.get(), user=teacher, status=Registration.Status.WAITLISTED
    )
    _training("Libre", ("2.3", "A2", "B1"))
    assert _titles(teacher) == ["Libre"]


def test_cancelled_registration_does_not_exclude(teacher):
    """A cancelled registration is not a followed training."""
    measure(teacher, {"2.3": "A2"})
    page = _training("Annulée", ("2.3", "A2", "B1"))
    Registration.objects.create(
        session=page.sessions.get(), user=teacher, status=Registration.Status.CANCELLED
    )
    assert _titles(teacher) == ["Annulée"]


def test_training_with_an_attestation_is_excluded(teacher):
    """An attestation for a past session means the training was followed."""
    measure(teacher, {"2.3": "A2"})
    page = _training("Suivie", ("2.3", "A2", "B1"))
    make_attestation(user=teacher, session=make_session(page, starts_in_days=-20))
    assert recommend(teacher) == []


def test_another_teachers_registration_does_not_exclude(teacher):
    """Exclusions are about this teacher only."""
    from tests.factories import UserFactory

    measure(teacher, {"2.3": "A2"})
    page = _training("Populaire", ("2.3", "A2", "B1"))
    Registration.objects.create(
        session=page.sessions.get(),
        user=UserFactory(),
        status=Registration.Status.ACCEPTED,
    )
    assert _titles(teacher) == ["Populaire"]


def test_score_weighs_target_weight_times_gap(teacher):
    """Weaker competence and heavier weight rank first: score = Σ weight × gap."""
    # ranks A1=0, A2=1, B1=2: median 1 → gaps 2.1: 2, 2.2: 1, 2.3: 0
    measure(teacher, {"2.1": "A1", "2.2": "A2", "2.3": "B1"})
    _training("Faible", ("2.1", "A1", "A2"))
    _training("Moyen lourd", ("2.2", "A2", "B1", "3"))
    _training("Moyen", ("2.2", "A2", "B1"))
    _training("Fort", ("2.3", "B1", "B2"))
    result = recommend(teacher)
    assert [r.training.title for r in result] == [
        "Moyen lourd",
        "Faible",
        "Moyen",
        "Fort",
    ]
    assert [r.score for r in result] == [3.0, 2.0, 1.0, 0.0]


def test_score_adds_up_over_matching_targets(teacher):
    """A training aimed at two weak competences sums both contributions."""
    measure(teacher, {"2.1": "A1", "2.2": "A1", "2.3": "B1"})
    _training("Double", ("2.1", "A1", "A2"), ("2.2", "A1", "A2"))
    _training("Simple", ("2.1", "A1", "A2", "1.5"))
    result = recommend(teacher)
    assert [r.training.title for r in result] == ["Double", "Simple"]
    assert [r.score for r in result] == [2.0, 1.5]


def test_ties_break_on_shorter_hours_then_title(teacher):
    """Same score: fewer total hours first, then alphabetical title."""
    measure(teacher, {"2.3": "A2"})
    _training("B longue", ("2.3", "A2", "B1"), sync_hours=12, async_hours=0)
    _training("Courte", ("2.3", "A2", "B1"), sync_hours=3, async_hours=0)
    _training("A longue", ("2.3", "A2", "B1"), sync_hours=6, async_hours=6)
    assert _titles(teacher) == ["Courte", "A longue", "B longue"]


def test_trainings_without_open_session_come_last(teacher):
    """A better score without any open session ranks after one that can be joined."""
    measure(teacher, {"2.1": "A1", "2.3": "B1"})
    _training("Sans session", ("2.1", "A1", "A2", "5"), session=False)
    closed = _training("Session close", ("2.1", "A1", "A2", "4"), session=False)
    make_session(closed, status=Session.Status.CLOSED)
    _training("Avec session", ("2.3", "B1", "B2"))
    result = recommend(teacher)
    assert [r.training.title for r in result] == [
        "Avec session",
        "Sans session",
        "Session close",
    ]
    assert [r.has_open_session for r in result] == [True, False, False]


def test_next_three_open_sessions_soonest_first(teacher):
    """Each recommendation lists its next three open sessions, soonest first."""
    measure(teacher, {"2.3": "A2"})
    page = _training("Beaucoup de sessions", ("2.3", "A2", "B1"), session=False)
    later = [make_session(page, starts_in_days=d) for d in (50, 10, 40, 20)]
    make_session(page, starts_in_days=5, status=Session.Status.CANCELLED)
    [reco] = recommend(teacher)
    assert [s.pk for s in reco.sessions] == [later[1].pk, later[3].pk, later[2].pk]
    assert reco.url == page.url


def test_at_most_three_per_competence(teacher):
    """A competence gets three trainings; the fourth makes room for others."""
    measure(teacher, {"2.1": "A1", "2.3": "B1"})
    for k in range(4):
        _training(f"2.1 n°{k}", ("2.1", "A1", "A2"), sync_hours=k + 1)
    _training("2.3 seule", ("2.3", "B1", "B2"))
    result = recommend(teacher)
    assert [r.competence for r in result] == ["2.1", "2.1", "2.1", "2.3"]
    assert "2.1 n°3" not in [r.training.title for r in result]


def test_at_most_limit_in_total(teacher):
    """Eight recommendations at most by default, ``limit`` otherwise."""
    codes = ["2.1", "2.2", "2.3", "3.1"]
    measure(teacher, dict.fromkeys(codes, "A2"))
    for code in codes:
        for k in range(3):
            _training(f"{code} n°{k}", (code, "A2", "B1"))
    assert len(recommend(teacher)) == 8
    assert len(recommend(teacher, limit=5)) == 5


def test_reason_names_competence_level_and_target(teacher):
    """The reason reads the competence, its level and the training's progression."""
    measure(teacher, {"2.3": "A2"})
    _training("Partager", ("2.3", "A2", "B1"))
    [reco] = recommend(teacher)
    assert reco.reason == (
        "Votre niveau estimé en 2.3 (Gestion, protection et partage des ressources "
        "numériques) est A2 ; cette formation vise A2 → B1."
    )
    assert (reco.competence, reco.level_from, reco.level_to) == ("2.3", "A2", "B1")


def test_reason_says_when_the_measure_is_imprecise(teacher):
    """An imprecise level is announced as the low end of the likely range."""
    measure(teacher, {"2.3": "B1"}, imprecise={"2.3": "A2"})
    _training("Partager", ("2.3", "A2", "B1"))
    [reco] = recommend(teacher)
    assert "est A2 ; cette formation vise A2 → B1." in reco.reason
    assert "peu précise" in reco.reason


def test_strong_competence_with_no_gap_gets_nothing(teacher):
    """Gap 0 at B2 or above, outside the three weakest: no recommendation."""
    # ranks 0, 0, 0, 3: median 0 → 4.1 (B2) has gap 0 and is not among the 3 weakest
    measure(teacher, {"2.1": "A1", "2.2": "A1", "2.3": "A1", "4.1": "B2"})
    _training("Approfondir", ("4.1", "B2", "C1"))
    _training("Débuter", ("2.1", "A1", "A2"))
    assert _titles(teacher) == ["Débuter"]


def test_strong_competence_among_the_three_weakest_is_kept(teacher):
    """Gap 0 at B2 but among the teacher's three weakest: still recommended."""
    # ranks 0, 3: median 1.5 → 4.1 (B2) has gap 0, yet it is among the 3 weakest
    measure(teacher, {"2.1": "A1", "4.1": "B2"})
    _training("Approfondir", ("4.1", "B2", "C1"))
    _training("Débuter", ("2.1", "A1", "A2"))
    result = recommend(teacher)
    assert [r.training.title for r in result] == ["Débuter", "Approfondir"]
    assert result[1].score == 0


def test_query_count_does_not_grow_with_the_catalogue(teacher):
    """A handful of queries whatever the number of trainings and sessions."""
    codes = ["2.1", "2.2", "2.3"]
    measure(teacher, dict.fromkeys(codes, "A2"))
    for code in codes:
        _training(f"{code} a", (code, "A2", "B1"))
    recommend(teacher)  # warm the site root cache used by page URLs
    with CaptureQueriesContext(connection) as small:
        recommend(teacher)
    for code in codes:
        for k in range(3):
            page = _training(f"{code} n°{k}", (code, "A1", "C1"))
            make_session(page, starts_in_days=60)
            Registration.objects.create(
                session=make_session(page, starts_in_days=90),
                user=teacher,
                status=Registration.Status.CANCELLED,
            )
    with CaptureQueriesContext(connection) as large:
        result = recommend(teacher)
    assert len(result) == 8
    assert len(large) == len(small) <= 7


def test_query_count_is_pinned(teacher, django_assert_max_num_queries):
    """Estimates, targets, dismissals, registrations, attestations, sessions,
    page URLs: seven queries at most."""
    measure(teacher, {"2.1": "A1", "2.3": "A2"})
    for k in range(4):
        _training(f"Formation {k}", ("2.1", "A1", "B1"), ("2.3", "A2", "B1"))
    recommend(teacher)
    with django_assert_max_num_queries(7):
        result = recommend(teacher)
        [list(r.sessions) for r in result]
