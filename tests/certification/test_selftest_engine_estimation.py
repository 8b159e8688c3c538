"""EAP ability estimation on the fixed N(0, 1) prior (spec B2, C1).

The oracle is an independent numerical integral on the continuous line (Simpson's
rule on [−12, 12]), not the engine's 161-point grid.
"""

import itertools
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from certification.selftest.engine.estimation import (
    DEFAULT_GRID,
    Grid,
    ScoredAnswer,
    eap,
    person_fit_lz,
)
from certification.selftest.engine.irt import p_correct
from certification.selftest.engine.simulate import seeded_rng


def oracle(pattern):
    """Posterior mean and SD by Simpson's rule, written independently of the engine."""
    n = 24000
    low, high = -12.0, 12.0
    step = (high - low) / n
    moments = [0.0, 0.0, 0.0]
    for i in range(n + 1):
        theta = low + i * step
        density = math.exp(-theta * theta / 2)
        for a, b, correct in pattern:
            p = 1 / (1 + math.exp(-a * (theta - b)))
            density *= p if correct else 1 - p
        weight = 1 if i in (0, n) else (4 if i % 2 else 2)
        for k in range(3):
            moments[k] += weight * density * theta**k
    mean = moments[1] / moments[0]
    return mean, math.sqrt(moments[2] / moments[0] - mean * mean)


def answers(pattern):
    return [ScoredAnswer(a, b, 0.0, correct) for a, b, correct in pattern]


item = st.tuples(
    st.floats(min_value=0.5, max_value=3.0),
    st.floats(min_value=-3.0, max_value=3.0),
    st.booleans(),
)


def test_without_answers_the_estimate_is_the_prior():
    """No answers: θ̂ = 0 and SE ≈ 1 (the grid truncates the prior at ±4)."""
    posterior = eap([])
    assert posterior.theta == pytest.approx(0.0, abs=1e-9)
    assert posterior.se == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(
    "pattern",
    [
        [(1.0, 0.0, True)],
        [(1.7, -1.2, False)],
        [(0.6, 2.5, True)],
        [(1.2, -0.5, True), (0.9, 0.4, False), (2.0, 1.1, True)],
        [(1.0, b / 2, b % 3 == 0) for b in range(-4, 5)],
        [(1.5, 0.3, False), (1.5, -0.3, True), (0.8, 1.9, False), (2.4, -2.0, True)],
    ],
)
def test_estimate_matches_an_independent_integral(pattern):
    """θ̂ and SE agree with Simpson integration on the real line within 2e-3."""
    mean, sd = oracle(pattern)
    posterior = eap(answers(pattern))
    assert posterior.theta == pytest.approx(mean, abs=2e-3)
    assert posterior.se == pytest.approx(sd, abs=2e-3)


def scipy_posterior(pattern):
    """Posterior mean and SD by adaptive quadrature (``scipy.integrate.quad``) on
    the whole real line: a second oracle, by other people's code."""
    from scipy import integrate, stats

    def density(theta):
        value = stats.norm.pdf(theta)
        for a, b, correct in pattern:
            p = 1 / (1 + math.exp(-a * (theta - b)))
            value *= p if correct else 1 - p
        return value

    # Breakpoints at the prior's centre and the items' difficulties, where the
    # integrand bends, so that the adaptive rule cannot step over the mass.
    points = sorted({0.0, *(b for _a, b, _c in pattern)})

    def integral(f):
        return integrate.quad(f, -12, 12, points=points, limit=400)[0]

    z = integral(density)
    mean = integral(lambda t: density(t) * t) / z
    variance = integral(lambda t: density(t) * (t - mean) ** 2) / z
    return mean, math.sqrt(variance)


