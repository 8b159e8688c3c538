"""The adaptive engine of the competency self-test, in pure Python (no Django).

2PL items, EAP ability on a fixed N(0, 1) prior, maximum-information selection
with content balancing, randomesque top-K and an exposure ceiling, SE-based
stopping, and θ → DigCompEdu level (spec ``selftest.md`` B2, B3, B8). The Django
layer builds a ``Bank`` and a ``Config`` from its models, keeps ``State.to_json()``
on the attempt, and calls ``Engine(bank, config, seed)`` on each request.
"""

from .bank import Bank, ExposureStats, Item, ItemStatus, area_of
from .config import Config, Mode, PickMethod
from .estimation import DEFAULT_GRID, Grid, Posterior, ScoredAnswer, eap
from .irt import information, p_correct
from .levels import LEVELS, CutScores, derive_cut_scores, level_of
from .session import (
    GLOBAL_SCOPE,
    Answer,
    AttemptFinished,
    CompetenceResult,
    Engine,
    EngineError,
    ItemNotServed,
    Result,
    State,
    retake_theta_start,
)
from .stopping import StopReason

__all__ = [
    "DEFAULT_GRID",
    "GLOBAL_SCOPE",
    "LEVELS",
    "Answer",
    "AttemptFinished",
    "Bank",
    "CompetenceResult",
    "Config",
    "CutScores",
    "Engine",
    "EngineError",
    "ExposureStats",
    "Grid",
    "Item",
    "ItemNotServed",
    "ItemStatus",
    "Mode",
    "PickMethod",
    "Posterior",
    "Result",
    "ScoredAnswer",
    "State",
    "StopReason",
    "area_of",
    "derive_cut_scores",
    "eap",
    "information",
    "level_of",
    "p_correct",
    "retake_theta_start",
]
