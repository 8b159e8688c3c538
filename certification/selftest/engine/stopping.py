"""When the test stops, and why (spec B2 "Stop rule")."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from .config import Config, Mode


class StopReason(enum.StrEnum):
    # Profile mode: no competence is open any more.
    COMPETENCES_DONE = "competences_done"
    # Global mode: enough items and SE ≤ target.
    PRECISION_REACHED = "precision_reached"
    MAX_ITEMS = "max_items"
    POOL_EXHAUSTED = "pool_exhausted"
    TIMEOUT = "timeout"
    # Set by the caller when the teacher quits or after 24 h without activity.
    ABANDONED = "abandoned"


def open_competences(
    config: Config, counts: Mapping[str, int], se: Mapping[str, float]
) -> list[str]:
    """Profile mode: competences that still need items, in blueprint order.

    Open means n_c < max_c and (n_c < min_c or SE_c > target).
    """
    return [
        c
        for c in config.competences
        if counts[c] < config.max_items_per_competence
        and (
            counts[c] < config.min_items_per_competence
            or se[c] > config.se_target_competence
        )
    ]


def stop_reason(
    config: Config,
    *,
    served: int,
    scored: int,
    counts: Mapping[str, int],
    se: Mapping[str, float],
    global_se: float | None,
    elapsed_seconds: float | None,
) -> StopReason | None:
    """The first stop rule that holds, or None to go on.

    ``served`` counts every item served (pretest included): it bounds the length a
    teacher sees. ``scored`` and ``counts`` count scored items only.
    Pool exhaustion is found by the selection, not here.
    """
    if (
        config.time_limit_seconds is not None
        and elapsed_seconds is not None
        and elapsed_seconds >= config.time_limit_seconds
    ):
        return StopReason.TIMEOUT
    if config.mode == Mode.PROFILE:
        if not open_competences(config, counts, se):
            return StopReason.COMPETENCES_DONE
    elif (
        scored >= config.min_items_total
        and global_se is not None
        and global_se <= config.se_target_global
    ):
        return StopReason.PRECISION_REACHED
    if served >= config.effective_max_items_total:
        return StopReason.MAX_ITEMS
    return None
