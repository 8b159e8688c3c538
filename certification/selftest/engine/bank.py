"""The item bank as the engine sees it: parameters, competence, family, flags.

Only items the test may serve reach the engine (the Django layer drops drafts,
retired items and items without parameters). Scoring keys never do: the engine
only ever receives 0/1 scores.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .levels import LEVELS, AuthoredItem, CutScores, derive_cut_scores


class ItemStatus(enum.StrEnum):
    """Whether an item's parameters may be used for scoring."""

    CALIBRATED = "calibrated"
    # Provisional parameters: served in pretest slots, never scored.
    PRETEST = "pretest"


def area_of(competence: str) -> str:
    """The area code of a competence code ("3.2" → "3")."""
    return competence.split(".", 1)[0]


@dataclass(frozen=True)
class Item:
    """One item: IRT parameters and what the eligibility filters need."""

    id: str
    competence: str
    a: float
    b: float
    c: float = 0.0
    status: ItemStatus = ItemStatus.CALIBRATED
    family: str | None = None
    locale: str = "fr"
    level: str | None = None
    accessibility: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("an item needs an id")
        if not self.a > 0:
            raise ValueError(f"item {self.id}: discrimination a must be > 0")
        if not 0.0 <= self.c < 1.0:
            raise ValueError(f"item {self.id}: guessing c must be in [0, 1)")
        if self.level is not None and self.level not in LEVELS:
            raise ValueError(f"item {self.id}: unknown level {self.level!r}")
        object.__setattr__(self, "status", ItemStatus(self.status))

    @property
    def area(self) -> str:
        return area_of(self.competence)

    @property
    def is_pretest(self) -> bool:
        return self.status == ItemStatus.PRETEST


@dataclass(frozen=True)
class Bank:
    """An immutable set of items indexed by id and by competence."""

    items: tuple[Item, ...]
    _by_id: Mapping[str, Item] = field(init=False, repr=False, compare=False)
    _by_competence: Mapping[str, tuple[Item, ...]] = field(
        init=False, repr=False, compare=False
    )
    _derived_cuts: dict[str, CutScores] = field(init=False, repr=False, compare=False)
    # Item pools per (competences, areas, locale), built once (``session._pools``).
    pools: dict[tuple, Any] = field(init=False, repr=False, compare=False)

    def __init__(self, items: Iterable[Item]) -> None:
        items = tuple(items)
        by_id: dict[str, Item] = {}
        by_competence: dict[str, list[Item]] = {}
        for item in items:
            if item.id in by_id:
                raise ValueError(f"duplicate item id {item.id!r}")
            by_id[item.id] = item
            by_competence.setdefault(item.competence, []).append(item)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(
            self,
            "_by_competence",
            {c: tuple(group) for c, group in by_competence.items()},
        )
        object.__setattr__(self, "_derived_cuts", {})
        object.__setattr__(self, "pools", {})

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def __getitem__(self, item_id: str) -> Item:
        return self._by_id[item_id]

    def of_competence(self, competence: str) -> tuple[Item, ...]:
        return self._by_competence.get(competence, ())

    def derived_cut_scores(self, competence: str) -> CutScores:
        """RP67 cut scores of ``competence`` from its calibrated items (cached)."""
        cuts = self._derived_cuts.get(competence)
        if cuts is None:
            cuts = derive_cut_scores(
                AuthoredItem(item.level, item.a, item.b)
                for item in self.of_competence(competence)
                if not item.is_pretest and item.level is not None
            )
            self._derived_cuts[competence] = cuts
        return cuts


@dataclass(frozen=True)
class ExposureStats:
    """Rolling exposure counters (``ItemExposure``) for the exposure ceiling."""

    administrations: Mapping[str, int] = field(default_factory=dict)
    sessions: int = 0

    def rate(self, item_id: str) -> float:
        if self.sessions <= 0:
            return 0.0
        return self.administrations.get(item_id, 0) / self.sessions
