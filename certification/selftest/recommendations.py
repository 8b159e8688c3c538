"""Recommendations of catalogue trainings from self-test results (spec B5).
Owned by the recommendations part; this stub returns nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Recommendation:
    training: Any  # catalogue.TrainingPage
    competence: str
    reason: str
    score: float
    sessions: list  # open catalogue sessions


def recommend(user: Any, *, limit: int = 8) -> list[Recommendation]:
    """Trainings for ``user``'s weakest competences, best first."""
    return []
