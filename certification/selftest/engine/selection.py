"""Choosing the next item: eligibility filters, what to measure next, top-K pick (spec B2)."""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .bank import ExposureStats, Item
from .config import Config, PickMethod
from .irt import information, p_correct

logger = logging.getLogger(__name__)

Predicate = Callable[[Item], bool]


@dataclass(frozen=True)
class AttemptContext:
    """What the hard filters need from the attempt so far."""

    administered: frozenset[str]
    used_families: frozenset[str]
    accessibility_needs: frozenset[str]
    seen_before: frozenset[str]
    seen_families: frozenset[str]


def is_hard_eligible(item: Item, context: AttemptContext, locale: str | None) -> bool:
    """Hard filters 1–4: locale, accessibility, not administered, no used family."""
    if locale is not None and item.locale != locale:
        return False
    if (
        context.accessibility_needs
        and not context.accessibility_needs <= item.accessibility
    ):
        return False
    if item.id in context.administered:
        return False
    return item.family is None or item.family not in context.used_families


def hard_filter(
    items: Iterable[Item], context: AttemptContext, locale: str | None = None
) -> list[Item]:
    """``items`` that pass the hard filters (``is_hard_eligible``), in order."""
    administered, families = context.administered, context.used_families
    kept = [
        i
        for i in items
        if i.id not in administered and (i.family is None or i.family not in families)
    ]
    if locale is not None or context.accessibility_needs:
        kept = [i for i in kept if is_hard_eligible(i, context, locale)]
    return kept


def soft_filters(
    context: AttemptContext, config: Config, exposure: ExposureStats | None
) -> list[tuple[str, Predicate]]:
    """Soft filters 5–6: not seen in a previous attempt; under the exposure ceiling."""
    filters: list[tuple[str, Predicate]] = []
    if context.seen_before or context.seen_families:

        def unseen(item: Item) -> bool:
            if item.id in context.seen_before:
                return False
            return item.family is None or item.family not in context.seen_families

        filters.append(("seen_before", unseen))
    ceiling = config.exposure_ceiling
    if (
        ceiling is not None
        and exposure is not None
        and exposure.sessions >= config.exposure_min_sessions
    ):

        def under_ceiling(item: Item) -> bool:
            return exposure.rate(item.id) < ceiling

        filters.append(("exposure_ceiling", under_ceiling))
    return filters


def apply_soft_filters(
    candidates: list[Item], filters: Iterable[tuple[str, Predicate]], scope: str
) -> list[Item]:
    """Apply each filter in order; one that would empty the set is dropped and logged."""
    for name, keep in filters:
        kept = [item for item in candidates if keep(item)]
        if kept:
            candidates = kept
        elif candidates:
            logger.info("Soft filter %s dropped for %s: no item left", name, scope)
    return candidates


def top_by_information(items: Iterable[Item], theta: float, k: int) -> list[Item]:
    """The ``k`` most informative items at ``theta``, best first; ties by item id."""
    exp = math.exp
    keyed = []
    for item in items:
        a = item.a
        if item.c == 0.0:
            # 2PL information a²PQ inlined, as it runs for every candidate.
            z = a * (theta - item.b)
            if -40.0 < z < 40.0:
                e = exp(-z)
                info = a * a * e / ((1.0 + e) * (1.0 + e))
            else:
                info = 0.0
        else:
            info = information(theta, a, item.b, item.c)
        keyed.append((-info, item.id, item))
    return [item for _info, _id, item in heapq.nsmallest(k, keyed)]


def warm_up(items: list[Item], theta: float, min_p: float) -> list[Item]:
    """Items the examinee is likely to answer correctly (P ≥ ``min_p``), if any."""
    easy = [item for item in items if p_correct(theta, item.a, item.b, item.c) >= min_p]
    return easy or items


def pick(ranked: Sequence[Item], u: float, method: PickMethod, p: float) -> Item:
    """Pick among the ranked top K with the uniform draw ``u`` ∈ [0, 1)."""
    if method == PickMethod.UNIFORM:
        return ranked[min(int(u * len(ranked)), len(ranked) - 1)]
    # Truncated geometric: P(i) = p(1 − p)^i, the remainder on the last one.
    threshold = 0.0
    for index, item in enumerate(ranked[:-1]):
        threshold += p * (1.0 - p) ** index
        if u < threshold:
            return item
    return ranked[-1]


def choose_item(
    candidates: list[Item],
    theta: float,
    *,
    config: Config,
    filters: Sequence[tuple[str, Predicate]],
    is_first: bool,
    u: float,
    scope: str,
) -> Item | None:
    """Max-information randomesque choice among ``candidates`` (already hard-filtered)."""
    if not candidates:
        return None
    candidates = apply_soft_filters(candidates, filters, scope)
    if config.warm_up and is_first:
        candidates = warm_up(candidates, theta, config.warm_up_min_p)
    ranked = top_by_information(candidates, theta, config.top_k)
    return pick(ranked, u, config.pick_method, config.geometric_p)


def competence_order(
    config: Config,
    open_competences: Sequence[str],
    se: Mapping[str, float],
    counts: Mapping[str, int],
    previous: str | None,
) -> list[str]:
    """Open competences by largest SE, then fewer items, then blueprint order.

    The previous item's competence goes last, so that it is chosen only when no
    other open competence has an item left.
    """
    position = {c: i for i, c in enumerate(config.competences)}
    ordered = sorted(open_competences, key=lambda c: (-se[c], counts[c], position[c]))
    if previous in ordered and len(ordered) > 1:
        ordered.remove(previous)
        ordered.append(previous)
    return ordered


def area_order(config: Config, area_counts: Mapping[str, int]) -> list[str]:
    """Areas by largest deficit (target share − administered share), Kingsbury–Zara."""
    total = sum(area_counts.values())
    position = {a: i for i, a in enumerate(config.areas)}

    def deficit(area: str) -> float:
        administered = area_counts.get(area, 0) / total if total else 0.0
        return config.area_share(area) - administered

    return sorted(config.areas, key=lambda a: (-deficit(a), position[a]))
