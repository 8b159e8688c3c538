"""Full-text search of the catalogue: French text normalisation and the search index.

On PostgreSQL, text is matched by full-text search in the ``tremplin_fr``
configuration (``unaccent`` then the French Snowball stemmer, see migration
``0004_search_entry``): "numerique" finds "numérique", "évaluer" finds
"évaluation", and each query word also matches as a prefix. Elsewhere (the
embedded SQLite default) the same behaviour is approximated on
``TrainingSearchEntry.document``: accent-folded words plus a light French
stem of each, matched by word prefix.

The index (one ``TrainingSearchEntry`` per live training) is only written here:
``refresh_training_entry`` after a publication or a session change,
``rebuild_index`` for everything (``manage.py rebuild_catalogue_index``).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet, TextField, Value
from django.utils import timezone
from django.utils.html import strip_tags

from .models import Session, TrainingPage, TrainingSearchEntry

logger = logging.getLogger(__name__)

#: PostgreSQL text search configuration created by migration 0004_search_entry.
SEARCH_CONFIG = "tremplin_fr"

#: Longest accepted free-text query, in characters.
MAX_QUERY_LENGTH = 200

#: Query words beyond this many are ignored.
MAX_QUERY_WORDS = 8

_WORD_RE = re.compile(r"[^\W_]+")

#: Words too common to narrow a search (already folded).
STOP_WORDS = frozenset(
    """
    a au aux avec ce ces dans de des du en et est il elle ils elles je la le les
    leur leurs lui ma mais me meme mes mon ne nos notre nous on ou par pas pour
    qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous
    y d l j m n s t c
    """.split()
)

#: French inflectional and derivational endings, longest first (light stemming).
_SUFFIXES = tuple(
    sorted(
        """
        issements issement atrices ateurs ations ements ances ences ismes istes
        ables ibles iques euses ation ateur atrice ement ments ance ence isme
        iste able ible ique euse eurs ment ites ite ives ive ifs if eaux eau aux
        eur ants ant ent ees ee es er ez ie ies e s x
        """.split(),
        key=len,
        reverse=True,
    )
)
_MIN_STEM = 3


def fold(text: str) -> str:
    """Lower-case ``text`` without accents or ligatures ("Œuvre Numérique" → "oeuvre numerique")."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def light_stem(word: str) -> str:
    """A folded French word without its most common ending ("evaluation" → "evalu")."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def query_words(text: str) -> list[str]:
    """The folded words of a query that narrow a search (no stop words, no letters alone)."""
    words = [
        w for w in _WORD_RE.findall(fold(text)) if len(w) > 1 and w not in STOP_WORDS
    ]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def normalised_document(*texts: str) -> str:
    """Words of ``texts``, folded, each followed by its stem, space-delimited on both ends."""
    terms: dict[str, None] = {}
    for text in texts:
        for word in _WORD_RE.findall(fold(text)):
            terms[word] = None
            terms[light_stem(word)] = None
    return " " + " ".join(terms) + " " if terms else ""


def uses_postgres_search() -> bool:
    """Whether the database offers PostgreSQL full-text search."""
    return connection.vendor == "postgresql"


def text_filter(text: str) -> Q | None:
    """The condition on ``TrainingSearchEntry`` for a free-text query (``None``: no text).

    Every word must match (as a prefix of an indexed word or, on PostgreSQL,
    of its French stem).
    """
    words = query_words(text)
    if not words:
        return None
    if uses_postgres_search():
        return Q(search_vector=tsquery(words))
    condition = Q()
    for word in words:
        stem = light_stem(word)
        condition &= Q(document__contains=f" {stem}")
    return condition


def raw_tsquery(words: Iterable[str]) -> str:
    """``to_tsquery`` text requiring every (already tokenised) word, as a prefix."""
    # Words come from query_words (letters and digits only): no operator slips in.
    return " & ".join(f"{word}:*" for word in words)


def tsquery(words: Iterable[str]) -> SearchQuery:
    """A prefix ``tsquery`` in ``tremplin_fr`` requiring every (already tokenised) word."""
    return SearchQuery(raw_tsquery(words), search_type="raw", config=SEARCH_CONFIG)


def title_filter(text: str) -> Q | None:
    """Condition true when every query word is in the title (for relevance without PG)."""
    words = query_words(text)
    if not words:
        return None
    condition = Q()
    for word in words:
        condition &= Q(title_document__contains=f" {light_stem(word)}")
    return condition


# --- Index ---------------------------------------------------------------------------


def hours_bucket(total: Decimal) -> str:
    """The hours facet value of a training of ``total`` hours.

    ``lt6`` below 6 h, ``6-12`` from 6 to 12 h, ``12-30`` above 12 up to 30 h,
    ``gt30`` above 30 h.
    """
    if total < 6:
        return "lt6"
    if total <= 12:
        return "6-12"
    if total <= 30:
        return "12-30"
    return "gt30"


#: Months are kept as bits ``(year * 12 + month - 1) % MONTH_CYCLE``; only months
#: from the current one to ``MONTH_WINDOW`` ahead are set, so none collide.
MONTH_CYCLE = 60
MONTH_WINDOW = 48


@cache
def facet_bits() -> dict[str, dict[str, int]]:
    """Bit position of each value of the fixed multi-valued vocabularies.

    Positions follow the ``TextChoices`` order and the DigCompEdu codes; a
    change there needs ``rebuild_catalogue_index``.
    """
    from lms import digcompedu

    from .models import Audience, Level, Province

    return {
        "level": {value: bit for bit, value in enumerate(Level.values)},
        "audience": {value: bit for bit, value in enumerate(Audience.values)},
        "province": {value: bit for bit, value in enumerate(Province.values)},
        "area": {area.code: bit for bit, area in enumerate(digcompedu.areas())},
        "competence": {
            code: bit for bit, code in enumerate(sorted(digcompedu.competence_codes()))
        },
    }


def bit_set(facet: str, values: Iterable[str]) -> int:
    """The bit set of ``values`` of a fixed vocabulary (unknown values ignored)."""
    positions = facet_bits()[facet]
    result = 0
    for value in values:
        if value in positions:
            result |= 1 << positions[value]
    return result


def month_index(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` value."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_bit(month: str) -> int:
    """The bit of a ``YYYY-MM`` month in ``month_bits``."""
    return 1 << (month_index(month) % MONTH_CYCLE)


def in_month_window(month: str, today: dt.date) -> bool:
    """Whether ``month`` is stored as a bit (from this month to the window's end)."""
    first = today.year * 12 + today.month - 1
    return first <= month_index(month) < first + MONTH_WINDOW


def month_bits(months: Iterable[str], today: dt.date) -> int:
    result = 0
    for month in months:
        if in_month_window(month, today):
            result |= month_bit(month)
    return result


def packed(values: Iterable[str]) -> str:
    """Values as stored in a multi-valued facet column: ``|a|b|`` ("" when none)."""
    values = sorted(set(values))
    return "|" + "|".join(values) + "|" if values else ""


def rich_text_words(value: str) -> str:
    """Plain text of a Wagtail rich text field."""
    return html.unescape(strip_tags(value or "").replace("\xa0", " "))


def _trainings_for_index() -> QuerySet[TrainingPage]:
    return TrainingPage.objects.prefetch_related(
        "levels",
        "audiences",
        Prefetch("competences", queryset=_competences()),
        Prefetch(
            "sessions",
            queryset=Session.objects.exclude(status=Session.Status.CANCELLED)
            .filter(ends_on__gte=timezone.localdate())
            .order_by("starts_on", "code"),
            to_attr="index_sessions",
        ),
    )


def _competences():
    from lms.models import Competence

    return Competence.objects.select_related("area")


def _entry_values(training: TrainingPage) -> dict:
    """Column values of the search row of ``training`` (loaded by ``_trainings_for_index``)."""
    competences = list(training.competences.all())
    sessions: list[Session] = training.index_sessions
    open_sessions = [
        s
        for s in sessions
        if s.status == Session.Status.OPEN
        or (s.status == Session.Status.FULL and s.has_waitlist)
    ]
    total = (training.sync_hours or Decimal(0)) + (training.async_hours or Decimal(0))
    body = " ".join(
        [rich_text_words(training.objectives), rich_text_words(training.programme)]
    )
    extra = " ".join(
        [training.prerequisites, training.organiser] + [c.name_fr for c in competences]
    )
    levels = {level.code for level in training.levels.all()}
    audiences = {audience.code for audience in training.audiences.all()}
    codes = {competence.code for competence in competences}
    areas = {competence.area.code for competence in competences}
    months = {f"{session.starts_on:%Y-%m}" for session in sessions}
    provinces = {session.province for session in sessions if session.province}
    return {
        "title": training.title[:255],
        "document": normalised_document(
            training.code, training.title, training.summary, body, extra
        ),
        "title_document": normalised_document(training.title),
        "modality": training.modality,
        "hours_bucket": hours_bucket(total),
        "total_hours": total,
        "levels": packed(levels),
        "audiences": packed(audiences),
        "competences": packed(codes),
        "areas": packed(areas),
        "months": packed(months),
        "provinces": packed(provinces),
        "level_bits": bit_set("level", levels),
        "audience_bits": bit_set("audience", audiences),
        "area_bits": bit_set("area", areas),
        "competence_bits": bit_set("competence", codes),
        "province_bits": bit_set("province", provinces),
        "month_bits": month_bits(months, timezone.localdate()),
        "next_session_on": sessions[0].starts_on if sessions else None,
        "open_from": _open_from(open_sessions),
        "open_until": max(
            (s.registration_closes_at for s in open_sessions), default=None
        ),
        "_texts": (f"{training.code} {training.title}", training.summary, body, extra),
    }


def _open_from(sessions: list[Session]) -> dt.datetime | None:
    if not sessions:
        return None
    starts = [s.registration_opens_at for s in sessions]
    if any(start is None for start in starts):
        return None
    return min(starts)


def _vector(texts: tuple[str, str, str, str]) -> SearchVector:
    """The weighted vector: title and code A, summary B, objectives/programme C, rest D."""
    title, summary, body, extra = texts
    vector = None
    for text, weight in ((title, "A"), (summary, "B"), (body, "C"), (extra, "D")):
        part = SearchVector(
            Value(text, output_field=TextField()), weight=weight, config=SEARCH_CONFIG
        )
        vector = part if vector is None else vector + part
    return vector


def _is_listed(training: TrainingPage) -> bool:
    return bool(training.live and not training.expired)


def refresh_training_entry(training_id: int) -> TrainingSearchEntry | None:
    """Rebuild the search row of one training; delete it unless the training is live.

    Reads the live content of the page (Wagtail keeps drafts in revisions, never
    in the page row) and its sessions that are not cancelled nor over. Safe to
    call at any time, idempotent; returns the row, or ``None`` when the training
    is not listed (draft, unpublished, expired or deleted).
    """
    training = _trainings_for_index().filter(pk=training_id).first()
    if training is None or not _is_listed(training):
        TrainingSearchEntry.objects.filter(pk=training_id).delete()
        bump_index_version()
        return None
    values = _entry_values(training)
    texts = values.pop("_texts")
    if uses_postgres_search():
        values["search_vector"] = _vector(texts)
    with transaction.atomic():
        entry, _ = TrainingSearchEntry.objects.update_or_create(
            training_id=training_id, defaults=values
        )
    bump_index_version()
    return entry


def rebuild_index(batch_size: int = 500) -> int:
    """Rebuild the whole search index from live trainings; returns the number of rows.

    Rows of trainings no longer listed are deleted; runs in one transaction so
    that readers see the old index or the new one, never half of it.
    """
    count = 0
    with transaction.atomic():
        TrainingSearchEntry.objects.all().delete()
        queryset = _trainings_for_index().filter(live=True, expired=False)
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            trainings = queryset.filter(pk__in=ids[start : start + batch_size])
            entries = []
            for training in trainings:
                values = _entry_values(training)
                texts = values.pop("_texts")
                if uses_postgres_search():
                    values["search_vector"] = _vector(texts)
                entries.append(TrainingSearchEntry(training_id=training.pk, **values))
            TrainingSearchEntry.objects.bulk_create(entries, batch_size=100)
            count += len(entries)
        if uses_postgres_search():
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {TrainingSearchEntry._meta.db_table}")
    bump_index_version()
    logger.info("Catalogue search index rebuilt: %s trainings", count)
    return count


# --- Cache versioning ----------------------------------------------------------------

INDEX_VERSION_KEY = "catalogue:search:version"


def index_version() -> int:
    """The current version of the index, part of every cached search result key."""
    from django.core.cache import cache

    version = cache.get(INDEX_VERSION_KEY)
    if version is None:
        version = int(timezone.now().timestamp() * 1000)
        cache.add(INDEX_VERSION_KEY, version, timeout=None)
        version = cache.get(INDEX_VERSION_KEY, version)
    return version


def bump_index_version() -> None:
    """Invalidate cached search results, now and again once the change is committed.

    The second bump drops whatever a concurrent request cached from the
    database state before the commit.
    """
    from django.core.cache import cache

    def bump() -> None:
        try:
            cache.incr(INDEX_VERSION_KEY)
        except ValueError:
            cache.set(INDEX_VERSION_KEY, int(timezone.now().timestamp() * 1000), None)

    bump()
    transaction.on_commit(bump)
