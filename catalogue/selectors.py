"""Read queries of the catalogue: search, facets and listing of live trainings.

Pages, views and the API read through ``search_catalogue`` (after
``parse_catalogue_query`` validated the GET parameters). Facets are counted
and pages ordered in memory, on this process's copy of the search index
(``catalogue.facet_index``); the database answers the free text (one query
per distinct text and index version, shared between processes) and the
page's sessions (one query); listing cards are read once per copy (four
queries). The whole result is cached under the index version.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from lms import digcompedu
from lms.models import Competence

from . import facet_index, search
from .models import (
    Audience,
    Level,
    Modality,
    Province,
    Session,
    TrainingPage,
)

PAGE_SIZE = 20
MAX_VALUES_PER_FILTER = 30
MONTHS_AHEAD = 12
#: Seconds a computed result page stays cached (bounds staleness of "open now").
CACHE_SECONDS = 60

SORT_RELEVANCE = "relevance"
SORT_DATE = "date"
SORTS = {
    SORT_RELEVANCE: gettext_lazy("Pertinence"),
    SORT_DATE: gettext_lazy("Date de la prochaine session"),
}

HOURS_LABELS = {
    "lt6": gettext_lazy("Moins de 6 h"),
    "6-12": gettext_lazy("De 6 à 12 h"),
    "12-30": gettext_lazy("De 12 à 30 h"),
    "gt30": gettext_lazy("Plus de 30 h"),
}

#: Facets in display order: name (also the GET parameter) → legend.
FACETS: dict[str, str] = {
    "open": gettext_lazy("Inscriptions"),
    "modality": gettext_lazy("Modalité"),
    "level": gettext_lazy("Niveau d'enseignement"),
    "audience": gettext_lazy("Public cible"),
    "area": gettext_lazy("Domaine DigCompEdu"),
    "competence": gettext_lazy("Compétence DigCompEdu"),
    "month": gettext_lazy("Mois de session"),
    "province": gettext_lazy("Province"),
    "hours": gettext_lazy("Durée totale"),
}

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class CatalogueQueryError(ValueError):
    """Invalid search parameters; ``errors`` maps each parameter to a French message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CatalogueQuery:
    """A validated catalogue search: text, facet filters, sort and page."""

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = SORT_RELEVANCE
    page: int = 1

    def selected(self, facet: str) -> tuple[str, ...]:
        return self.filters.get(facet, ())

    @property
    def has_filters(self) -> bool:
        return bool(self.text or any(self.filters.values()))

    def cache_key(self) -> str:
        """A stable digest of everything that changes the result."""
        parts = [self.text.strip(), self.sort, str(self.page)]
        parts += [f"{k}={','.join(sorted(v))}" for k, v in sorted(self.filters.items())]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]

    @property
    def max_count(self) -> int:
        return max((v.count for v in self.values), default=0)

    @property
    def selected_count(self) -> int:
        return sum(1 for v in self.values if v.selected)


@dataclass
class CatalogueResults:
    """One page of matching trainings with the facets of the whole result set."""

    query: CatalogueQuery
    count: int
    page: int
    num_pages: int
    trainings: list[TrainingCard]
    facets: list[Facet]
    page_size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.page * self.page_size, self.count)


# --- Vocabulary and parsing ------------------------------------------------------


