"""The teacher's portfolio, read side: attestations, hours per school year and
the DigCompEdu competences they evidence, plus what other sources (the
self-test) say about those competences.

Revoked attestations are listed (with their badge) but count in no total.
A school year runs from 1 September to 31 August; an attestation belongs to the
school year in which its session *ended* (``ends_on``).

Other parts add per-competence levels with ``register_competence_source``; the
page shows nothing extra while none is registered or a source has no result
for the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from lms.models import Competence

from .models import Attestation

ZERO = Decimal("0.00")

#: Columns a portfolio row needs (the signed credential is left in the database).
LIST_FIELDS = (
    "id",
    "uuid",
    "kind",
    "user_id",
    "training_code",
    "training_title",
    "modality",
    "starts_on",
    "ends_on",
    "sync_hours",
    "async_hours",
    "competences",
    "issued_at",
    "revoked_at",
    "revocation_reason",
)


# --- competence sources (the self-test registers one) ---------------------------


@dataclass(frozen=True)
class CompetenceLevels:
    """What one source says about a person's competences.

    ``levels`` maps a DigCompEdu competence code ("2.1") to a level ("B1").
    """

    source: str | Promise
    levels: Mapping[str, str]
    measured_at: dt.datetime | None = None


CompetenceSource = Callable[[Any], "CompetenceLevels | None"]
_SOURCES: list[CompetenceSource] = []


def register_competence_source(source: CompetenceSource) -> CompetenceSource:
    """Add a source of per-competence levels, called with the portfolio's owner.

    The callable returns ``CompetenceLevels`` or ``None`` when it knows nothing
    about that person; registering the same callable twice keeps one. Usable as
    a decorator.
    """
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def unregister_competence_source(source: CompetenceSource) -> None:
    """Remove a source (tests)."""
    if source in _SOURCES:
        _SOURCES.remove(source)


def _source_results(user: Any) -> list[CompetenceLevels]:
    results = []
    for source in _SOURCES:
        result = source(user)
        if result is not None and result.levels:
            results.append(result)
    return results


# --- school years ------------------------------------------------------------------


def school_year_start(day: dt.date) -> int:
    """The calendar year in which ``day``'s school year began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_label(day: dt.date) -> str:
    """``"2025-2026"`` for any day from 1 September 2025 to 31 August 2026."""
    start = school_year_start(day)
    return f"{start}-{start + 1}"


@dataclass
class YearHours:
    """Hours of one school year (valid attestations only)."""

    label: str
    sync_hours: Decimal = ZERO
    async_hours: Decimal = ZERO
    attestations: int = 0
    revoked: int = 0

    @property
    def total_hours(self) -> Decimal:
        return self.sync_hours + self.async_hours


# --- competences -------------------------------------------------------------------


@dataclass
class CompetenceRow:
    """One DigCompEdu competence: evidence from attestations and other sources."""

    code: str
    name: str
    area_code: str
    attestations: int = 0
    hours: Decimal = ZERO
    levels: list[str] = field(default_factory=list)  # one per source, "" if none


@dataclass(frozen=True)
class ChartBar:
    """Geometry of one bar of the SVG chart (computed here, drawn by the template)."""

    row: CompetenceRow
    y: int
    label_y: int
    bar_y: int
    width: int
    text_x: int
    text_y: int


CHART_WIDTH = 720
CHART_BAR_X = 16
CHART_BAR_MAX = 440
CHART_ROW_HEIGHT = 52


def _competence_key(code: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in code.split("."))
    except ValueError:
        return (999,)


def chart_bars(rows: list[CompetenceRow]) -> list[ChartBar]:
    """Bars proportional to the hours (a competence evidenced by 0 h gets a sliver)."""
    longest = max((row.hours for row in rows), default=ZERO)
    bars = []
    for index, row in enumerate(rows):
        y = index * CHART_ROW_HEIGHT
        width = int(CHART_BAR_MAX * row.hours / longest) if longest else 0
        width = max(width, 2)
        bars.append(
            ChartBar(
                row=row,
                y=y,
                label_y=y + 16,
                bar_y=y + 24,
                width=width,
                text_x=CHART_BAR_X + width + 8,
                text_y=y + 40,
            )
        )
    return bars


# --- the portfolio -------------------------------------------------------------------


@dataclass
class PortfolioEntry:
    """An attestation as the portfolio lists it, with its links."""

    attestation: Attestation
    school_year: str
    detail_url: str
    pdf_url: str
    credential_url: str


@dataclass
class Portfolio:
    entries: list[PortfolioEntry]
    years: list[YearHours]
    competences: list[CompetenceRow]
    sources: list[CompetenceLevels]
    revoked_count: int

    @property
    def total(self) -> YearHours:
        """All school years together."""
        total = YearHours(label="")
        for year in self.years:
            total.sync_hours += year.sync_hours
            total.async_hours += year.async_hours
            total.attestations += year.attestations
            total.revoked += year.revoked
        return total

    @property
    def chart(self) -> list[ChartBar]:
        return chart_bars(self.competences)

    @property
    def chart_height(self) -> int:
        return max(len(self.competences), 1) * CHART_ROW_HEIGHT + 8


def attestations_of(user: Any):
    """The person's attestations, newest first, without their signed credential."""
    return Attestation.objects.filter(user=user).only(*LIST_FIELDS)


def _entry(attestation: Attestation) -> PortfolioEntry:
    args = [attestation.uuid]
    return PortfolioEntry(
        attestation=attestation,
        school_year=school_year_label(attestation.ends_on),
        detail_url=reverse("certification:attestation_detail", args=args),
        pdf_url=reverse("certification:attestation_pdf", args=args),
        credential_url=reverse("certification:attestation_credential", args=args),
    )


def hours_per_year(attestations: list[Attestation]) -> list[YearHours]:
    """Hours per school year, newest year first; revoked attestations are only
    counted in ``revoked``."""
    years: dict[str, YearHours] = {}
    for attestation in attestations:
        label = school_year_label(attestation.ends_on)
        year = years.setdefault(label, YearHours(label=label))
        if attestation.is_revoked:
            year.revoked += 1
            continue
        year.attestations += 1
        year.sync_hours += attestation.sync_hours
        year.async_hours += attestation.async_hours
    return [years[label] for label in sorted(years, reverse=True)]


def competence_rows(
    attestations: list[Attestation], sources: list[CompetenceLevels]
) -> list[CompetenceRow]:
    """Competences evidenced by valid attestations or by a source, in framework
    order, with French names (one query)."""
    counts: dict[str, list] = {}
    for attestation in attestations:
        if attestation.is_revoked:
            continue
        for code in attestation.competences or []:
            count = counts.setdefault(str(code), [0, ZERO])
            count[0] += 1
            count[1] += attestation.total_hours
    codes = set(counts)
    for result in sources:
        codes.update(result.levels)
    if not codes:
        return []
    names = {
        c.code: c
        for c in Competence.objects.filter(code__in=codes).select_related("area")
    }
    rows = []
    for code in sorted(codes, key=_competence_key):
        competence = names.get(code)
        count, hours = counts.get(code, (0, ZERO))
        rows.append(
            CompetenceRow(
                code=code,
                name=competence.name if competence else code,
                area_code=competence.area.code if competence else "",
                attestations=count,
                hours=hours,
                levels=[str(result.levels.get(code, "")) for result in sources],
            )
        )
    return rows


def portfolio_for(user: Any) -> Portfolio:
    """Everything the portfolio page shows for ``user`` in two queries (plus what
    the registered competence sources run)."""
    attestations = list(attestations_of(user))
    sources = _source_results(user)
    return Portfolio(
        entries=[_entry(a) for a in attestations],
        years=hours_per_year(attestations),
        competences=competence_rows(attestations, sources),
        sources=sources,
        revoked_count=sum(1 for a in attestations if a.is_revoked),
    )
