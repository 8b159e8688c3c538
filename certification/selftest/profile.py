"""Selectors of the self-test result and profile pages (spec B3, B4).

``attempt_result`` reads one sitting (its engine ``Result``, kept on the
attempt); ``profile_for`` assembles a teacher's latest level per competence
over every completed sitting, with the history and its "likely real" change
flags (|θ₂ − θ₁| > 1.96·√(SE₁² + SE₂²)). Area and overall summaries are
*indicative*. Nothing here reads items: no key, no parameter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from lms import digcompedu
from lms.models import Competence, CompetenceArea, ProficiencyLevel

from ..models import Attempt, CompetenceEstimate
from .engine import LEVELS
from .engine.levels import is_likely_real_change, median_level

# Chart geometry (SVG user units): one band per level on the x axis.
CHART_WIDTH = 720
CHART_LEFT = 16
BAND = 110
ROW_HEIGHT = 56
CHART_TOP = 8
AXIS_HEIGHT = 40


@dataclass(frozen=True)
class Level:
    """A DigCompEdu proficiency level (A1 … C2) with its French name and descriptor."""

    code: str
    rank: int
    name: str
    descriptor: str


def level_table() -> dict[str, Level]:
    """The six levels by code (one query; the reference data as a fallback)."""
    rows = ProficiencyLevel.objects.filter(
        framework__code=digcompedu.FRAMEWORK_CODE
    ).order_by("rank")
    table = {
        row.code: Level(row.code, row.rank, row.name, row.descriptor) for row in rows
    }
    if len(table) < len(LEVELS):
        for data in digcompedu.levels():
            table.setdefault(
                data.code,
                Level(data.code, data.rank, data.name_fr, data.descriptor_fr),
            )
    return table


def _next_level(levels: dict[str, Level], code: str) -> Level | None:
    index = LEVELS.index(code)
    return levels[LEVELS[index + 1]] if index + 1 < len(LEVELS) else None


@dataclass(frozen=True)
class CompetenceLevel:
    """One competence of a result or profile: measured (with its level) or not."""

    code: str
    name: str
    area: str
    is_measured: bool
    level: Level | None = None
    next_level: Level | None = None
    range_low: Level | None = None
    range_high: Level | None = None
    confidence: int = 0  # percent
    n_items: int = 0
    is_provisional: bool = False
    cut_scores_provisional: bool = False
    from_overall: bool = False
    theta: float | None = None
    se: float | None = None
    measured_at: dt.datetime | None = None
    attempt_uuid: Any = None

    @property
    def range_label(self) -> str:
        """ "A2–B2", or the single level when the 80 % range holds one level."""
        if self.range_low is None or self.range_high is None:
            return ""
        if self.range_low.code == self.range_high.code:
            return self.range_low.code
        return f"{self.range_low.code}–{self.range_high.code}"

    @property
    def summary(self) -> str:
        """ "B1 (probablement A2–B2)"."""
        if self.level is None:
            return ""
        if self.range_label in ("", self.level.code):
            return self.level.code
        return _("%(level)s (probablement %(range)s)") % {
            "level": self.level.code,
            "range": self.range_label,
        }


@dataclass(frozen=True)
class AreaLevel:
    """An area's indicative level, from its measured competences."""

    code: str
    name: str
    level: Level | None
    competences: tuple[str, ...]
    is_indicative: bool = True


@dataclass(frozen=True)
class ChartBar:
    code: str
    label: str
    rank: int
    label_y: int
    bar_y: int
    width: int
    range_x1: int
    range_x2: int
    range_y: int


