"""Read queries of the catalogue: search, facets and listing of live trainings.

Pages, views and the API read through ``search_catalogue`` (after
``parse_catalogue_query`` validated the GET parameters). It runs a bounded
number of queries whatever the page size: the DigCompEdu vocabulary, one
query for the count and every facet value, one for the page's ids, then five
``values()`` queries for the page's trainings, vocabularies and sessions; and
the whole result is cached under the index version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from lms import digcompedu
from lms.models import Competence

from . import search
from .models import (
    Audience,
    Level,
    Modality,
    Province,
    Session,
    TrainingPage,
    TrainingSearchEntry,
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


# --- Conditions --------------------------------------------------------------------


def _has_bits(column: str, mask: int) -> GreaterThan:
    return GreaterThan(F(column).bitand(Value(mask)), 0)


_BIT_COLUMNS = {
    "level": "level_bits",
    "audience": "audience_bits",
    "area": "area_bits",
    "competence": "competence_bits",
    "province": "province_bits",
}


def _value_condition(facet: str, value: str, now: dt.datetime) -> Q:
    if facet == "modality":
        return Q(modality=value)
    if facet == "hours":
        return Q(hours_bucket=value)
    if facet == "open":
        return Q(open_until__gt=now) & (
            Q(open_from__isnull=True) | Q(open_from__lte=now)
        )
    if facet == "month":
        if search.in_month_window(value, timezone.localdate(now)):
            return Q(_has_bits("month_bits", search.month_bit(value)))
        return Q(months__contains=f"|{value}|")
    return Q(_has_bits(_BIT_COLUMNS[facet], search.bit_set(facet, [value])))


def _facet_condition(facet: str, values: Sequence[str], now: dt.datetime) -> Q:
    """Values of one facet combine with OR (one bit test for a fixed vocabulary)."""
    if facet in _BIT_COLUMNS:
        return Q(_has_bits(_BIT_COLUMNS[facet], search.bit_set(facet, values)))
    condition = Q()
    for value in values:
        condition |= _value_condition(facet, value, now)
    return condition


def _filters_condition(
    query: CatalogueQuery, now: dt.datetime, *, except_facet: str | None = None
) -> Q:
    """Facets combine with AND; ``except_facet`` is left out (disjunctive counts)."""
    condition = Q()
    for facet, values in query.filters.items():
        if facet != except_facet and values:
            condition &= _facet_condition(facet, values, now)
    return condition


def listed_entries(text: str = ""):
    """Search rows of live trainings matching ``text`` (all of them when empty).

    Rows exist only for live trainings (``catalogue.search`` keeps them so), so
    no join with the page tree is needed; the trainings shown are loaded with a
    ``live`` check all the same.
    """
    entries = TrainingSearchEntry.objects.all()
    condition = search.text_filter(text)
    return entries.filter(condition) if condition is not None else entries


# --- Search ------------------------------------------------------------------------


_OPEN_SQL = "({a}open_until > %s AND ({a}open_from IS NULL OR {a}open_from <= %s))"
_ROW_COLUMNS = (
    "modality",
    "hours_bucket",
    "level_bits",
    "audience_bits",
    "area_bits",
    "competence_bits",
    "province_bits",
    "month_bits",
    "months",
)


def _value_sql(
    facet: str, values: Sequence[str], now: dt.datetime, alias: str = ""
) -> tuple[str, list]:
    """SQL true when a row has one of ``values`` for ``facet`` (any database)."""
    if facet in ("modality", "hours"):
        column = "modality" if facet == "modality" else "hours_bucket"
        return f"{alias}{column} IN ({', '.join(['%s'] * len(values))})", list(values)
    if facet == "open":
        return _OPEN_SQL.format(a=alias), [now, now]
    if facet in _BIT_COLUMNS:
        return f"({alias}{_BIT_COLUMNS[facet]} & %s) <> 0", [
            search.bit_set(facet, values)
        ]
    today = timezone.localdate(now)
    in_window = [v for v in values if search.in_month_window(v, today)]
    sql, params = [], []
    if in_window:
        mask = 0
        for value in in_window:
            mask |= search.month_bit(value)
        sql.append(f"({alias}month_bits & %s) <> 0")
        params.append(mask)
    for value in values:
        if value not in in_window:
            sql.append(f"{alias}months LIKE %s")
            params.append(f"%|{value}|%")
    return "(" + " OR ".join(sql) + ")", params


def _text_sql(text: str) -> tuple[str, list]:
    words = search.query_words(text)
    if not words:
        return "", []
    if search.uses_postgres_search():
        return "e.search_vector @@ to_tsquery(%s::regconfig, %s)", [
            search.SEARCH_CONFIG,
            search.raw_tsquery(words),
        ]
    stems = [search.light_stem(word) for word in words]
    return " AND ".join("e.document LIKE %s" for _s in stems), [
        f"% {stem}%" for stem in stems
    ]


def _counts(
    query: CatalogueQuery,
    vocabulary: dict[str, list[tuple[str, str]]],
    now: dt.datetime,
) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and each facet value's count, in one query over the matching rows.

    Standard disjunctive faceting: a facet's counts apply every active filter
    but its own, so that choosing a second value of the same facet widens.
    The inner query reads each matching row once and evaluates each active
    filter once (``fN`` flags; ``OFFSET 0`` keeps the planner from inlining
    them back); the outer one counts with ``FILTER``, one integer bit test per
    facet value. Hand-written SQL, valid on PostgreSQL and SQLite (3.30+):
    building these ~80 conditional aggregates with the ORM costs more than
    running them.
    """
    active = [facet for facet in FACETS if query.selected(facet)]
    inner = [f"e.{column}" for column in _ROW_COLUMNS]
    params: list = []
    open_sql, open_params = _value_sql("open", ["1"], now, "e.")
    inner.append(f"CASE WHEN {open_sql} THEN 1 ELSE 0 END AS is_open")
    params += open_params
    for index, facet in enumerate(active):
        sql, facet_params = _value_sql(facet, query.selected(facet), now, "e.")
        inner.append(f"CASE WHEN {sql} THEN 1 ELSE 0 END AS f{index}")
        params += facet_params
    text_sql, text_params = _text_sql(query.text)
    params += text_params

    def flags(except_facet: str | None) -> list[str]:
        return [f"f{i} = 1" for i, f in enumerate(active) if f != except_facet]

    outer = ["count(*) FILTER (WHERE " + " AND ".join(flags(None) or ["1 = 1"]) + ")"]
    outer_params: list = []
    keys: list[tuple[str, str]] = []
    for facet in FACETS:
        others = flags(facet)
        values = [v for v, _label in vocabulary[facet]]
        values += [v for v in query.selected(facet) if v not in values]
        for value in values:
            if facet == "open":
                sql, value_params = "is_open = 1", []
            else:
                sql, value_params = _value_sql(facet, [value], now)
            outer.append("count(*) FILTER (WHERE " + " AND ".join([*others, sql]) + ")")
            outer_params += value_params
            keys.append((facet, value))
    limit = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    # Only column names, operators and placeholders are interpolated below.
    where = f" WHERE {text_sql}" if text_sql else ""
    table = TrainingSearchEntry._meta.db_table
    rows = f"SELECT {', '.join(inner)} FROM {table} e{where} {limit}"  # noqa: S608
    sql = f"SELECT {', '.join(outer)} FROM ({rows}) m"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, outer_params + params)
        row = cursor.fetchone()
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    for (facet, value), count in zip(keys, row[1:], strict=True):
        counts[facet][value] = int(count or 0)
    return int(row[0] or 0), counts


