"""What one test is: mode, competences and the limits of the blueprint (spec B1/B2)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from .bank import area_of
from .levels import CutScores

# A session measures at most this many competences, or one whole area (spec B0).
MAX_PROFILE_COMPETENCES = 6


class Mode(enum.StrEnum):
    # One θ per competence: the main mode.
    PROFILE = "profile"
    # One global θ, content-balanced across the areas of the selected competences.
    GLOBAL = "global"


class PickMethod(enum.StrEnum):
    # Uniform among the top K (default).
    UNIFORM = "uniform"
    # Truncated geometric, as Pix's "binary tree random": the first with
    # probability p, otherwise recurse on the rest.
    GEOMETRIC = "geometric"


@dataclass(frozen=True)
class Config:
    """A test blueprint as the engine needs it; defaults are the spec's."""

    competences: tuple[str, ...]
    mode: Mode = Mode.PROFILE
    locale: str | None = None
    min_items_per_competence: int = 3
    max_items_per_competence: int = 8
    se_target_competence: float = 0.55
    min_items_total: int = 8
    # None: 30 in global mode, 48 in profile mode.
    max_items_total: int | None = None
    se_target_global: float = 0.40
    top_k: int = 5
    pick_method: PickMethod = PickMethod.UNIFORM
    geometric_p: float = 0.51
    # None: no ceiling. Applies once ``exposure_min_sessions`` sessions exist.
    exposure_ceiling: float | None = 0.30
    exposure_min_sessions: int = 50
    pretest_items_per_attempt: int = 1
    warm_up: bool = True
    warm_up_min_p: float = 0.6
    time_limit_seconds: float | None = None
    # Target share per area in global mode (Kingsbury–Zara); None: equal shares.
    area_shares: Mapping[str, float] | None = None
    # Cut scores per competence; missing ones are derived from the bank (RP67).
    cut_scores: Mapping[str, CutScores] = field(default_factory=dict)
    # Quadrature grid: ``grid_size`` points on [−grid_bound, grid_bound].
    grid_bound: float = 4.0
    grid_size: int = 161

    def __post_init__(self) -> None:
        object.__setattr__(self, "competences", tuple(self.competences))
        object.__setattr__(self, "mode", Mode(self.mode))
        object.__setattr__(self, "pick_method", PickMethod(self.pick_method))
        if not self.competences:
            raise ValueError("a test needs at least one competence")
        if len(set(self.competences)) != len(self.competences):
            raise ValueError("competences are listed twice")
        if self.mode == Mode.PROFILE:
            one_area = len({area_of(c) for c in self.competences}) == 1
            if len(self.competences) > MAX_PROFILE_COMPETENCES and not one_area:
                raise ValueError(
                    "a profile session covers at most "
                    f"{MAX_PROFILE_COMPETENCES} competences or one area"
                )
        if not 1 <= self.min_items_per_competence <= self.max_items_per_competence:
            raise ValueError("need 1 ≤ min items per competence ≤ max")
        if self.min_items_total < 1 or self.effective_max_items_total < 1:
            raise ValueError("item limits must be positive")
        if self.top_k < 1:
            raise ValueError("top_k must be ≥ 1")
        if not 0.0 < self.geometric_p <= 1.0:
            raise ValueError("geometric_p must be in (0, 1]")
        if self.exposure_ceiling is not None and not 0.0 < self.exposure_ceiling <= 1.0:
            raise ValueError("the exposure ceiling must be in (0, 1]")
        if self.pretest_items_per_attempt < 0:
            raise ValueError("pretest items per attempt must be ≥ 0")
        if self.area_shares is not None:
            unknown = set(self.area_shares) - set(self.areas)
            if unknown or any(share < 0 for share in self.area_shares.values()):
                raise ValueError("area shares must be ≥ 0 and name tested areas")

    @property
    def areas(self) -> tuple[str, ...]:
        """The tested areas, in blueprint order."""
        return tuple(dict.fromkeys(area_of(c) for c in self.competences))

    @property
    def effective_max_items_total(self) -> int:
        if self.max_items_total is not None:
            return self.max_items_total
        return 30 if self.mode == Mode.GLOBAL else 48

    def area_share(self, area: str) -> float:
        """The target share of ``area`` (normalised over the tested areas)."""
        if self.area_shares is None:
            return 1.0 / len(self.areas)
        total = sum(self.area_shares.get(a, 0.0) for a in self.areas)
        if total <= 0:
            return 1.0 / len(self.areas)
        return self.area_shares.get(area, 0.0) / total

    @property
    def min_test_length(self) -> int:
        """Scored items the test needs before any precision stop can fire."""
        if self.mode == Mode.GLOBAL:
            return min(self.min_items_total, self.effective_max_items_total)
        return min(
            self.min_items_per_competence * len(self.competences),
            self.effective_max_items_total,
        )