@settings(max_examples=60, deadline=None)
@given(st.lists(item, max_size=20))
@example([(2.0, 2.0, True), (3.0, 2.25, True), (0.5, 0.0, True)])
@example([(1.0, 2.0, True), (3.0, 2.0, True)])
def test_estimate_matches_scipy_quadrature(pattern):
    """For any answer pattern, θ̂ and SE agree with scipy's adaptive quadrature
    within 5e-3 when the posterior lies well inside the engine's 161-point grid
    (±4); near its edge the grid truncates the posterior, which can only pull
    θ̂ toward the centre and shrink the SE."""
    mean, sd = scipy_posterior(pattern)
    posterior = eap(answers(pattern))
    if abs(mean) + 5 * sd < 4:
        assert posterior.theta == pytest.approx(mean, abs=5e-3)
        assert posterior.se == pytest.approx(sd, abs=5e-3)
    else:
        assert -4 <= posterior.theta <= 4
        assert abs(posterior.theta) <= abs(mean) + 5e-3
        assert posterior.theta * mean >= 0 or abs(mean) < 5e-3
        assert posterior.se <= sd + 5e-3


def test_grid_truncation_only_slightly_shrinks_extreme_estimates():
    """Nine right answers put mass past θ = 4: the grid estimate is lower, by < 0.01."""
    pattern = [(1.0, b / 2, True) for b in range(-4, 5)]
    mean, _sd = oracle(pattern)
    assert mean - 0.01 < eap(answers(pattern)).theta < mean


def test_mirrored_pattern_negates_the_estimate():
    """Negating every b and flipping every answer negates θ̂."""
    pattern = [(1.2, -0.5, True), (0.9, 0.4, False), (2.0, 1.1, True)]
    mirrored = [(a, -b, not x) for a, b, x in pattern]
    assert eap(answers(mirrored)).theta == pytest.approx(
        -eap(answers(pattern)).theta, abs=1e-9
    )


def test_answer_order_does_not_change_the_posterior():
    """Every permutation of five answers gives the same posterior (1e-12)."""
    pattern = answers(
        [(1.2, -0.5, True), (0.9, 0.4, False), (2.0, 1.1, True), (0.7, -2, False)]
        + [(1.4, 0.0, True)]
    )
    reference = eap(pattern)
    for permutation in itertools.permutations(pattern):
        posterior = eap(permutation)
        assert posterior.theta == pytest.approx(reference.theta, abs=1e-12)
        assert posterior.se == pytest.approx(reference.se, abs=1e-12)
        assert (
            max(
                abs(x - y)
                for x, y in zip(posterior.weights, reference.weights, strict=True)
            )
            < 1e-12
        )


@pytest.mark.parametrize("correct", [True, False])
def test_all_right_or_all_wrong_patterns_stay_finite(correct):
    """Unlike maximum likelihood, 20 identical answers give a finite θ̂ and SE < 1."""
    posterior = eap(answers([(2.0, b / 5, correct) for b in range(-10, 10)]))
    assert -4 < posterior.theta < 4
    assert posterior.se < 1
    assert (posterior.theta > 1.5) if correct else (posterior.theta < -1.5)


def test_the_grid_is_symmetric_with_161_points():
    """The default grid runs from −4 to 4 in steps of 0.05."""
    assert len(DEFAULT_GRID.points) == 161
    assert DEFAULT_GRID.points[0] == -4.0 and DEFAULT_GRID.points[-1] == 4.0
    assert DEFAULT_GRID.points[81] - DEFAULT_GRID.points[80] == pytest.approx(0.05)
    with pytest.raises(ValueError, match="odd"):
        Grid.regular(4.0, 160)


@settings(max_examples=150, deadline=None)
@given(st.lists(item, max_size=25))
def test_estimate_stays_inside_the_prior_support(pattern):
    """θ̂ lies strictly inside the grid and 0 < SE ≤ the prior SD."""
    posterior = eap(answers(pattern))
    assert -4 < posterior.theta < 4
    assert 0 < posterior.se <= eap([]).se + 1e-9
    assert sum(posterior.weights) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.lists(item, min_size=1, max_size=15), st.data())