@dataclass(frozen=True)
class ChartTick:
    code: str
    rank: int
    x: int
    label_x: int
    name: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: bar length = level rank 1–6, line = 80 % range."""

    bars: tuple[ChartBar, ...]
    ticks: tuple[ChartTick, ...]
    width: int
    height: int
    axis_y: int
    plot_bottom: int
    axis_end: int = CHART_LEFT + 6 * BAND


def build_chart(rows: list[CompetenceLevel], levels: dict[str, Level]) -> Chart:
    """The SVG geometry for the measured ``rows`` (the table shows the same data)."""
    bars = []
    for index, row in enumerate(r for r in rows if r.is_measured and r.level):
        top = CHART_TOP + index * ROW_HEIGHT
        low = row.range_low or row.level
        high = row.range_high or row.level
        label = f"{row.code} {row.name} — {row.summary}"
        if row.is_provisional:
            label += " — " + _("provisoire")
        bars.append(
            ChartBar(
                code=row.code,
                label=label,
                rank=row.level.rank,
                label_y=top + 16,
                bar_y=top + 24,
                width=row.level.rank * BAND,
                range_x1=CHART_LEFT + (low.rank - 1) * BAND + BAND // 2,
                range_x2=CHART_LEFT + (high.rank - 1) * BAND + BAND // 2,
                range_y=top + 36,
            )
        )
    plot_bottom = CHART_TOP + len(bars) * ROW_HEIGHT
    ticks = tuple(
        ChartTick(
            code=level.code,
            rank=level.rank,
            x=CHART_LEFT + level.rank * BAND,
            label_x=CHART_LEFT + (level.rank - 1) * BAND + BAND // 2,
            name=level.name,
        )
        for level in sorted(levels.values(), key=lambda lv: lv.rank)
    )
    return Chart(
        bars=tuple(bars),
        ticks=ticks,
        width=CHART_WIDTH,
        height=plot_bottom + AXIS_HEIGHT,
        axis_y=plot_bottom + 24,
        plot_bottom=plot_bottom,
    )


def _competence_table() -> dict[str, Competence]:
    return {
        c.code: c for c in Competence.objects.select_related("area").order_by("code")
    }


# --- One sitting ----------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    """What the result page (and the result API) shows for one sitting."""

    attempt: Attempt
    competences: list[CompetenceLevel]
    areas: list[AreaLevel]
    overall_level: Level | None
    chart: Chart
    levels: dict[str, Level]
    is_global: bool

    @property
    def measured(self) -> list[CompetenceLevel]:
        return [row for row in self.competences if row.is_measured]

    @property
    def not_measured(self) -> list[CompetenceLevel]:
        return [row for row in self.competences if not row.is_measured]


def attempt_result(attempt: Attempt) -> AttemptResult:
    """The levels of a finished sitting (completed or abandoned), blueprint order."""
    levels = level_table()
    competences = _competence_table()
    data = attempt.result or {}
    rows = []
    for raw in data.get("competences", []):
        competence = competences.get(raw["competence"])
        if competence is None:
            continue
        common = {
            "code": competence.code,
            "name": competence.name,
            "area": competence.area.code,
        }
        if not raw.get("is_measured"):
            rows.append(CompetenceLevel(is_measured=False, **common))
            continue
        rows.append(
            CompetenceLevel(
                is_measured=True,
                level=levels[raw["level"]],
                next_level=_next_level(levels, raw["level"]),
                range_low=levels[raw["range_low"]],
                range_high=levels[raw["range_high"]],
                confidence=round(100 * float(raw["confidence"])),
                n_items=int(raw["n_items"]),
                is_provisional=bool(raw.get("is_provisional")),
                cut_scores_provisional=bool(raw.get("cut_scores_provisional")),
                from_overall=bool(raw.get("from_overall")),
                theta=float(raw["theta"]),
                se=float(raw["se"]),
                measured_at=attempt.completed_at,
                attempt_uuid=attempt.uuid,
                **common,
            )
        )
    areas_by_code = {a.code: a for a in CompetenceArea.objects.order_by("code")}
    areas = []
    for raw in data.get("areas", []):
        area = areas_by_code.get(raw["area"])
        areas.append(
            AreaLevel(
                code=raw["area"],
                name=area.name
                if area
                else digcompedu.AREA_NAMES_FR.get(raw["area"], ""),
                level=levels.get(raw["level"]),
                competences=tuple(raw.get("competences", ())),
            )
        )
    overall = data.get("overall_level")
    return AttemptResult(
        attempt=attempt,
        competences=rows,
        areas=areas,
        overall_level=levels.get(overall) if overall else None,
        chart=build_chart(rows, levels),
        levels=levels,
        is_global=data.get("mode") == "global",
    )


# --- Over every sitting ---------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPoint:
    """One measure of a competence; ``likely_real`` compares it with the previous one."""

    measured_at: dt.datetime | None
    attempt_uuid: Any
    blueprint_name: str
    level: Level
    range_label: str
    confidence: int
    theta: float
    se: float
    likely_real: bool = False
    direction: str = ""  # "up", "down" or "" (first measure or same θ)


@dataclass(frozen=True)
class CompetenceHistory:
    code: str
    name: str
    points: list[HistoryPoint] = field(default_factory=list)

    @property
    def has_likely_real_change(self) -> bool:
        return any(point.likely_real for point in self.points)


@dataclass(frozen=True)
class Profile:
    """A teacher's latest level per competence (all 22) with its history."""

    competences: list[CompetenceLevel]
    history: list[CompetenceHistory]
    areas: list[AreaLevel]
    overall_level: Level | None
    chart: Chart
    levels: dict[str, Level]
    attempts_count: int

    @property
    def measured(self) -> list[CompetenceLevel]:
        return [row for row in self.competences if row.is_measured]


