"""A per-process copy of the search index's facet columns, counted in memory.

Counting every facet value in SQL costs one pass over the matching rows with
~80 conditional aggregates per request; here each facet value is a Python
``int`` used as a bit set over the index rows (a row per live training, in
date order: next session, title, id), so a count is one ``&`` and one
``bit_count()``, and ordering by date is reading set bits in order.

The copy is rebuilt when ``search.index_version()`` changes (every index
refresh bumps it), or after ``MAX_AGE``. Free text is still matched by the
database (PostgreSQL full-text search, or the SQLite fallback): the matching
ids and their rank are kept per text in a small LRU, under the same version,
and shared between processes through the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When

from . import search
from .models import TrainingSearchEntry

T = TypeVar("T")

#: Seconds before a copy is rebuilt even without a version change (labels of
#: the DigCompEdu vocabulary are loaded with it).
MAX_AGE = 300
#: Free-text matches kept per copy.
TEXT_MATCHES_KEPT = 256

#: Facet → the packed ``|a|b|`` column holding its values on a search row.
_PACKED_COLUMNS = {
    "level": "levels",
    "audience": "audiences",
    "area": "areas",
    "competence": "competences",
    "province": "provinces",
    "month": "months",
}


def bits_from_positions(positions: Iterable[int], size: int) -> int:
    """A bit set with the bits ``positions`` set (built in one pass, not by ORs)."""
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


#: The set bit positions of each byte value.
_BYTE_BITS = tuple(tuple(i for i in range(8) if byte >> i & 1) for byte in range(256))


def set_positions(bits: int, start: int = 0, count: int | None = None) -> list[int]:
    """Positions of the set bits of ``bits``, in order, from the ``start``-th one
    (``count`` at most)."""
    positions: list[int] = []
    skip = start
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for byte_index, byte in enumerate(data):
        if not byte:
            continue
        found = _BYTE_BITS[byte]
        if skip >= len(found):
            skip -= len(found)
            continue
        offset = byte_index * 8
        for bit in found[skip:]:
            positions.append(offset + bit)
            if count is not None and len(positions) == count:
                return positions
        skip = 0
    return positions


@dataclass(frozen=True)
class TextMatch:
    """The rows matching a free text: as a bit set, and in relevance order."""

    rows: int
    by_relevance: tuple[int, ...]


@dataclass
class FacetIndex:
    """Bit sets of the live trainings per facet value (see the module docstring)."""

    version: int
    database: str
    loaded_at: float
    ids: list[int]
    values: dict[str, dict[str, int]]
    open_from: list[dt.datetime | None]
    open_until: list[dt.datetime | None]
    #: What callers derive from this copy (listing cards, vocabularies), by key.
    _derived: dict = field(default_factory=dict)
    _competences: list | None = None
    _texts: OrderedDict[str, TextMatch] = field(default_factory=OrderedDict)
    _open: tuple[int, dt.datetime | None, dt.datetime] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _derive_lock: threading.Lock = field(default_factory=threading.Lock)

    def derived(self, key: object, build: Callable[[], T]) -> T:
        """``build()``, computed once per copy (callers key by what else it depends on)."""
        try:
            return self._derived[key]
        except KeyError:
            pass
        with self._derive_lock:
            if key not in self._derived:
                self._derived[key] = build()
            return self._derived[key]

    @property
    def competences(self) -> list:
        """The DigCompEdu competences (with their area), read once per copy."""
        if self._competences is None:
            from lms.models import Competence

            self._competences = list(
                Competence.objects.select_related("area").order_by("code")
            )
        return self._competences

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def every_row(self) -> int:
        return (1 << self.size) - 1

    def rows_with(self, facet: str, values: Sequence[str], now: dt.datetime) -> int:
        """Rows having one of ``values`` for ``facet`` (values of a facet combine with OR)."""
        if facet == "open":
            return self.open_rows(now)
        masks = self.values.get(facet, {})
        rows = 0
        for value in values:
            rows |= masks.get(value, 0)
        return rows

    def open_rows(self, now: dt.datetime) -> int:
        """Rows open for registration at ``now``.

        Kept until the next opening or closing time of any row, so that most
        requests reuse it and none sees a stale answer.
        """
        cached = self._open
        if (
            cached is not None
            and cached[1] is not None
            and cached[2] <= now < cached[1]
        ):
            return cached[0]
        if cached is not None and cached[1] is None and cached[2] <= now:
            return cached[0]
        positions = []
        next_change: dt.datetime | None = None
        for position, (opens, closes) in enumerate(
            zip(self.open_from, self.open_until, strict=True)
        ):
            if closes is not None and closes > now and (opens is None or opens <= now):
                positions.append(position)
            for moment in (opens, closes):
                if moment is not None and moment > now:
                    if next_change is None or moment < next_change:
                        next_change = moment
        rows = bits_from_positions(positions, self.size)
        self._open = (rows, next_change, now)
        return rows

    def text_match(self, text: str) -> TextMatch | None:
        """Rows matching ``text`` (``None``: no word that narrows), from the database once."""
        words = search.query_words(text)
        if not words:
            return None
        key = " ".join(words)
        with self._lock:
            match = self._texts.get(key)
            if match is not None:
                self._texts.move_to_end(key)
                return match
        match = self._load_text_match(text)
        with self._lock:
            self._texts[key] = match
            while len(self._texts) > TEXT_MATCHES_KEPT:
                self._texts.popitem(last=False)
        return match

    def _load_text_match(self, text: str) -> TextMatch:
        position = self.derived(
            "positions", lambda: {pk: index for index, pk in enumerate(self.ids)}
        )
        ranked = [
            (-rank, position[pk])
            for pk, rank in _shared_ranked_matches(text, self.version)
            # A row written after this copy was built waits for the next version.
            if pk in position
        ]
        ranked.sort()
        positions = [p for _rank, p in ranked]
        return TextMatch(
            rows=bits_from_positions(positions, self.size),
            by_relevance=tuple(positions),
        )


#: Seconds a text's matches stay in the shared cache (under the index version).
SHARED_MATCHES_SECONDS = 600


def _shared_ranked_matches(text: str, version: int) -> list[tuple[int, float]]:
    """``_ranked_matches``, computed once for all processes of an index version
    (kept in the cache as two packed arrays)."""
    words = " ".join(search.query_words(text))
    digest = hashlib.sha256(words.encode()).hexdigest()[:32]
    key = f"catalogue:text-matches:{version}:{digest}"
    packed = cache.get(key)
    if packed is not None:
        ids, ranks = array("q"), array("d")
        ids.frombytes(packed[0])
        ranks.frombytes(packed[1])
        return list(zip(ids, ranks, strict=True))
    matches = _ranked_matches(text)
    cache.set(
        key,
        (
            array("q", [pk for pk, _rank in matches]).tobytes(),
            array("d", [rank for _pk, rank in matches]).tobytes(),
        ),
        SHARED_MATCHES_SECONDS,
    )
    return matches


#: Weights of the D, C, B, A parts of the search vector in the relevance rank.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"


def _ranked_matches(text: str) -> list[tuple[int, float]]:
    """(training id, relevance) of the search rows matching ``text``.

    On PostgreSQL one plain statement: with thousands of matching rows, the
    ORM's row handling cost three times the query. Elsewhere, a training
    whose title has every word ranks first.
    """
    if search.uses_postgres_search():
        query = search.raw_tsquery(search.query_words(text))
        table = connection.ops.quote_name(TrainingSearchEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT training_id, ts_rank(%s::float4[], search_vector, "  # noqa: S608 (table name only)
                f"to_tsquery(%s::regconfig, %s)) FROM {table} "
                "WHERE search_vector @@ to_tsquery(%s::regconfig, %s)",
                [
                    RANK_WEIGHTS,
                    search.SEARCH_CONFIG,
                    query,
                    search.SEARCH_CONFIG,
                    query,
                ],
            )
            return cursor.fetchall()
    relevance = Case(
        When(search.title_filter(text), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return list(
        TrainingSearchEntry.objects.filter(search.text_filter(text))
        .annotate(relevance=relevance)
        .values_list("pk", "relevance")
    )


def _unpack(packed: str) -> list[str]:
    return [value for value in packed.split("|") if value]


def build(version: int | None = None) -> FacetIndex:
    """Read the whole search index (one query) into a new ``FacetIndex``.

    ``version`` is read before the rows, so that a change committed meanwhile
    makes the next request rebuild."""
    if version is None:
        version = search.index_version()
    columns = ["pk", "modality", "hours_bucket", "open_from", "open_until"]
    columns += list(_PACKED_COLUMNS.values())
    rows = TrainingSearchEntry.objects.order_by(
        F("next_session_on").asc(nulls_last=True), "title", "pk"
    ).values_list(*columns)
    ids: list[int] = []
    open_from: list[dt.datetime | None] = []
    open_until: list[dt.datetime | None] = []
    positions: dict[str, dict[str, list[int]]] = {}

    def add(facet: str, value: str, position: int) -> None:
        positions.setdefault(facet, {}).setdefault(value, []).append(position)

    for position, (pk, modality, hours, opens, closes, *packed) in enumerate(rows):
        ids.append(pk)
        open_from.append(opens)
        open_until.append(closes)
        add("modality", modality, position)
        add("hours", hours, position)
        for facet, values in zip(_PACKED_COLUMNS, packed, strict=True):
            for value in _unpack(values):
                add(facet, value, position)
    size = len(ids)
    return FacetIndex(
        version=version,
        database=connection.settings_dict["NAME"],
        loaded_at=time.monotonic(),
        ids=ids,
        values={
            facet: {
                value: bits_from_positions(found, size)
                for value, found in by_value.items()
            }
            for facet, by_value in positions.items()
        },
        open_from=open_from,
        open_until=open_until,
    )


_current: FacetIndex | None = None
_build_lock = threading.Lock()


def current(version: int | None = None) -> FacetIndex:
    """This process's copy of the index, rebuilt when the index changed
    (``version``: ``search.index_version()`` if the caller just read it)."""
    global _current  # noqa: PLW0603 (one copy per process, replaced whole)
    index = _current
    if version is None:
        version = search.index_version()
    if (
        index is not None
        and index.version == version
        and index.database == connection.settings_dict["NAME"]
        and time.monotonic() - index.loaded_at < MAX_AGE
    ):
        return index
    with _build_lock:
        index = _current
        if (
            index is None
            or index.version != version
            or (time.monotonic() - index.loaded_at >= MAX_AGE)
            or index.database != connection.settings_dict["NAME"]
        ):
            index = build(version)
            _current = index
    return index


def forget() -> None:
    """Drop this process's copy (tests: the database was rolled back under it)."""
    global _current  # noqa: PLW0603
    _current = None