def _upcoming_months(today: dt.date) -> list[tuple[str, str]]:
    months = []
    year, month = today.year, today.month
    for _i in range(MONTHS_AHEAD):
        first = dt.date(year, month, 1)
        months.append((f"{year:04d}-{month:02d}", date_format(first, "F Y")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def facet_vocabulary(
    today: dt.date, competences: Sequence[Competence] | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Every value each facet can take (value, French label), in display order.

    Competence and area labels come from ``Competence.name`` (one query unless
    ``competences`` is given); months run from the current one for a year.
    """
    if competences is None:
        competences = list(Competence.objects.select_related("area"))
    areas: dict[str, str] = {}
    for competence in competences:
        areas.setdefault(
            competence.area.code, f"{competence.area.code}. {competence.area.name}"
        )
    return {
        "open": [("1", _("Inscriptions ouvertes"))],
        "modality": [(v, str(label)) for v, label in Modality.choices],
        "level": [(v, str(label)) for v, label in Level.choices],
        "audience": [(v, str(label)) for v, label in Audience.choices],
        "area": sorted(areas.items()),
        "competence": [(c.code, f"{c.code} {c.name}") for c in competences],
        "month": _upcoming_months(today),
        "province": [(v, str(label)) for v, label in Province.choices],
        "hours": [(k, str(label)) for k, label in HOURS_LABELS.items()],
    }


def _valid_values(facet: str) -> frozenset[str] | None:
    """The accepted values of a facet (``None``: checked by pattern)."""
    if facet == "open":
        return frozenset({"1"})
    if facet == "modality":
        return frozenset(Modality.values)
    if facet == "level":
        return frozenset(Level.values)
    if facet == "audience":
        return frozenset(Audience.values)
    if facet == "area":
        return frozenset(area.code for area in digcompedu.areas())
    if facet == "competence":
        return digcompedu.competence_codes()
    if facet == "province":
        return frozenset(Province.values)
    if facet == "hours":
        return frozenset(HOURS_LABELS)
    return None


def parse_catalogue_query(
    params: Mapping[str, Sequence[str]] | object, *, strict: bool = True
) -> CatalogueQuery:
    """Validate GET parameters (a ``QueryDict``) into a ``CatalogueQuery``.

    Each facet takes repeated parameters or comma-separated values. With
    ``strict`` (the API), any invalid value raises ``CatalogueQueryError``;
    otherwise (the HTML page) invalid values are dropped, so that an old
    shared link still shows something.
    """
    errors: dict[str, str] = {}
    getlist = params.getlist  # type: ignore[attr-defined]

    text = (params.get("q") or "").strip()  # type: ignore[attr-defined]
    if len(text) > search.MAX_QUERY_LENGTH:
        errors["q"] = _("La recherche est limitée à %(max)s caractères.") % {
            "max": search.MAX_QUERY_LENGTH
        }
        text = text[: search.MAX_QUERY_LENGTH]

    filters: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        raw = [v.strip() for item in getlist(facet) for v in item.split(",")]
        raw = [v for v in raw if v]
        if facet == "open":
            raw = ["1" for v in raw if v.lower() in {"1", "true", "on", "oui"}]
        if len(raw) > MAX_VALUES_PER_FILTER:
            errors[facet] = _("Trop de valeurs pour ce filtre.")
            raw = raw[:MAX_VALUES_PER_FILTER]
        valid = _valid_values(facet)
        accepted, rejected = [], []
        for value in dict.fromkeys(raw):
            ok = value in valid if valid is not None else bool(_MONTH_RE.match(value))
            (accepted if ok else rejected).append(value)
        if rejected:
            errors[facet] = _("Valeur inconnue pour ce filtre : %(values)s.") % {
                "values": ", ".join(rejected[:5])[:200]
            }
        if accepted:
            filters[facet] = tuple(accepted)

    sort = params.get("sort") or SORT_RELEVANCE  # type: ignore[attr-defined]
    if sort not in SORTS:
        errors["sort"] = _("Tri inconnu : choisissez « relevance » ou « date ».")
        sort = SORT_RELEVANCE

    page_param = params.get("page") or "1"  # type: ignore[attr-defined]
    try:
        page = int(page_param)
        if page < 1:
            raise ValueError
    except ValueError:
        errors["page"] = _("Le numéro de page doit être un entier positif.")
        page = 1

    if errors and strict:
        raise CatalogueQueryError(errors)
    return CatalogueQuery(text=text, filters=filters, sort=sort, page=page)


# --- Search ------------------------------------------------------------------------


def _counts(
    index: facet_index.FacetIndex,
    query: CatalogueQuery,
    vocabulary: dict[str, list[tuple[str, str]]],
    now: dt.datetime,
    text: facet_index.TextMatch | None,
) -> tuple[int, dict[str, dict[str, int]], int]:
    """The matching rows, their number and each facet value's count.

    Standard disjunctive faceting: a facet's counts apply every active filter
    but its own, so that choosing a second value of the same facet widens.
    Facets combine with AND, values of one facet with OR; all in bit sets.
    """
    base = text.rows if text is not None else index.every_row
    active = {
        facet: index.rows_with(facet, query.selected(facet), now)
        for facet in FACETS
        if query.selected(facet)
    }

    def matching(except_facet: str | None) -> int:
        rows = base
        for facet, facet_rows in active.items():
            if facet != except_facet:
                rows &= facet_rows
        return rows

    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        rows = matching(facet)
        values = [v for v, _label in vocabulary[facet]]
        values += [v for v in query.selected(facet) if v not in values]
        counts[facet] = {
            value: (rows & index.rows_with(facet, [value], now)).bit_count()
            for value in values
        }
    rows = matching(None)
    return rows.bit_count(), counts, rows


def _ordered_ids(
    index: facet_index.FacetIndex,
    query: CatalogueQuery,
    rows: int,
    text: facet_index.TextMatch | None,
    offset: int,
) -> list[int]:
    """Ids of one page of ``rows``: by relevance (then date) or by date.

    Rows are in date order (next session, title, id), so the date order is
    the order of the set bits.
    """
    if query.sort == SORT_RELEVANCE and text is not None:
        if rows == text.rows:
            positions = list(text.by_relevance[offset : offset + PAGE_SIZE])
        else:
            kept = set(facet_index.set_positions(rows))
            ranked = [p for p in text.by_relevance if p in kept]
            positions = ranked[offset : offset + PAGE_SIZE]
    else:
        positions = facet_index.set_positions(rows, offset, PAGE_SIZE)
    return [index.ids[position] for position in positions]


@dataclass
class SessionCard:
    """The listing's view of an upcoming session (read with ``values()``)."""

    code: str
    starts_on: dt.date
    ends_on: dt.date
    is_online: bool
    venue: str
    postal_code: str
    city: str
    province: str
    capacity: int
    seats_taken: int
    status: str
    has_waitlist: bool
    registration_opens_at: dt.datetime | None
    registration_closes_at: dt.datetime

    # The model's own rules, so that the listing never disagrees with them.
    Status = Session.Status
    is_open_for_registration = Session.is_open_for_registration
    seats_left = Session.seats_left

    @property
    def province_label(self) -> str:
        return str(Province(self.province).label) if self.province else ""


_SESSION_FIELDS = list(SessionCard.__dataclass_fields__)


@dataclass(frozen=True)
class CompetenceTag:
    """A DigCompEdu competence as a card shows it (name in the request's language)."""

    code: str
    name: str


@dataclass
class TrainingCard:
    """The listing's view of a live training (read with ``values()``)."""

    pk: int
    code: str
    title: str
    slug: str
    summary: str
    modality: str
    sync_hours: Decimal
    async_hours: Decimal
    url: str = ""
    levels: list[tuple[str, str]] = field(default_factory=list)
    audiences: list[tuple[str, str]] = field(default_factory=list)
    competences: list[CompetenceTag] = field(default_factory=list)
    upcoming_sessions: list[SessionCard] = field(default_factory=list)

    @property
    def total_hours(self) -> Decimal:
        return (self.sync_hours or Decimal(0)) + (self.async_hours or Decimal(0))

    def get_modality_display(self) -> str:
        return str(Modality(self.modality).label)


@dataclass(frozen=True)
class _CardContent:
    """What a listing card shows that only a publication changes (no labels:
    they follow the request's language)."""

    row: dict
    levels: tuple[str, ...]
    audiences: tuple[str, ...]
    competence_ids: tuple[int, ...]


_CARD_FIELDS = (
    "pk",
    "code",
    "title",
    "slug",
    "summary",
    "modality",
    "sync_hours",
    "async_hours",
)


def card_contents(ids: Sequence[int] | None = None) -> dict[int, _CardContent]:
    """Content of the live trainings ``ids`` (all of them with ``None``): four
    queries of plain values."""
    trainings = TrainingPage.objects.filter(live=True)
    if ids is not None:
        trainings = trainings.filter(pk__in=ids)
    rows = {row["pk"]: row for row in trainings.values(*_CARD_FIELDS)}
    related = (
        {"trainingpage__live": True} if ids is None else {"trainingpage_id__in": rows}
    )
    levels: dict[int, list[str]] = {pk: [] for pk in rows}
    for training_id, code in (
        TrainingPage.levels.through.objects.filter(**related)
        .order_by("educationlevel__position")
        .values_list("trainingpage_id", "educationlevel__code")
    ):
        if training_id in levels:
            levels[training_id].append(code)
    audiences: dict[int, list[str]] = {pk: [] for pk in rows}
    for training_id, code in (
        TrainingPage.audiences.through.objects.filter(**related)
        .order_by("audiencefunction__position")
        .values_list("trainingpage_id", "audiencefunction__code")
    ):
        if training_id in audiences:
            audiences[training_id].append(code)
    competences: dict[int, list[int]] = {pk: [] for pk in rows}
    for training_id, competence_id in (
        TrainingPage.competences.through.objects.filter(**related)
        .order_by("competence__code")
        .values_list("trainingpage_id", "competence_id")
    ):
        if training_id in competences:
            competences[training_id].append(competence_id)
    return {
        pk: _CardContent(
            row, tuple(levels[pk]), tuple(audiences[pk]), tuple(competences[pk])
        )
        for pk, row in rows.items()
    }


def upcoming_sessions(training_ids: Sequence[int], today: dt.date) -> list[tuple]:
    """(training id, *``SessionCard`` fields) of the sessions of ``training_ids``
    neither cancelled nor over, by date then code.

    On PostgreSQL, one statement written once (``= ANY``), read with a plain
    cursor: the ORM's compilation and row conversion cost twice the query.
    """
    if connection.vendor != "postgresql":
        return list(
            Session.objects.filter(training_id__in=training_ids, ends_on__gte=today)
            .exclude(status=Session.Status.CANCELLED)
            .order_by("starts_on", "code")
            .values_list("training_id", *_SESSION_FIELDS)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _sessions_sql(), [list(training_ids), today, Session.Status.CANCELLED]
        )
        return cursor.fetchall()


@functools.cache
def _sessions_sql() -> str:
    meta = Session._meta
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column)
        for name in ["training", *_SESSION_FIELDS]
    )
    column = {
        name: connection.ops.quote_name(meta.get_field(name).column)
        for name in ("training", "ends_on", "status", "starts_on", "code")
    }
    return (
        f"SELECT {columns} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 (names only)
        f"WHERE {column['training']} = ANY(%s) AND {column['ends_on']} >= %s "
        f"AND {column['status']} <> %s ORDER BY {column['starts_on']}, {column['code']}"
    )


def training_cards(
    ids: Sequence[int],
    today: dt.date,
    competences: Sequence[Competence],
    index_url: str = "",
    known: Mapping[int, _CardContent] | None = None,
) -> list[TrainingCard]:
    """Live trainings ``ids`` in that order, with their vocabularies and upcoming
    sessions (not cancelled, not over, by date).

    Five queries of plain values; only one (the sessions) when ``known``
    (``card_contents()`` kept by the caller until a publication changes the
    index) holds every training asked for. ``url`` is ``index_url`` + slug:
    trainings are children of the one catalogue index (``parent_page_types``).
    """
    known = known or {}
    missing = [pk for pk in ids if pk not in known]
    loaded = card_contents(missing) if missing else {}
    by_id = {c.pk: CompetenceTag(c.code, c.name) for c in competences}
    level_labels = {value: str(label) for value, label in Level.choices}
    audience_labels = {value: str(label) for value, label in Audience.choices}
    cards: dict[int, TrainingCard] = {}
    for pk in ids:
        content = known.get(pk) or loaded.get(pk)
        if content is None:
            continue
        cards[pk] = TrainingCard(
            **content.row,
            url=f"{index_url}{content.row['slug']}/",
            levels=[(code, level_labels[code]) for code in content.levels],
            audiences=[(code, audience_labels[code]) for code in content.audiences],
            competences=[by_id[c] for c in content.competence_ids if c in by_id],
        )
    for training_id, *values in upcoming_sessions(list(cards), today):
        cards[training_id].upcoming_sessions.append(SessionCard(*values))
    return [cards[pk] for pk in ids if pk in cards]


def search_catalogue(
    query: CatalogueQuery,
    *,
    clamp_page: bool = False,
    index_url: str = "",
    version: int | None = None,
    cache_results: bool = True,
) -> CatalogueResults:
    """One page of live trainings matching ``query``, with facet counts.

    Reads only live trainings (through ``TrainingSearchEntry``). ``page`` beyond
    the last page yields no trainings (the API answers 404), or the last page
    with ``clamp_page``. ``index_url`` prefixes each training's slug.

    At most 8 queries, whatever the page size; one (the sessions) once this
    process has the index, the text and the trainings. The result is cached for
    ``CACHE_SECONDS`` under the index version (bumped by every index refresh),
    the day and the language: seat counts shown may lag by that much.
    ``cache_results=False`` skips that cache (callers caching what they
    render); ``version`` is ``search.index_version()`` if just read.
    """
    if version is None:
        version = search.index_version()
    key = ":".join(
        [
            "catalogue:search",
            str(version),
            str(timezone.localdate()),
            get_language() or "",
            "clamp" if clamp_page else "exact",
            query.cache_key(),
        ]
    )
    results = cache.get(key) if cache_results else None
    if results is None:
        results = _search(query, clamp_page=clamp_page, version=version)
        if cache_results:
            cache.set(key, results, CACHE_SECONDS)
    for training in results.trainings:
        training.url = f"{index_url}{training.slug}/"
    return results


def _search(
    query: CatalogueQuery, *, clamp_page: bool, version: int | None = None
) -> CatalogueResults:
    now = timezone.now()
    today = timezone.localdate()
    index = facet_index.current(version)
    competences = index.competences
    vocabulary = index.derived(
        ("vocabulary", get_language(), today),
        lambda: facet_vocabulary(today, competences),
    )
    text = index.text_match(query.text)
    total, counts, rows = _counts(index, query, vocabulary, now, text)
    num_pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, num_pages) if clamp_page else query.page
    offset = (page - 1) * PAGE_SIZE
    ids = _ordered_ids(index, query, rows, text, offset) if page <= num_pages else []

    facets = []
    for facet, legend in FACETS.items():
        selected = query.selected(facet)
        labels = dict(vocabulary[facet])
        values = [
            FacetValue(
                value,
                labels.get(value, value),
                counts[facet].get(value, 0),
                value in selected,
            )
            for value in list(labels) + [v for v in selected if v not in labels]
        ]
        facets.append(
            Facet(facet, str(legend), [v for v in values if v.count or v.selected])
        )

    return CatalogueResults(
        query=query,
        count=total,
        page=page,
        num_pages=num_pages,
        trainings=(
            training_cards(
                ids, today, competences, known=index.derived("cards", card_contents)
            )
            if ids
            else []
        ),
        facets=facets,
    )