def _estimate_row(
    estimate: CompetenceEstimate, competence: Competence, levels: dict[str, Level]
) -> CompetenceLevel:
    return CompetenceLevel(
        code=competence.code,
        name=competence.name,
        area=competence.area.code,
        is_measured=True,
        level=levels[estimate.level],
        next_level=_next_level(levels, estimate.level),
        range_low=levels[estimate.range_low],
        range_high=levels[estimate.range_high],
        confidence=round(100 * estimate.confidence),
        n_items=estimate.n_items,
        is_provisional=not estimate.is_precise or estimate.confidence < 0.5,
        cut_scores_provisional=estimate.has_provisional_cuts,
        theta=estimate.theta,
        se=estimate.se,
        measured_at=estimate.attempt.completed_at,
        attempt_uuid=estimate.attempt.uuid,
    )


def _history(
    competence: Competence,
    estimates: list[CompetenceEstimate],
    levels: dict[str, Level],
) -> CompetenceHistory:
    points = []
    previous: CompetenceEstimate | None = None
    for estimate in estimates:
        likely = False
        direction = ""
        if previous is not None:
            likely = is_likely_real_change(
                previous.theta, previous.se, estimate.theta, estimate.se
            )
            if estimate.theta > previous.theta:
                direction = "up"
            elif estimate.theta < previous.theta:
                direction = "down"
        row = _estimate_row(estimate, competence, levels)
        points.append(
            HistoryPoint(
                measured_at=estimate.attempt.completed_at,
                attempt_uuid=estimate.attempt.uuid,
                blueprint_name=estimate.attempt.blueprint.name,
                level=row.level,
                range_label=row.range_label,
                confidence=row.confidence,
                theta=estimate.theta,
                se=estimate.se,
                likely_real=likely,
                direction=direction,
            )
        )
        previous = estimate
    return CompetenceHistory(competence.code, competence.name, points)


def profile_for(user: Any) -> Profile:
    """Latest level per competence over ``user``'s completed sittings (5 queries)."""
    levels = level_table()
    competences = _competence_table()
    by_pk = {c.pk: c for c in competences.values()}
    estimates = (
        CompetenceEstimate.objects.filter(
            attempt__user=user, attempt__status=Attempt.Status.COMPLETED
        )
        .select_related("attempt__blueprint")
        .order_by("attempt__completed_at", "attempt_id")
    )
    per_competence: dict[str, list[CompetenceEstimate]] = defaultdict(list)
    attempt_ids = set()
    for estimate in estimates:
        competence = by_pk.get(estimate.competence_id)
        if competence is not None:
            per_competence[competence.code].append(estimate)
            attempt_ids.add(estimate.attempt_id)
    rows = []
    history = []
    for code, competence in competences.items():
        found = per_competence.get(code)
        if not found:
            rows.append(
                CompetenceLevel(
                    code=code,
                    name=competence.name,
                    area=competence.area.code,
                    is_measured=False,
                )
            )
            continue
        rows.append(_estimate_row(found[-1], competence, levels))
        history.append(_history(competence, found, levels))
    areas = []
    seen_areas: dict[str, CompetenceArea] = {}
    for competence in competences.values():
        seen_areas.setdefault(competence.area.code, competence.area)
    for code, area in sorted(seen_areas.items()):
        measured = [r for r in rows if r.area == code and r.is_measured and r.level]
        if not measured:
            continue
        level = median_level(r.level.code for r in measured)
        areas.append(
            AreaLevel(
                code=code,
                name=area.name,
                level=levels.get(level) if level else None,
                competences=tuple(r.code for r in measured),
            )
        )
    overall = median_level(r.level.code for r in rows if r.is_measured and r.level)
    return Profile(
        competences=rows,
        history=history,
        areas=areas,
        overall_level=levels.get(overall) if overall else None,
        chart=build_chart(rows, levels),
        levels=levels,
        attempts_count=len(attempt_ids),
    )
