"""Geometry of the dashboard's server-rendered SVG charts (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from certification.views.selftest_campaigns import CHART_WIDTH, ChartRow, level_rows

from .selectors import CompetenceLevels, Figures

BAR_HEIGHT = 22
BAR_ROW = 44
LABEL_WIDTH = 230
BAR_AREA = 430


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    hours: Decimal
    y: int
    width: float

    @property
    def label_y(self) -> int:
        return self.y + 16

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 8


def dimension_bars(rows: list[Figures]) -> tuple[list[Bar], int, int]:
    """Horizontal bars of accepted participants per dimension value: (bars,
    width, height) of the SVG."""
    top = max((row.accepted for row in rows), default=0)
    bars = [
        Bar(
            label=row.label,
            value=row.accepted,
            hours=row.participant_hours,
            y=8 + index * BAR_ROW,
            width=round(BAR_AREA * row.accepted / top, 1) if top else 0.0,
        )
        for index, row in enumerate(rows)
    ]
    return bars, LABEL_WIDTH + BAR_AREA + 120, 16 + len(bars) * BAR_ROW


def level_chart(competences: list[CompetenceLevels]) -> tuple[list[ChartRow], int, int]:
    """Stacked level bars per competence, in the self-test campaign chart's
    shapes (``certification/selftest/campaigns/_chart.html`` draws them)."""
    rows, height = level_rows(competences)
    return rows, CHART_WIDTH + 32, height
