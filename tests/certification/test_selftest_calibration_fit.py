"""The online-calibration fit (pure Python): MAP recovery of known (a, b) on
seeded simulated answers, honest standard errors, promotion gates at their
edges, and the point-biserial correlation against hand-computed values."""

from __future__ import annotations

import math
import random

import pytest

from certification.selftest.engine import p_correct
from certification.selftest.online_fit import (
    A_OUT_OF_RANGE,
    B_OUT_OF_RANGE,
    MISFIT,
    NOT_CONVERGED,
    SE_B_TOO_LARGE,
    Fit,
    GroupFit,
    fit_item,
    point_biserial,
    promotion_reasons,
)
from certification.selftest.online_fit import (
    _derivatives as derivatives,
)
from certification.selftest.online_fit import (
    _log_posterior as log_posterior,
)


def _simulate(seed: int, n: int, a: float, b: float) -> tuple[list[float], list[bool]]:
    rng = random.Random(seed)  # noqa: S311 (reproducible simulation)
    thetas = [rng.gauss(0.0, 1.0) for _ in range(n)]
    return thetas, [rng.random() < p_correct(t, a, b) for t in thetas]


@pytest.mark.parametrize(
    ("a", "b"),
    [(1.0, 0.0), (1.5, -1.0), (0.7, 1.5), (2.2, 0.5), (1.2, -2.0)],
)
def test_map_fit_recovers_known_parameters(a, b):
    """With 3,000 seeded answers, b̂ lands within 4 SE and 0.25 of b, â within 20 %."""
    thetas, answers = _simulate(int(10 * a + 100 * b + 1000), 3000, a, b)
    fit = fit_item(thetas, answers)
    assert fit.converged
    assert abs(fit.b - b) <= min(0.25, 4 * fit.se_b)
    assert abs(fit.a - a) <= min(0.2 * a, 4 * fit.se_a)


def test_the_mode_is_a_stationary_point_of_the_log_posterior():
    """At the estimate the gradient vanishes and any nudge lowers the log-posterior."""
    thetas, answers = _simulate(7, 400, 1.3, 0.4)
    fit = fit_item(thetas, answers)
    alpha = math.log(fit.a)
    (g_alpha, g_b), _hessian = derivatives(thetas, answers, alpha, fit.b)
    assert abs(g_alpha) < 1e-6 and abs(g_b) < 1e-6
    best = log_posterior(thetas, answers, alpha, fit.b)
    for d_alpha, d_b in ((0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)):
        assert log_posterior(thetas, answers, alpha + d_alpha, fit.b + d_b) < best


def test_standard_errors_match_a_numerical_hessian():
    """SE(b) and SE(a) equal those from a finite-difference Hessian (rel. 1e-3)."""
    thetas, answers = _simulate(8, 500, 0.9, -0.6)
    fit = fit_item(thetas, answers)
    alpha, b, h = math.log(fit.a), fit.b, 1e-4

    def f(x: float, y: float) -> float:
        return log_posterior(thetas, answers, x, y)

    h11 = (f(alpha + h, b) - 2 * f(alpha, b) + f(alpha - h, b)) / h**2
    h22 = (f(alpha, b + h) - 2 * f(alpha, b) + f(alpha, b - h)) / h**2
    h12 = (
        f(alpha + h, b + h)
        - f(alpha + h, b - h)
        - f(alpha - h, b + h)
        + f(alpha - h, b - h)
    ) / (4 * h**2)
    det = h11 * h22 - h12 * h12
    assert fit.se_b == pytest.approx(math.sqrt(-h11 / det), rel=1e-3)
    assert fit.se_a == pytest.approx(fit.a * math.sqrt(-h22 / det), rel=1e-3)


def test_reported_se_b_covers_the_true_b_at_the_nominal_rate():
    """Over 200 seeded items of 400 answers, b ± 1.96·SE_b covers b 90–99 % of the time."""
    covered = 0
    for seed in range(200):
        thetas, answers = _simulate(5000 + seed, 400, 1.2, 0.5)
        fit = fit_item(thetas, answers)
        covered += abs(fit.b - 0.5) <= 1.96 * fit.se_b
    assert 0.90 <= covered / 200 <= 0.99


