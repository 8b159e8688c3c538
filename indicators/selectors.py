"""Read queries of the indicator dashboard and exports: aggregate tables only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from catalogue.models.taxonomy import Province
from lms.digcompedu import COMPETENCE_NAMES_FR
from lms.models import Establishment
from lms.roles import Role

from .models import (
    UNKNOWN,
    ParticipationFact,
    RefreshRun,
    SelfTestLevelFact,
    SessionSummary,
)
from .refresh import SELFTEST_MIN_GROUP

#: The GET value that selects people with no value for a dimension.
NOT_SET = "none"
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")

#: Dimension name → (label, choices). Choices come from the models' vocabularies.
DIMENSIONS: dict[str, tuple[Any, list[tuple[str, Any]]]] = {
    "network": (_("Réseau"), list(Establishment.Network.choices)),
    "level": (_("Niveau d'enseignement"), list(Establishment.Level.choices)),
    "province": (
        _("Province"),
        [c for c in Province.choices if c[0] != Province.ONLINE],
    ),
    "function": (_("Fonction"), list(Role.choices)),
}
TABLES = {
    "training": _("Par formation"),
    "session": _("Par session"),
    "cohort": _("Par cohorte"),
}


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; ``None`` means "all", ``""`` "non renseigné"."""

    school_year: int | None = None
    network: str | None = None
    level: str | None = None
    province: str | None = None
    function: str | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> Filters:
        """Filters from GET parameters; unknown values are ignored (→ all)."""
        values: dict[str, Any] = {}
        year = query.get("year", "")
        if year.isdigit() and 2000 <= int(year) <= 2100:
            values["school_year"] = int(year)
        for name, (_label, choices) in DIMENSIONS.items():
            raw = query.get(name, "")
            if raw == NOT_SET:
                values[name] = UNKNOWN
            elif raw in {value for value, _l in choices}:
                values[name] = raw
        return cls(**values)

    def q(self) -> Q:
        condition = Q()
        if self.school_year is not None:
            condition &= Q(school_year=self.school_year)
        for name in DIMENSIONS:
            value = getattr(self, name)
            if value is not None:
                condition &= Q(**{name: value})
        return condition

    def as_query(self) -> dict[str, str]:
        """The filters as GET parameters (links, exports)."""
        params: dict[str, str] = {}
        if self.school_year is not None:
            params["year"] = str(self.school_year)
        for name in DIMENSIONS:
            value = getattr(self, name)
            if value is not None:
                params[name] = value or NOT_SET
        return params


def school_year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def dimension_label(name: str, value: str) -> str:
    if value == UNKNOWN:
        return str(_("Non renseigné"))
    return str(dict(DIMENSIONS[name][1]).get(value, value))


MEASURES = (
    "registered",
    "accepted",
    "completed",
    "participant_hours",
    "activities_required",
    "activities_completed",
    "minutes_planned",
    "minutes_attended",
    "attestations_issued",
    "attestations_delivered",
)


def _sums() -> dict[str, Any]:
    # Aliased "sum_*": an aggregate may not take the name of a field.
    return {
        f"sum_{name}": Coalesce(
            Sum(name), Decimal("0") if name == "participant_hours" else 0
        )
        for name in MEASURES
    }


def _rate(part: Any, whole: Any) -> float | None:
    """A percentage with one decimal, None when there is nothing to divide."""
    if not whole:
        return None
    return round(100.0 * float(part) / float(whole), 1)


@dataclass
class Figures:
    """Sums of the measures and the rates derived from them."""

    registered: int = 0
    accepted: int = 0
    completed: int = 0
    participant_hours: Decimal = Decimal("0")
    activities_required: int = 0
    activities_completed: int = 0
    minutes_planned: int = 0
    minutes_attended: int = 0
    attestations_issued: int = 0
    attestations_delivered: int = 0
    online_or_hybrid: int = 0
    digital_hours: Decimal = Decimal("0")
    trainings: int = 0
    digital_trainings: int = 0
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completed, self.accepted)

    @property
    def activity_completion_rate(self) -> float | None:
        return _rate(self.activities_completed, self.activities_required)

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.minutes_attended, self.minutes_planned)

    @property
    def digital_trainings_share(self) -> float | None:
        return _rate(self.digital_trainings, self.trainings)

    @property
    def digital_hours_share(self) -> float | None:
        return _rate(self.digital_hours, self.participant_hours)

    @property
    def delivery_rate(self) -> float | None:
        return _rate(self.attestations_delivered, self.attestations_issued)


def _figures(row: dict[str, Any], label: str = "") -> Figures:
    values = {k.removeprefix("sum_"): v for k, v in row.items()}
    known = {
        k: v
        for k, v in values.items()
        if k in Figures.__dataclass_fields__ and k not in ("label", "extra")
    }
    return Figures(label=label, **known)


def facts(filters: Filters) -> QuerySet[ParticipationFact]:
    return ParticipationFact.objects.filter(filters.q())


