"""The in-memory copy of the search index (``catalogue.facet_index``) against
plain evaluations of the search rows, and its bit-set helpers."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from catalogue import facet_index, search
from catalogue.models import Session, TrainingSearchEntry
from catalogue.selectors import (
    FACETS,
    PAGE_SIZE,
    CatalogueQuery,
    facet_vocabulary,
    search_catalogue,
)
from tests.factories.catalogue import make_session, make_training

# --- Bit sets ---------------------------------------------------------------------


@given(
    st.sets(st.integers(min_value=0, max_value=700)),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=1, max_value=50),
)
def test_set_positions_reads_the_bits_back_in_order(positions, start, count):
    bits = facet_index.bits_from_positions(positions, 701)
    assert bits.bit_count() == len(positions)
    ordered = sorted(positions)
    assert facet_index.set_positions(bits) == ordered
    assert (
        facet_index.set_positions(bits, start, count) == ordered[start : start + count]
    )


# --- Against a plain evaluation of the rows -------------------------------------------

WORDS = ["robotique", "evaluation", "podcasts", "lecture", "orientation"]
MODALITIES = ["presentiel", "hybride", "en_ligne", "a_distance"]
LEVELS = ["primaire", "secondaire_inferieur", "secondaire_superieur", "specialise"]
AUDIENCES = ["enseignant", "directeur", "ctp"]
COMPETENCES = ["1.1", "2.1", "3.1", "3.2", "4.1", "5.3", "6.2"]
POSTAL_CODES = ["1000", "4000", "5000", "6000", "7000"]


@pytest.fixture
def random_catalogue(db):
    """Thirty live trainings with seeded random attributes and sessions."""
    rng = random.Random(20261207)  # noqa: S311 (reproducible data, not secrets)
    for number in range(30):
        words = rng.sample(WORDS, rng.randint(1, 2))
        training = make_training(
            code=f"R{number:02d}",
            title=f"Formation {number:02d} {' '.join(words)}",
            modality=rng.choice(MODALITIES),
            levels=rng.sample(LEVELS, rng.randint(0, 2)),
            audiences=rng.sample(AUDIENCES, rng.randint(1, 2)),
            competences=rng.sample(COMPETENCES, rng.randint(0, 3)),
            sync_hours=rng.choice([0, 3, 6, 12, 24]),
            async_hours=rng.choice([0, 2, 10]),
        )
        for _session in range(rng.randint(0, 2)):
            make_session(
                training,
                starts_in_days=rng.randint(3, 200),
                is_online=rng.random() < 0.2,
                postal_code=rng.choice(POSTAL_CODES),
                status=rng.choice(
                    [Session.Status.OPEN, Session.Status.OPEN, Session.Status.PLANNED]
                ),
            )
    return rng


def _values(row: TrainingSearchEntry, facet: str, now: dt.datetime) -> set[str]:
    """The values a search row has for a facet, read from its plain columns."""
    if facet == "open":
        opened = row.open_from is None or row.open_from <= now
        return {"1"} if row.open_until and row.open_until > now and opened else set()
    if facet == "modality":
        return {row.modality}
    if facet == "hours":
        return {row.hours_bucket}
    column = {
        "level": row.levels,
        "audience": row.audiences,
        "area": row.areas,
        "competence": row.competences,
        "province": row.provinces,
        "month": row.months,
    }[facet]
    return {value for value in column.split("|") if value}


def _expected(
    query: CatalogueQuery,
) -> tuple[int, dict[str, dict[str, int]], list[int]]:
    """Total, disjunctive facet counts and the first page by date, row by row."""
    now = timezone.now()
    rows = list(TrainingSearchEntry.objects.all())
    if search.query_words(query.text):
        matching = set(
            TrainingSearchEntry.objects.filter(
                search.text_filter(query.text)
            ).values_list("pk", flat=True)
        )
        rows = [row for row in rows if row.pk in matching]

    def keeps(row, except_facet=None):
        return all(
            _values(row, facet, now) & set(values)
            for facet, values in query.filters.items()
            if facet != except_facet
        )

    vocabulary = facet_vocabulary(timezone.localdate())
    counts = {}
    for facet in FACETS:
        kept = [row for row in rows if keeps(row, facet)]
        counts[facet] = {
            value: sum(1 for row in kept if value in _values(row, facet, now))
            for value, _label in vocabulary[facet]
        }
    selected = [row for row in rows if keeps(row)]
    far = dt.date.max
    by_date = sorted(selected, key=lambda r: (r.next_session_on or far, r.title, r.pk))
    return len(selected), counts, [row.pk for row in by_date[:PAGE_SIZE]]


def _random_query(rng: random.Random) -> CatalogueQuery:
    choices = {
        "open": ["1"],
        "modality": MODALITIES,
        "level": LEVELS,
        "audience": AUDIENCES,
        "competence": COMPETENCES,
        "area": ["1", "2", "3", "4", "5", "6"],
        "province": ["bruxelles", "liege", "namur", "hainaut", "en_ligne"],
        "hours": ["lt6", "6-12", "12-30", "gt30"],
    }
    filters = {}
    for facet in rng.sample(list(choices), rng.randint(0, 3)):
        filters[facet] = tuple(
            rng.sample(choices[facet], min(len(choices[facet]), rng.randint(1, 2)))
        )
    text = rng.choice(["", "", *WORDS, "évaluer"])
    return CatalogueQuery(text=text, filters=filters, sort="date")


def test_counts_and_pages_match_a_plain_evaluation_of_the_rows(random_catalogue):
    """Sixty random queries: totals, every facet count and the date order agree
    with a row-by-row evaluation (text matched by the database alone)."""
    assert TrainingSearchEntry.objects.count() == 30
    for _number in range(60):
        query = _random_query(random_catalogue)
        total, counts, first_page = _expected(query)
        results = search_catalogue(query, cache_results=False)
        assert results.count == total, query
        shown = {f.name: {v.value: v.count for v in f.values} for f in results.facets}
        for facet, expected in counts.items():
            assert {v: c for v, c in expected.items() if c} == {
                v: c for v, c in shown[facet].items() if c
            }, (query, facet)
        assert [t.pk for t in results.trainings] == first_page, query


def test_relevance_puts_title_matches_first(random_catalogue):
    """With the relevance sort, rows are ordered by the database's rank."""
    results = search_catalogue(CatalogueQuery(text="podcasts"), cache_results=False)
    ranks = dict(facet_index._ranked_matches("podcasts"))
    shown = [ranks[t.pk] for t in results.trainings]
    assert shown and shown == sorted(shown, reverse=True)