def test_all_right_answers_still_give_a_finite_estimate():
    """The priors keep a perfect pattern finite (b far below the respondents)."""
    fit = fit_item([0.0, 0.5, -0.5] * 20, [True] * 60)
    assert math.isfinite(fit.a) and math.isfinite(fit.b)
    assert fit.b < -1.5
    assert fit.se_b > 0.35  # so it cannot be promoted on such data


def _fit(a=1.0, b=0.0, se_b=0.2, converged=True, gaps=()) -> Fit:
    groups = tuple(
        GroupFit(n=n, theta_mean=0.0, observed=0.5 + gap, expected=0.5)
        for n, gap in gaps
    )
    return Fit(
        a=a, b=b, se_a=0.1, se_b=se_b, n=300, iterations=5, converged=converged,
        groups=groups,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"a": 0.4}, None),
        ({"a": 0.399}, A_OUT_OF_RANGE),
        ({"a": 3.0}, None),
        ({"a": 3.001}, A_OUT_OF_RANGE),
        ({"b": 3.5}, None),
        ({"b": -3.5}, None),
        ({"b": -3.501}, B_OUT_OF_RANGE),
        ({"se_b": 0.35}, None),
        ({"se_b": 0.3501}, SE_B_TOO_LARGE),
        ({"se_b": math.inf}, SE_B_TOO_LARGE),
        ({"gaps": [(30, 0.10)]}, None),
        ({"gaps": [(30, 0.1001)]}, MISFIT),
        ({"gaps": [(29, 0.30)]}, None),  # a decile under 30 answers is not judged
        ({"gaps": [(30, -0.11)]}, MISFIT),
        ({"converged": False}, NOT_CONVERGED),
    ],
)
def test_promotion_gates_at_their_edges(fields, code):
    """0.4 ≤ a ≤ 3.0, |b| ≤ 3.5, SE_b ≤ 0.35, decile gap ≤ 0.10 (n ≥ 30) promote."""
    reasons = promotion_reasons(_fit(**fields))
    assert [r["code"] for r in reasons] == ([] if code is None else [code])


def test_every_failed_gate_is_reported():
    """An item failing several gates lists each reason."""
    reasons = promotion_reasons(_fit(a=0.2, b=4.0, se_b=0.5, gaps=[(40, 0.2)]))
    assert [r["code"] for r in reasons] == [
        A_OUT_OF_RANGE,
        B_OUT_OF_RANGE,
        SE_B_TOO_LARGE,
        MISFIT,
    ]
    assert reasons[0]["value"] == 0.2


def test_a_misfitting_item_is_caught_by_the_decile_check():
    """Answers from a non-monotone item (right only in the middle) fail the fit check."""
    rng = random.Random(4)  # noqa: S311
    thetas = [rng.gauss(0.0, 1.0) for _ in range(1000)]
    answers = [rng.random() < (0.9 if abs(t) < 0.7 else 0.1) for t in thetas]
    fit = fit_item(thetas, answers)
    assert MISFIT in [r["code"] for r in promotion_reasons(fit)]


def test_point_biserial_matches_a_hand_computation():
    """x = 1,1,0,0 with θ̂ = 2,1,0,−1: mean θ 0.5, SD √1.25, p = 0.5, M1 − M0 = 2
    → r = 2·0.5/√1.25 = 0.894427…"""
    x = [1, 1, 0, 0]
    t = [2.0, 1.0, 0.0, -1.0]
    r = point_biserial(
        4,
        sum(x),
        sum(t),
        sum(v * v for v in t),
        sum(a * b for a, b in zip(x, t, strict=True)),
    )
    assert r == pytest.approx(1.0 / math.sqrt(1.25), abs=1e-12)


def test_point_biserial_is_undefined_without_variance():
    """All right (or a single θ̂) gives no correlation rather than a division by 0."""
    assert point_biserial(3, 3, 1.0, 1.0, 1.0) is None
    assert point_biserial(3, 1, 0.0, 0.0, 0.0) is None
    assert point_biserial(1, 1, 1.0, 1.0, 1.0) is None