def _ordered_ids(query: CatalogueQuery, now: dt.datetime, offset: int) -> list[int]:
    entries = listed_entries(query.text).filter(_filters_condition(query, now))
    by_date = [F("next_session_on").asc(nulls_last=True), "title", "pk"]
    words = search.query_words(query.text)
    if query.sort == SORT_RELEVANCE and words:
        if search.uses_postgres_search():
            from django.contrib.postgres.search import SearchRank

            entries = entries.annotate(
                relevance=SearchRank(
                    F("search_vector"),
                    search.tsquery(words),
                    weights=[0.1, 0.2, 0.4, 1.0],
                )
            )
        else:
            entries = entries.annotate(
                relevance=Case(
                    When(search.title_filter(query.text), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
        entries = entries.order_by(F("relevance").desc(), *by_date)
    else:
        entries = entries.order_by(*by_date)
    return list(entries.values_list("pk", flat=True)[offset : offset + PAGE_SIZE])


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
    competences: list[Competence] = field(default_factory=list)
    upcoming_sessions: list[SessionCard] = field(default_factory=list)

    @property
    def total_hours(self) -> Decimal:
        return (self.sync_hours or Decimal(0)) + (self.async_hours or Decimal(0))

    def get_modality_display(self) -> str:
        return str(Modality(self.modality).label)


def training_cards(
    ids: Sequence[int],
    today: dt.date,
    competences: Sequence[Competence],
    index_url: str = "",
) -> list[TrainingCard]:
    """Live trainings ``ids`` in that order, with their vocabularies and upcoming
    sessions (not cancelled, not over, by date): five queries of plain values.

    ``url`` is ``index_url`` + slug: trainings are children of the one catalogue
    index (``parent_page_types``).
    """
    cards = {
        row["pk"]: TrainingCard(**row, url=f"{index_url}{row['slug']}/")
        for row in TrainingPage.objects.filter(pk__in=ids, live=True).values(
            "pk",
            "code",
            "title",
            "slug",
            "summary",
            "modality",
            "sync_hours",
            "async_hours",
        )
    }
    level_through = TrainingPage.levels.through
    for training_id, code in (
        level_through.objects.filter(trainingpage_id__in=cards)
        .order_by("educationlevel__position")
        .values_list("trainingpage_id", "educationlevel__code")
    ):
        cards[training_id].levels.append((code, str(Level(code).label)))
    audience_through = TrainingPage.audiences.through
    for training_id, code in (
        audience_through.objects.filter(trainingpage_id__in=cards)
        .order_by("audiencefunction__position")
        .values_list("trainingpage_id", "audiencefunction__code")
    ):
        cards[training_id].audiences.append((code, str(Audience(code).label)))
    by_id = {competence.pk: competence for competence in competences}
    competence_through = TrainingPage.competences.through
    for training_id, competence_id in (
        competence_through.objects.filter(trainingpage_id__in=cards)
        .order_by("competence__code")
        .values_list("trainingpage_id", "competence_id")
    ):
        cards[training_id].competences.append(by_id[competence_id])
    sessions = (
        Session.objects.filter(training_id__in=cards, ends_on__gte=today)
        .exclude(status=Session.Status.CANCELLED)
        .order_by("starts_on", "code")
        .values_list("training_id", *_SESSION_FIELDS)
    )
    for training_id, *values in sessions:
        cards[training_id].upcoming_sessions.append(SessionCard(*values))
    return [cards[pk] for pk in ids if pk in cards]


def search_catalogue(
    query: CatalogueQuery, *, clamp_page: bool = False, index_url: str = ""
) -> CatalogueResults:
    """One page of live trainings matching ``query``, with facet counts.

    Reads only live trainings (through ``TrainingSearchEntry``). ``page`` beyond
    the last page yields no trainings (the API answers 404), or the last page
    with ``clamp_page``. ``index_url`` prefixes each training's slug.

    At most 8 queries, whatever the page size. The result is cached for
    ``CACHE_SECONDS`` under the index version (bumped by every index refresh),
    the day and the language: seat counts shown may lag by that much.
    """
    key = ":".join(
        [
            "catalogue:search",
            str(search.index_version()),
            str(timezone.localdate()),
            get_language() or "",
            "clamp" if clamp_page else "exact",
            query.cache_key(),
        ]
    )
    results = cache.get(key)
    if results is None:
        results = _search(query, clamp_page=clamp_page)
        cache.set(key, results, CACHE_SECONDS)
    for training in results.trainings:
        training.url = f"{index_url}{training.slug}/"
    return results


def _search(query: CatalogueQuery, *, clamp_page: bool) -> CatalogueResults:
    now = timezone.now()
    today = timezone.localdate()
    competences = list(Competence.objects.select_related("area").order_by("code"))
    vocabulary = facet_vocabulary(today, competences)
    total, counts = _counts(query, vocabulary, now)
    num_pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, num_pages) if clamp_page else query.page
    ids = _ordered_ids(query, now, (page - 1) * PAGE_SIZE) if page <= num_pages else []

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
        trainings=training_cards(ids, today, competences) if ids else [],
        facets=facets,
    )
