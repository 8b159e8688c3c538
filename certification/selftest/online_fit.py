"""The online-calibration fit of one item, in pure Python (no Django, no numpy).

MAP logistic regression of an item's 0/1 answers on the respondents' θ̂
(Stocking's method A, spec B10): 2PL, priors ln a ~ N(0, 0.5²) and
b ~ N(0, 2²), damped Newton–Raphson on (ln a, b), standard errors from the
inverse Hessian, observed against expected proportion correct per θ decile;
the promotion gates; the point-biserial correlation from running sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine.irt import p_correct

#: Priors of the MAP fit: ln a ~ N(0, 0.5²), b ~ N(0, 2²).
PRIOR_LOG_A_SD = 0.5
PRIOR_B_SD = 2.0
#: Promotion gates (spec B10).
A_RANGE = (0.4, 3.0)
B_LIMIT = 3.5
SE_B_LIMIT = 0.35
FIT_MAX_GAP = 0.10
FIT_MIN_GROUP = 30
FIT_GROUPS = 10
# Reason codes stored in the report; the staff page shows them in French.
TOO_FEW_RESPONSES = "too_few_responses"
NOT_CONVERGED = "not_converged"
A_OUT_OF_RANGE = "a_out_of_range"
B_OUT_OF_RANGE = "b_out_of_range"
SE_B_TOO_LARGE = "se_b_too_large"
MISFIT = "misfit"
CHANGED_DURING_RUN = "changed_during_run"


@dataclass(frozen=True)
class GroupFit:
    """Observed against expected proportion correct in one θ decile."""

    n: int
    theta_mean: float
    observed: float
    expected: float

    @property
    def gap(self) -> float:
        return abs(self.observed - self.expected)


@dataclass(frozen=True)
class Fit:
    """MAP estimates of one item's (a, b) with standard errors and decile fit."""

    a: float
    b: float
    se_a: float
    se_b: float
    n: int
    iterations: int
    converged: bool
    groups: tuple[GroupFit, ...] = field(default=())

    @property
    def max_gap(self) -> float | None:
        """The largest decile gap among groups of ≥ 30 responses (None: none)."""
        gaps = [g.gap for g in self.groups if g.n >= FIT_MIN_GROUP]
        return max(gaps) if gaps else None


def _log_posterior(
    thetas: Sequence[float], answers: Sequence[bool], alpha: float, b: float
) -> float:
    a = math.exp(alpha)
    total = -0.5 * (alpha / PRIOR_LOG_A_SD) ** 2 - 0.5 * (b / PRIOR_B_SD) ** 2
    for theta, x in zip(thetas, answers, strict=True):
        z = a * (theta - b)
        # ln σ(z) and ln(1 − σ(z)) without overflow.
        log_p = -math.log1p(math.exp(-z)) if z > -30 else z
        log_q = -math.log1p(math.exp(z)) if z < 30 else -z
        total += log_p if x else log_q
    return total


def _derivatives(
    thetas: Sequence[float], answers: Sequence[bool], alpha: float, b: float
) -> tuple[tuple[float, float], tuple[float, float, float]]:
    """Gradient (∂α, ∂b) and observed Hessian (αα, αb, bb) of the log-posterior
    in α = ln a and b, for P = σ(a(θ − b))."""
    a = math.exp(alpha)
    g_alpha = -alpha / PRIOR_LOG_A_SD**2
    g_b = -b / PRIOR_B_SD**2
    h_aa = -1.0 / PRIOR_LOG_A_SD**2
    h_ab = 0.0
    h_bb = -1.0 / PRIOR_B_SD**2
    for theta, x in zip(thetas, answers, strict=True):
        z = a * (theta - b)
        p = p_correct(theta, a, b)
        w = p * (1.0 - p)
        r = (1.0 if x else 0.0) - p
        g_alpha += r * z
        g_b -= r * a
        h_aa += r * z - w * z * z
        h_ab += w * a * z - r * a
        h_bb -= w * a * a
    return (g_alpha, g_b), (h_aa, h_ab, h_bb)


