"""Item response functions: 2PL (and 3PL) probability of success and Fisher information.

Plain logistic metric, no D = 1.702 scaling: P(θ) = c + (1 − c) / (1 + exp(−a(θ − b))).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Keeps exp() finite for any θ, a and b the engine can meet; the probability is
# already 1 − 4e-18 at this distance.
_Z_LIMIT = 40.0

# P is clamped into [P_FLOOR, 1 − P_FLOOR] before taking logs (spec B2), so
# that all-correct and all-wrong patterns keep a finite likelihood.
P_FLOOR = 1e-9


def p_correct(theta: float, a: float, b: float, c: float = 0.0) -> float:
    """Probability of a correct answer at ability ``theta``."""
    z = a * (theta - b)
    if z > _Z_LIMIT:
        z = _Z_LIMIT
    elif z < -_Z_LIMIT:
        z = -_Z_LIMIT
    return c + (1.0 - c) / (1.0 + math.exp(-z))


def p_correct_many(
    thetas: Iterable[float], a: float, b: float, c: float = 0.0
) -> list[float]:
    """``p_correct`` at each of ``thetas``."""
    return [p_correct(theta, a, b, c) for theta in thetas]


def information(theta: float, a: float, b: float, c: float = 0.0) -> float:
    """Fisher information of the item at ``theta``.

    2PL: a²PQ. 3PL: a²(Q/P)((P − c)/(1 − c))², which reduces to a²PQ when c = 0.
    """
    p = p_correct(theta, a, b, c)
    q = 1.0 - p
    if c == 0.0:
        return a * a * p * q
    if p <= 0.0:
        return 0.0
    ratio = (p - c) / (1.0 - c)
    return a * a * (q / p) * ratio * ratio


def log_likelihood(
    thetas: Iterable[float], a: float, b: float, c: float, correct: bool
) -> list[float]:
    """ln P(x | θ) at each of ``thetas`` for one dichotomous answer, P clamped."""
    # Inlined p_correct: this runs for every answer on every grid point.
    exp, log = math.exp, math.log
    low, high = P_FLOOR, 1.0 - P_FLOOR
    values = []
    for theta in thetas:
        z = a * (theta - b)
        z = _Z_LIMIT if z > _Z_LIMIT else -_Z_LIMIT if z < -_Z_LIMIT else z
        p = c + (1.0 - c) / (1.0 + exp(-z))
        p = low if p < low else high if p > high else p
        values.append(log(p) if correct else log(1.0 - p))
    return values