def test_turning_a_wrong_answer_right_never_lowers_the_estimate(pattern, data):
    """For a fixed item set, θ̂ is monotone in each answer."""
    index = data.draw(st.integers(min_value=0, max_value=len(pattern) - 1))
    a, b, _ = pattern[index]
    wrong = [*pattern[:index], (a, b, False), *pattern[index + 1 :]]
    right = [*pattern[:index], (a, b, True), *pattern[index + 1 :]]
    assert eap(answers(right)).theta >= eap(answers(wrong)).theta - 1e-12


@settings(max_examples=150, deadline=None)
@given(st.lists(item, max_size=15), st.floats(min_value=0.5, max_value=3.0), st.data())
def test_adding_an_answer_moves_the_estimate_its_way(pattern, a, data):
    """A correct answer never lowers θ̂, a wrong one never raises it."""
    b = data.draw(st.floats(min_value=-3, max_value=3))
    before = eap(answers(pattern)).theta
    assert eap(answers([*pattern, (a, b, True)])).theta >= before - 1e-12
    assert eap(answers([*pattern, (a, b, False)])).theta <= before + 1e-12


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(min_value=-3, max_value=3), min_size=2, max_size=12),
    st.floats(min_value=0.5, max_value=2.5),
)
def test_with_equal_discriminations_more_right_answers_give_a_higher_estimate(bs, a):
    """With one a for all items, θ̂ increases with the number of right answers."""
    estimates = [
        eap(answers([(a, b, i < k) for i, b in enumerate(bs)])).theta
        for k in range(len(bs) + 1)
    ]
    # Which items are right matters little here; the count must order θ̂.
    assert estimates == sorted(estimates)


@settings(max_examples=100, deadline=None)
@given(st.lists(item, max_size=12), st.floats(0.5, 3.0), st.floats(-3, 3))
def test_an_item_reduces_the_expected_posterior_variance(pattern, a, b):
    """Before answering, the predictive-weighted posterior variance never exceeds today's.

    A single surprising answer can widen the posterior; on average over the
    predictive distribution of the answer it cannot (law of total variance).
    """
    now = eap(answers(pattern))
    p_right = sum(
        w * p_correct(t, a, b)
        for w, t in zip(now.weights, DEFAULT_GRID.points, strict=True)
    )
    right = eap(answers([*pattern, (a, b, True)]))
    wrong = eap(answers([*pattern, (a, b, False)]))
    expected = p_right * right.se**2 + (1 - p_right) * wrong.se**2
    assert expected <= now.se**2 + 1e-12


def test_answering_informative_items_shrinks_the_standard_error():
    """Along a simulated test on well-targeted items, SE falls at every step."""
    rng = seeded_rng(4)
    theta, pattern, previous = 0.4, [], eap([]).se
    for _ in range(15):
        estimate = eap(answers(pattern)).theta
        b = estimate
        pattern.append((1.5, b, rng.random() < p_correct(theta, 1.5, b)))
        se = eap(answers(pattern)).se
        assert se < previous
        previous = se
    # SE ≈ 1/sqrt(1 + Σ I) with I = a²/4 per well-targeted item.
    assert previous == pytest.approx(1 / math.sqrt(1 + 15 * 1.5**2 / 4), abs=0.05)


def test_person_fit_flags_an_inverted_pattern():
    """Failing easy items while passing hard ones gives l_z below −2."""
    easy = [(1.5, b, False) for b in (-2.5, -2.0, -1.5, -1.0)]
    hard = [(1.5, b, True) for b in (1.0, 1.5, 2.0, 2.5)]
    inverted = answers(easy + hard)
    lz = person_fit_lz(inverted, eap(inverted).theta)
    assert lz is not None and lz < -2
    consistent = answers([(a, b, not x) for a, b, x in easy + hard])
    assert person_fit_lz(consistent, eap(consistent).theta) > 0
    assert person_fit_lz([], 0.0) is None