# --- Freshness -----------------------------------------------------------------------


def test_a_publication_is_searchable_at_once(db):
    make_training(code="OLD", title="Robotique pour tous")
    first = search_catalogue(CatalogueQuery(text="robotique"))
    assert [t.code for t in first.trainings] == ["OLD"]
    # Its index refresh bumps the version: the copy and the cache are rebuilt.
    make_training(code="NEW", title="Robotique avancée")
    second = search_catalogue(CatalogueQuery(text="robotique"))
    assert sorted(t.code for t in second.trainings) == ["NEW", "OLD"]


def test_open_rows_follow_the_clock_across_registration_windows(db):
    training = make_training(code="WIN")
    now = timezone.now()
    make_session(
        training, starts_in_days=30, registration_opens_at=now + dt.timedelta(days=2)
    )
    index = facet_index.current()
    assert index.open_rows(now) == 0
    assert index.open_rows(now + dt.timedelta(days=3)).bit_count() == 1
    # Back before the opening (kept answers are only reused inside their window).
    assert index.open_rows(now + dt.timedelta(days=1)) == 0
    assert index.open_rows(now + dt.timedelta(days=40)) == 0


def test_text_matches_are_shared_between_processes(random_catalogue):
    """Another process (a new copy) reuses a text's matches without a query."""
    search_catalogue(CatalogueQuery(text="lecture"), cache_results=False)
    facet_index.forget()
    index = facet_index.current()
    with CaptureQueriesContext(connection) as queries:
        match = index.text_match("lecture")
    assert match is not None and match.rows
    assert len(queries) == 0
