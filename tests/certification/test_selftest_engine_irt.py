"""The 2PL/3PL response and information functions of the self-test engine (spec C1)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certification.selftest.engine.irt import information, p_correct, p_correct_many

discrimination = st.floats(min_value=0.2, max_value=3.0)
difficulty = st.floats(min_value=-3.0, max_value=3.0)
guessing = st.floats(min_value=0.0, max_value=0.35)


def test_probability_is_one_half_at_the_difficulty():
    """A 2PL item is answered correctly half the time by an examinee at θ = b."""
    assert p_correct(0.7, 1.3, 0.7) == pytest.approx(0.5, abs=1e-15)
    assert p_correct(0.0, 1.0, 1.0) == pytest.approx(1 / (1 + math.e), abs=1e-15)


def test_three_parameter_probability_at_the_difficulty_is_halfway_above_guessing():
    """With a guessing floor c, P(b) = c + (1 − c)/2."""
    assert p_correct(-0.4, 1.8, -0.4, 0.2) == pytest.approx(0.6, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(discrimination, difficulty, guessing, st.floats(min_value=-4, max_value=3.9))
def test_probability_increases_with_ability(a, b, c, theta):
    """P is strictly increasing in θ for a > 0 (away from saturation)."""
    assert p_correct(theta + 0.1, a, b, c) > p_correct(theta, a, b, c)


def test_vectorised_probability_equals_the_scalar_one():
    """``p_correct_many`` gives exactly the scalar values."""
    thetas = [-2.5, -1.0, 0.0, 0.3, 2.0]
    assert p_correct_many(thetas, 1.4, 0.2, 0.1) == [
        p_correct(t, 1.4, 0.2, 0.1) for t in thetas
    ]


@pytest.mark.parametrize(("a", "b"), [(1.0, 0.0), (2.2, -1.3), (0.6, 2.5)])
def test_information_peaks_at_the_difficulty_with_a_squared_over_four(a, b):
    """2PL information is maximal at θ = b where it equals a²/4."""
    assert information(b, a, b) == pytest.approx(a * a / 4, rel=1e-12)
    for offset in (-0.3, -0.01, 0.01, 0.3):
        assert information(b + offset, a, b) < information(b, a, b)


@settings(max_examples=100, deadline=None)
@given(discrimination, difficulty, guessing, st.floats(min_value=-3, max_value=3))
def test_information_equals_squared_slope_over_pq(a, b, c, theta):
    """I(θ) = P′(θ)²/(PQ) by a central numerical derivative, for 2PL and 3PL.

    Where I is tiny the difference quotient's rounding error dominates, hence the
    absolute floor.
    """
    h = 1e-5
    slope = (p_correct(theta + h, a, b, c) - p_correct(theta - h, a, b, c)) / (2 * h)
    p = p_correct(theta, a, b, c)
    assert information(theta, a, b, c) == pytest.approx(
        slope * slope / (p * (1 - p)), rel=1e-6, abs=1e-9
    )