def _decile_groups(
    thetas: Sequence[float], answers: Sequence[bool], a: float, b: float
) -> tuple[GroupFit, ...]:
    """Responses split into ``FIT_GROUPS`` θ groups of (nearly) equal size."""
    ordered = sorted(zip(thetas, answers, strict=True), key=lambda pair: pair[0])
    n = len(ordered)
    groups = []
    for k in range(FIT_GROUPS):
        chunk = ordered[k * n // FIT_GROUPS : (k + 1) * n // FIT_GROUPS]
        if not chunk:
            continue
        size = len(chunk)
        groups.append(
            GroupFit(
                n=size,
                theta_mean=math.fsum(t for t, _x in chunk) / size,
                observed=sum(1 for _t, x in chunk if x) / size,
                expected=math.fsum(p_correct(t, a, b) for t, _x in chunk) / size,
            )
        )
    return tuple(groups)


def fit_item(
    thetas: Sequence[float],
    answers: Sequence[bool],
    *,
    max_iterations: int = 100,
    tolerance: float = 1e-8,
) -> Fit:
    """MAP (a, b) of a 2PL item from abilities and 0/1 answers (method A).

    Newton–Raphson on (ln a, b), falling back to Fisher scoring when the
    observed Hessian is not negative definite, each step halved until the
    log-posterior rises. The log-normal prior on a keeps the problem well posed
    even for all-right or all-wrong patterns. SE(b) and SE(a) = a·SE(ln a) come
    from the inverse of the negative Hessian at the mode.
    """
    if len(thetas) != len(answers):
        raise ValueError("one ability per answer")
    alpha, b = 0.0, 0.0
    current = _log_posterior(thetas, answers, alpha, b)
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (used after)
        (g1, g2), (h11, h12, h22) = _derivatives(thetas, answers, alpha, b)
        det = h11 * h22 - h12 * h12
        if not (h11 < 0 and det > 0):
            # Fisher scoring: the expected information is always positive definite.
            a = math.exp(alpha)
            e11 = -1.0 / PRIOR_LOG_A_SD**2
            e12 = 0.0
            e22 = -1.0 / PRIOR_B_SD**2
            for theta in thetas:
                z = a * (theta - b)
                w = p_correct(theta, a, b) * (1.0 - p_correct(theta, a, b))
                e11 -= w * z * z
                e12 += w * a * z
                e22 -= w * a * a
            h11, h12, h22 = e11, e12, e22
            det = h11 * h22 - h12 * h12
        # Newton step: Δ = −H⁻¹ g.
        d_alpha = -(h22 * g1 - h12 * g2) / det
        d_b = -(-h12 * g1 + h11 * g2) / det
        step = 1.0
        while step > 1e-6:
            candidate_alpha = alpha + step * d_alpha
            candidate_b = b + step * d_b
            value = _log_posterior(thetas, answers, candidate_alpha, candidate_b)
            if value >= current - 1e-12:
                break
            step /= 2
        else:
            break
        alpha, b, current = candidate_alpha, candidate_b, value
        if max(abs(step * d_alpha), abs(step * d_b)) < tolerance:
            converged = True
            break
    (_g1, _g2), (h11, h12, h22) = _derivatives(thetas, answers, alpha, b)
    det = h11 * h22 - h12 * h12
    a = math.exp(alpha)
    if h11 < 0 and det > 0:
        var_alpha = -h22 / det
        var_b = -h11 / det
        se_a = a * math.sqrt(var_alpha)
        se_b = math.sqrt(var_b)
    else:
        se_a = se_b = math.inf
        converged = False
    return Fit(
        a=a,
        b=b,
        se_a=se_a,
        se_b=se_b,
        n=len(answers),
        iterations=iterations,
        converged=converged,
        groups=_decile_groups(thetas, answers, a, b),
    )


def promotion_reasons(fit: Fit) -> list[dict[str, Any]]:
    """Why ``fit`` does not allow promotion (empty: promote), as reason codes."""
    reasons: list[dict[str, Any]] = []
    if not fit.converged:
        reasons.append({"code": NOT_CONVERGED})
    if not A_RANGE[0] <= fit.a <= A_RANGE[1]:
        reasons.append({"code": A_OUT_OF_RANGE, "value": round(fit.a, 3)})
    if abs(fit.b) > B_LIMIT:
        reasons.append({"code": B_OUT_OF_RANGE, "value": round(fit.b, 3)})
    if not fit.se_b <= SE_B_LIMIT:
        value = fit.se_b if math.isfinite(fit.se_b) else None
        reasons.append(
            {
                "code": SE_B_TOO_LARGE,
                "value": None if value is None else round(value, 3),
            }
        )
    misfits = [
        g for g in fit.groups if g.n >= FIT_MIN_GROUP and g.gap > FIT_MAX_GAP + 1e-12
    ]
    if misfits:
        reasons.append({"code": MISFIT, "value": round(max(g.gap for g in misfits), 3)})
    return reasons


def point_biserial(
    n: int, sum_x: float, sum_t: float, sum_tt: float, sum_xt: float
) -> float | None:
    """Pearson correlation of a 0/1 score with θ̂ from the sums (None if undefined)."""
    if n < 2:
        return None
    cov = sum_xt / n - (sum_x / n) * (sum_t / n)
    var_x = sum_x / n - (sum_x / n) ** 2
    var_t = sum_tt / n - (sum_t / n) ** 2
    if var_x <= 1e-12 or var_t <= 1e-12:
        return None
    return cov / math.sqrt(var_x * var_t)
