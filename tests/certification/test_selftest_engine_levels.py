"""From θ to DigCompEdu levels: cut scores, probabilities and 80 % range (spec B3, C1)."""

import math

import pytest

from certification.selftest.engine.estimation import ScoredAnswer, eap
from certification.selftest.engine.levels import (
    FALLBACK_CUTS,
    LEVELS,
    RP67_OFFSET,
    AuthoredItem,
    CutScores,
    derive_cut_scores,
    is_likely_real_change,
    level_of,
    level_probabilities,
    mean_cut_scores,
    median_level,
    read_level,
    scaled_score,
)
from lms import digcompedu


def test_engine_levels_are_the_framework_levels():
    """The engine's A1…C2 are the DigCompEdu level codes, in rank order."""
    assert LEVELS == tuple(level.code for level in digcompedu.levels())


def test_a_theta_on_a_cut_goes_to_the_upper_level():
    """θ exactly on κ_L is level L; just below is the level under it."""
    cuts = CutScores(FALLBACK_CUTS)
    assert [level_of(k, cuts) for k in FALLBACK_CUTS] == list(LEVELS[1:])
    assert [level_of(k - 1e-9, cuts) for k in FALLBACK_CUTS] == list(LEVELS[:-1])
    assert level_of(-9.0, cuts) == "A1" and level_of(9.0, cuts) == "C2"


@pytest.mark.parametrize(
    "pattern",
    [[], [(1.0, 0.0, True)], [(2.0, b / 4, b % 2 == 0) for b in range(-8, 8)]],
)
def test_level_probabilities_sum_to_one(pattern):
    """The band probabilities of a posterior sum to 1."""
    posterior = eap([ScoredAnswer(a, b, 0.0, x) for a, b, x in pattern])
    probabilities = level_probabilities(posterior, CutScores(FALLBACK_CUTS))
    assert list(probabilities) == list(LEVELS)
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-9)


def test_rp67_cut_is_the_median_ability_for_two_thirds_success():
    """Three B1 items give κ_B1 = median of b + ln(0.67/0.33)/a, computed by hand."""
    items = [
        AuthoredItem("B1", 1.0, -1.0),  # -0.2918
        AuthoredItem("B1", 2.0, -0.5),  # -0.1459
        AuthoredItem("B1", 1.0, -0.5),  # 0.2082
    ]
    cuts = derive_cut_scores(items)
    assert RP67_OFFSET == pytest.approx(0.708185, abs=1e-6)
    assert cuts.values[1] == pytest.approx(-0.5 + 0.708185 / 2, abs=1e-6)
    assert cuts.derived_levels == ("B1",)
    # The other levels keep their placeholder; everything stays provisional.
    assert cuts.values[0] == FALLBACK_CUTS[0] and cuts.values[2:] == FALLBACK_CUTS[2:]
    assert cuts.is_provisional and not cuts.needs_review


def test_two_items_are_not_enough_to_derive_a_cut():
    """A level needs three calibrated items; otherwise the fallback is kept."""
    cuts = derive_cut_scores(
        [AuthoredItem("C1", 1.0, 2.0), AuthoredItem("C1", 1.0, 2.1)]
    )
    assert cuts.values == FALLBACK_CUTS and cuts.derived_levels == ()


def test_a_non_monotonic_derived_cut_is_repaired_and_flagged():
    """κ_B2 derived below κ_B1 is set to κ_B1 + 0.25 and the competence flagged."""
    b1 = [AuthoredItem("B1", 1.0, b) for b in (0.9, 1.0, 1.1)]
    b2 = [AuthoredItem("B2", 1.0, b) for b in (-0.1, 0.0, 0.1)]
    cuts = derive_cut_scores(b1 + b2)
    assert cuts.values[1] == pytest.approx(1.0 + RP67_OFFSET)
    assert cuts.values[2] == pytest.approx(1.0 + RP67_OFFSET + 0.25)
    assert cuts.needs_review
    assert all(b > a for a, b in zip(cuts.values, cuts.values[1:], strict=False))


def test_expert_cut_scores_are_not_provisional_and_must_increase():
    """Workshop cuts lose the provisional flag; invalid cut sets are refused."""
    assert not CutScores.expert([-1, 0, 1, 2, 3]).is_provisional
    with pytest.raises(ValueError, match="increasing"):
        CutScores((0.0, 0.0, 1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="five"):
        CutScores((0.0, 1.0))


def test_reading_gives_level_confidence_and_eighty_percent_range():
    """A vague posterior reads "B1 (likely A2–B2)"-style, a sharp one a single level."""
    cuts = CutScores(FALLBACK_CUTS)
    vague = read_level(eap([ScoredAnswer(1.0, 0.0, 0.0, True)]), cuts)
    assert vague.level == level_of(eap([ScoredAnswer(1.0, 0.0, 0.0, True)]).theta, cuts)
    assert vague.range_low < vague.level < vague.range_high
    assert (
        vague.label() == f"{vague.level} (likely {vague.range_low}–{vague.range_high})"
    )
    assert vague.confidence == vague.probabilities[vague.level]
    assert vague.theta_q10 < vague.theta_q90
    sharp_answers = [ScoredAnswer(3.0, 0.0, 0.0, b > 0) for b in [-1, 1] * 30]
    sharp = read_level(eap(sharp_answers), cuts)
    assert sharp.label() == "B1"
    assert sharp.confidence > 0.9


def test_area_summary_helpers():
    """Mean cuts, median level, likely-real change and the 0–1000 scaled score."""
    mean = mean_cut_scores(
        [CutScores(FALLBACK_CUTS), CutScores.expert([-1, 0, 1, 2, 3])]
    )
    assert mean.values == pytest.approx((-1.25, -0.25, 0.75, 1.75, 2.75))
    assert mean.is_provisional
    assert median_level(["A2", "C1", "B1", "B2"]) == "B1"
    assert median_level([]) is None
    assert is_likely_real_change(0.0, 0.3, 1.0, 0.3)
    assert not is_likely_real_change(0.0, 0.4, 1.0, 0.4)
    assert scaled_score(0.0) == 500
    assert scaled_score(1.0) == round(1000 * (0.5 + 0.5 * math.erf(1 / math.sqrt(2))))