def headline(filters: Filters) -> Figures:
    """Every headline figure under ``filters``, in one query."""
    row = facts(filters).aggregate(
        **_sums(),
        online_or_hybrid=Coalesce(
            Sum("accepted", filter=Q(is_online_or_hybrid=True)), 0
        ),
        digital_hours=Coalesce(
            Sum("participant_hours", filter=Q(is_digital=True)), Decimal("0")
        ),
        trainings=Count("training_id", distinct=True),
        digital_trainings=Count(
            "training_id", distinct=True, filter=Q(is_digital=True)
        ),
    )
    return _figures(row)


def by_dimension(filters: Filters, dimension: str) -> list[Figures]:
    """The measures per value of one dimension (chart), in one query."""
    rows = (
        facts(filters)
        .values(dimension)
        .annotate(
            **_sums(),
            online_or_hybrid=Coalesce(
                Sum("accepted", filter=Q(is_online_or_hybrid=True)), 0
            ),
        )
        .order_by(dimension)
    )
    order = {value: i for i, (value, _l) in enumerate(DIMENSIONS[dimension][1])}
    result = [_figures(row, dimension_label(dimension, row[dimension])) for row in rows]
    values = [row[dimension] for row in rows]
    ranked = sorted(
        zip(values, result, strict=True), key=lambda vr: order.get(vr[0], 999)
    )
    return [figures for _value, figures in ranked]


#: Table kind → (fact column grouped on, summary column matched).
_TABLE_KEYS = {
    "training": "training_id",
    "session": "session_id",
    "cohort": "cohort_id",
}


def table_rows(filters: Filters, kind: str) -> QuerySet:
    """Grouped measures per training, session or cohort (largest first); lazy,
    so that a paginator counts and slices it in SQL."""
    key = _TABLE_KEYS[kind]
    rows = facts(filters)
    if kind == "cohort":
        rows = rows.filter(cohort_id__isnull=False)
    return rows.values(key).annotate(**_sums()).order_by("-sum_accepted", key)


def labelled(rows: list[dict[str, Any]], kind: str) -> list[Figures]:
    """Figures of one page of ``table_rows``, with their labels (one query)."""
    key = _TABLE_KEYS[kind]
    ids = [row[key] for row in rows]
    summaries = SessionSummary.objects.filter(**{f"{key}__in": ids}).values(
        key,
        "training_code",
        "training_title",
        "session_code",
        "cohort_code",
        "school_year",
        "modality",
        "total_hours",
        "is_digital",
    )
    labels: dict[int, dict[str, Any]] = {}
    for summary in summaries:
        labels.setdefault(summary[key], summary)
    result = []
    for row in rows:
        info = labels.get(row[key], {})
        if kind == "training":
            label = (
                f"{info.get('training_code', '')} — {info.get('training_title', '')}"
            )
        elif kind == "session":
            label = f"{info.get('session_code', '')} — {info.get('training_title', '')}"
        else:
            label = f"{info.get('cohort_code', '')} — {info.get('training_title', '')}"
        figures = _figures(row, label)
        figures.extra = info
        result.append(figures)
    return result


@dataclass(frozen=True)
class LevelCount:
    level: str
    count: int
    percent: float


@dataclass(frozen=True)
class CompetenceLevels:
    code: str
    name: str
    n: int
    suppressed: bool
    distribution: list[LevelCount]


def selftest_levels(filters: Filters) -> list[CompetenceLevels]:
    """Shared self-test results per competence and level, in one query;
    competences fed by fewer than ``SELFTEST_MIN_GROUP`` results are suppressed."""
    rows = (
        SelfTestLevelFact.objects.filter(filters.q())
        .values("competence_code", "proficiency")
        .annotate(n=Sum("results"))
        .order_by("competence_code", "proficiency")
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["competence_code"], {})[row["proficiency"]] = row["n"]
    result = []
    for code in sorted(counts, key=_competence_sort_key):
        per_level = counts[code]
        n = sum(per_level.values())
        suppressed = n < SELFTEST_MIN_GROUP
        result.append(
            CompetenceLevels(
                code=code,
                name=COMPETENCE_NAMES_FR.get(code, ""),
                n=n,
                suppressed=suppressed,
                distribution=[]
                if suppressed
                else [
                    LevelCount(
                        level,
                        per_level.get(level, 0),
                        _rate(per_level.get(level, 0), n) or 0.0,
                    )
                    for level in LEVELS
                ],
            )
        )
    return result


def _competence_sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in code.split("."))


def school_years() -> list[int]:
    """School years that have sessions, newest first."""
    return list(
        SessionSummary.objects.order_by("-school_year")
        .values_list("school_year", flat=True)
        .distinct()
    )


def last_refresh() -> RefreshRun | None:
    """The latest finished refresh (the figures shown come from it)."""
    return (
        RefreshRun.objects.filter(status=RefreshRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )
