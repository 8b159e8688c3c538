"""The item bank as the engine sees it, built from the database and cached.

Only pretest and calibrated items reach the engine; their ids are the items'
``uid``. The cache is keyed by a bank version bumped whenever an item changes
(``bump_bank_version``), so each process rebuilds it at most once per change.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache

from ..models import Blueprint, Item
from .engine import Bank, Config, CutScores, ItemStatus, Mode
from .engine import Item as EngineItem

VERSION_KEY = "certification:selftest:bank-version"

#: Accessibility needs a teacher may declare → the item flag that serves them.
NEEDS = {
    "keyboard": "keyboard_only_ok",
    "screen_reader": "screen_reader_ok",
    "colour_vision": "colour_blind_ok",
}

# One bank per process (immutable, shared by every request thread), rebuilt
# when the version in the cache moves.
_bank: tuple[int, Bank] | None = None
_bank_lock = threading.Lock()


def bump_bank_version() -> None:
    """Call after any change of a servable item (save, import, calibration)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)


def _version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, None)


def engine_item(item: Item) -> EngineItem:
    return EngineItem(
        id=item.uid,
        competence=item.competence.code,
        a=item.a,
        b=item.b,
        c=item.c,
        status=(
            ItemStatus.PRETEST
            if item.status == Item.Status.PRETEST
            else ItemStatus.CALIBRATED
        ),
        family=str(item.family_id) if item.family_id else None,
        locale=item.locale,
        level=item.target_level,
        accessibility=frozenset(
            need for need, flag in NEEDS.items() if getattr(item, flag)
        ),
    )


def current_bank() -> Bank:
    """The servable items as an engine ``Bank`` (per-process cache by version)."""
    global _bank
    version = _version()
    cached = _bank
    if cached is not None and cached[0] == version:
        return cached[1]
    with _bank_lock:
        if _bank is not None and _bank[0] == version:
            return _bank[1]
        items = Item.objects.filter(
            status__in=[Item.Status.PRETEST, Item.Status.CALIBRATED]
        ).select_related("competence")
        bank = Bank(engine_item(item) for item in items)
        _bank = (version, bank)
        return bank


_configs: dict[tuple, Config] = {}


def engine_config(blueprint: Blueprint) -> Config:
    """The engine ``Config`` of a blueprint, kept per process until the blueprint
    is saved again (``updated_at``): a used blueprint's settings are frozen."""
    key = (blueprint.pk, blueprint.updated_at)
    config = _configs.get(key) if blueprint.pk else None
    if config is None:
        config = _build_config(blueprint)
        if blueprint.pk:
            if len(_configs) > 256:
                _configs.clear()
            _configs[key] = config
    return config


def _build_config(blueprint: Blueprint) -> Config:
    competences = tuple(sorted(blueprint.competences.values_list("code", flat=True)))
    return Config(
        competences=competences,
        mode=Mode(blueprint.mode),
        locale="fr",
        min_items_per_competence=blueprint.min_items_per_competence,
        max_items_per_competence=blueprint.max_items_per_competence,
        se_target_competence=blueprint.se_target_competence,
        min_items_total=blueprint.min_items_total,
        max_items_total=blueprint.max_items_total,
        se_target_global=blueprint.se_target_global,
        top_k=blueprint.top_k,
        exposure_ceiling=blueprint.exposure_ceiling,
        pretest_items_per_attempt=blueprint.pretest_items_per_attempt,
        time_limit_seconds=blueprint.time_limit_seconds,
        cut_scores={
            code: CutScores.expert(values)
            for code, values in (blueprint.cut_scores or {}).items()
        },
    )


def engine_secret() -> bytes:
    """The HMAC key of the engine's random draws, derived from SECRET_KEY."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"tremplin-selftest-draws", hashlib.sha256
    ).digest()


def score(item: Item, payload: Any) -> bool:
    """Whether ``payload`` answers ``item`` correctly (dichotomous, spec B1).

    ``payload`` is the parsed answer: an option id (single), a list of option
    ids (multiple, ordering), or a decimal string with "," or "." (numeric).
    Raises ``ValueError`` on a payload of the wrong shape.
    """
    options = list(item.options.all())
    if item.item_type == Item.Type.SINGLE_CHOICE:
        chosen = int(payload)
        return any(o.pk == chosen and o.is_correct for o in options)
    if item.item_type == Item.Type.MULTIPLE_CHOICE:
        chosen = {int(value) for value in payload}
        return chosen == {o.pk for o in options if o.is_correct}
    if item.item_type == Item.Type.ORDERING:
        order = [int(value) for value in payload]
        if sorted(order) != sorted(o.pk for o in options):
            raise ValueError("an ordering answer lists every option once")
        return order == [o.pk for o in sorted(options, key=lambda o: o.sort_order)]
    if item.item_type == Item.Type.NUMERIC:
        try:
            value = Decimal(str(payload).strip().replace(" ", "").replace(",", "."))
        except InvalidOperation as error:
            raise ValueError("not a number") from error
        if not value.is_finite() or item.numeric_answer is None:
            raise ValueError("not a number")
        return abs(value - item.numeric_answer) <= item.numeric_tolerance
    raise ValueError(f"unknown item type {item.item_type!r}")
