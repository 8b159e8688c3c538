"""From θ to a DigCompEdu level A1–C2: cut scores, level probabilities, 80 % range.

Each competence has five increasing cut scores κ₁ < … < κ₅; a θ on a cut goes to
the upper level (spec B3). Cut scores derived from the bank (RP67) or the fallback
are *provisional* until a standard-setting workshop replaces them.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .estimation import Posterior

LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")

# Placeholders used when the bank cannot support a derivation (spec B3).
FALLBACK_CUTS: tuple[float, ...] = (-1.5, -0.5, 0.5, 1.5, 2.5)

# The ability at which a 2PL item is answered correctly 67 % of the time is
# b + ln(0.67/0.33)/a (response probability 67, as in bookmark standard setting).
RP67_OFFSET = math.log(0.67 / 0.33)

MIN_ITEMS_PER_LEVEL = 3
MONOTONIC_GAP = 0.25


@dataclass(frozen=True)
class CutScores:
    """Five increasing cut scores on the θ scale and where they come from."""

    values: tuple[float, ...] = FALLBACK_CUTS
    is_provisional: bool = True
    needs_review: bool = False
    derived_levels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.values) != len(LEVELS) - 1:
            raise ValueError("cut scores need exactly five values")
        if any(b <= a for a, b in zip(self.values, self.values[1:], strict=False)):
            raise ValueError("cut scores must be strictly increasing")

    @classmethod
    def expert(cls, values: Sequence[float]) -> CutScores:
        """Cut scores set by a standard-setting workshop (not provisional)."""
        return cls(tuple(float(v) for v in values), is_provisional=False)


@dataclass(frozen=True)
class AuthoredItem:
    """What the RP67 derivation needs from an item: its authored level and a, b."""

    level: str
    a: float
    b: float


def derive_cut_scores(items: Iterable[AuthoredItem]) -> CutScores:
    """RP67 cut scores for one competence from its calibrated items (spec B3).

    κ_L is the median of b + ln(0.67/0.33)/a over the items authored for level L,
    for each L in A2…C2 with at least three items; other levels keep the fallback
    value. A cut not above the previous one is set to the previous + 0.25 and the
    competence is flagged for review. The result is always provisional.
    """
    by_level: dict[str, list[float]] = {}
    for item in items:
        if item.level in LEVELS[1:] and item.a > 0:
            by_level.setdefault(item.level, []).append(item.b + RP67_OFFSET / item.a)
    values: list[float] = []
    derived: list[str] = []
    needs_review = False
    for index, level in enumerate(LEVELS[1:]):
        points = by_level.get(level, [])
        if len(points) >= MIN_ITEMS_PER_LEVEL:
            value = statistics.median(points)
            derived.append(level)
        else:
            value = FALLBACK_CUTS[index]
        if values and value <= values[-1]:
            value = values[-1] + MONOTONIC_GAP
            needs_review = True
        values.append(value)
    return CutScores(
        tuple(values),
        is_provisional=True,
        needs_review=needs_review,
        derived_levels=tuple(derived),
    )


def level_index(theta: float, cuts: CutScores) -> int:
    """0 for A1 … 5 for C2; a θ exactly on a cut goes to the upper level."""
    return bisect_right(cuts.values, theta)


def level_of(theta: float, cuts: CutScores) -> str:
    """The level code of ``theta``."""
    return LEVELS[level_index(theta, cuts)]


def level_probabilities(posterior: Posterior, cuts: CutScores) -> dict[str, float]:
    """Posterior mass of each level band κ_{L−1} ≤ θ < κ_L."""
    mass = [0.0] * len(LEVELS)
    for point, weight in zip(posterior.grid.points, posterior.weights, strict=True):
        mass[level_index(point, cuts)] += weight
    return dict(zip(LEVELS, mass, strict=True))


@dataclass(frozen=True)
class LevelReading:
    """A level with its confidence and 80 % range, e.g. "B1 (likely A2–B2)"."""

    level: str
    confidence: float
    probabilities: dict[str, float]
    range_low: str
    range_high: str
    theta_q10: float
    theta_q90: float

    def label(self) -> str:
        """Short text form: "B1 (likely A2–B2)", or "B1" when the range is one level."""
        if self.range_low == self.range_high:
            return self.level
        return f"{self.level} (likely {self.range_low}–{self.range_high})"


def read_level(posterior: Posterior, cuts: CutScores) -> LevelReading:
    """The level of the EAP estimate, its posterior probability and 80 % range."""
    probabilities = level_probabilities(posterior, cuts)
    level = level_of(posterior.theta, cuts)
    q10 = posterior.quantile(0.10)
    q90 = posterior.quantile(0.90)
    return LevelReading(
        level=level,
        confidence=probabilities[level],
        probabilities=probabilities,
        range_low=level_of(q10, cuts),
        range_high=level_of(q90, cuts),
        theta_q10=q10,
        theta_q90=q90,
    )


def mean_cut_scores(cuts: Sequence[CutScores]) -> CutScores:
    """Element-wise mean of several competences' cuts (area summaries)."""
    if not cuts:
        return CutScores()
    values = tuple(statistics.fmean(c.values[i] for c in cuts) for i in range(5))
    return CutScores(
        values,
        is_provisional=any(c.is_provisional for c in cuts),
        needs_review=any(c.needs_review for c in cuts),
    )


def median_level(levels: Iterable[str]) -> str | None:
    """The median level (the lower one of the middle two for an even count)."""
    ranks = [LEVELS.index(level) for level in levels]
    if not ranks:
        return None
    return LEVELS[statistics.median_low(ranks)]


def is_likely_real_change(theta1: float, se1: float, theta2: float, se2: float) -> bool:
    """A change between two attempts is "likely real" past 1.96 combined SEs (B4)."""
    return abs(theta2 - theta1) > 1.96 * math.sqrt(se1 * se1 + se2 * se2)


def scaled_score(theta: float) -> int:
    """0–1000 = round(1000·Φ(θ)): a percentile of the calibration population."""
    return round(1000 * 0.5 * (1.0 + math.erf(theta / math.sqrt(2.0))))
