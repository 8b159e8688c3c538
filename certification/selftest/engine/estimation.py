"""Ability estimation: EAP on a fixed N(0, 1) prior over a quadrature grid.

The log-posterior on grid point g is ln π_g + Σ_j ln P(x_j | θ_g); the estimate is
the posterior mean and its standard error the posterior standard deviation (spec
B2). The prior never moves, so the result does not depend on answer order.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .irt import log_likelihood, p_correct


@dataclass(frozen=True)
class ScoredAnswer:
    """One scored answer as the estimator sees it: item parameters and 0/1."""

    a: float
    b: float
    c: float
    correct: bool


@dataclass(frozen=True)
class Grid:
    """Quadrature points, symmetric around 0, with the N(0, 1) log-prior (unnormalised)."""

    points: tuple[float, ...]
    log_prior: tuple[float, ...]
    squares: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "squares", tuple(t * t for t in self.points))

    @classmethod
    def regular(cls, bound: float = 4.0, size: int = 161) -> Grid:
        """``size`` evenly spaced points on [−bound, bound] (161 → step 0.05)."""
        if size < 3 or size % 2 == 0:
            raise ValueError("the grid needs an odd number of points (≥ 3)")
        half = size // 2
        step = bound / half
        # (i − half)·step is exactly symmetric, so negating a pattern negates θ̂.
        points = tuple((i - half) * step for i in range(size))
        return cls(points, tuple(-0.5 * t * t for t in points))


DEFAULT_GRID = Grid.regular()


@dataclass(frozen=True)
class Posterior:
    """Posterior on the grid: EAP ``theta``, posterior SD ``se`` and the weights."""

    grid: Grid
    # Unnormalised weights exp(ℓ_g − max ℓ) and their sum; ``weights`` divides.
    raw_weights: tuple[float, ...] = field(repr=False)
    norm: float = field(repr=False)
    theta: float
    se: float

    @cached_property
    def weights(self) -> tuple[float, ...]:
        """Normalised posterior weights w_g (computed on first use)."""
        norm = self.norm
        return tuple(w / norm for w in self.raw_weights)

    def quantile(self, p: float) -> float:
        """The first grid point whose cumulative weight reaches ``p``."""
        total = 0.0
        for point, weight in zip(self.grid.points, self.weights, strict=True):
            total += weight
            if total >= p - 1e-12:
                return point
        return self.grid.points[-1]


# Log-likelihood vectors are shared by every engine of the process: a bank has at
# most two per item (right, wrong). About 5 kB each.
_VECTOR_CACHE_SIZE = 4096


@lru_cache(maxsize=_VECTOR_CACHE_SIZE)
def _cached_vector(
    points: tuple[float, ...], a: float, b: float, c: float, correct: bool
) -> tuple[float, ...]:
    return tuple(log_likelihood(points, a, b, c, correct))


def answer_log_likelihood(grid: Grid, answer: ScoredAnswer) -> tuple[float, ...]:
    """ln P(x | θ_g) of one answer on the grid (cached)."""
    return _cached_vector(grid.points, answer.a, answer.b, answer.c, answer.correct)


def sum_log_likelihood(
    grid: Grid, answers: Iterable[ScoredAnswer], start: Sequence[float] | None = None
) -> list[float] | None:
    """Σ ln P(x_j | θ_g) over ``answers``, added left to right onto ``start``."""
    total = list(start) if start is not None else None
    for answer in answers:
        values = answer_log_likelihood(grid, answer)
        total = (
            list(values) if total is None else list(map(operator.add, total, values))
        )
    return total


def posterior_from_log_likelihood(
    grid: Grid, log_lik: Sequence[float] | None
) -> Posterior:
    """Combine a summed log-likelihood (``None``: no answers) with the prior."""
    if log_lik is None:
        log_post = grid.log_prior
    else:
        log_post = tuple(map(operator.add, grid.log_prior, log_lik))
    peak = max(log_post)
    exp = math.exp
    raw = tuple([exp(v - peak) for v in log_post])
    norm = math.fsum(raw)
    theta = math.fsum(map(operator.mul, raw, grid.points)) / norm
    # E[θ²] − θ̂²: exact summation keeps the cancellation error near 1e-15.
    second = math.fsum(map(operator.mul, raw, grid.squares)) / norm
    variance = max(second - theta * theta, 0.0)
    return Posterior(grid, raw, norm, theta, math.sqrt(variance))


def eap(answers: Iterable[ScoredAnswer], grid: Grid = DEFAULT_GRID) -> Posterior:
    """The EAP posterior for ``answers`` (any order gives the same result)."""
    return posterior_from_log_likelihood(grid, sum_log_likelihood(grid, answers))


def person_fit_lz(answers: Sequence[ScoredAnswer], theta: float) -> float | None:
    """Standardised log-likelihood l_z of the pattern at ``theta`` (spec B8).

    Strongly negative values (below −2) flag an unlikely pattern, e.g. failing
    easy items while passing hard ones. ``None`` when undefined (no variance).
    """
    observed = expected = variance = 0.0
    for answer in answers:
        p = p_correct(theta, answer.a, answer.b, answer.c)
        p = min(max(p, 1e-9), 1.0 - 1e-9)
        q = 1.0 - p
        log_ratio = math.log(p / q)
        observed += math.log(p) if answer.correct else math.log(q)
        expected += p * math.log(p) + q * math.log(q)
        variance += p * q * log_ratio * log_ratio
    if variance <= 1e-12:
        return None
    return (observed - expected) / math.sqrt(variance)
