"""The tutor dashboard's learner list: filters, sort and pagination over ``Enrolment``.

Reads only the aggregates maintained on ``Enrolment`` (``tutoring.aggregates``):
one ``COUNT`` and one page query per request, whatever the number of learners or
activities. Rows always start from ``tutoring.permissions.scoped_enrolments``
(a group tutor only gets their groups' learners). Filters come from the query
string (shareable URLs) through ``DashboardFilterForm``; invalid values are
reported on the form and ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .flags import FLAG_LABELS, flag_q, flags_of
from .models import Cohort, CohortGroup, Enrolment
from .permissions import TutorScope

PAGE_SIZE = 50
NO_GROUP = "none"

#: Sort keys of the query string → ORDER BY (``id`` last keeps pages stable).
SORTS: dict[str, tuple[Any, ...]] = {
    "name": ("user__last_name", "user__first_name", "id"),
    "-name": (F("user__last_name").desc(), F("user__first_name").desc(), "-id"),
    "progress": ("progress_percent", "id"),
    "-progress": ("-progress_percent", "-id"),
    "last_activity": (F("last_activity_at").asc(nulls_first=True), "id"),
    "-last_activity": (F("last_activity_at").desc(nulls_last=True), "-id"),
    "score": (F("average_score").asc(nulls_first=True), "id"),
    "-score": (F("average_score").desc(nulls_last=True), "-id"),
}
SORT_LABELS = {
    "name": gettext_lazy("Nom (A → Z)"),
    "-name": gettext_lazy("Nom (Z → A)"),
    "progress": gettext_lazy("Progression croissante"),
    "-progress": gettext_lazy("Progression décroissante"),
    "last_activity": gettext_lazy("Dernière activité la plus ancienne"),
    "-last_activity": gettext_lazy("Dernière activité la plus récente"),
    "score": gettext_lazy("Score moyen croissant"),
    "-score": gettext_lazy("Score moyen décroissant"),
}
STATUS_CHOICES = [
    ("active", gettext_lazy("Inscrit·es")),
    ("withdrawn", gettext_lazy("Désinscrit·es")),
    ("all", gettext_lazy("Tous les statuts")),
]
#: Columns read for a row (values(): no model instances, no per-row query).
ROW_FIELDS = (
    "id",
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__email",
    "group_id",
    "status",
    "enrolled_at",
    "deadline",
    "progress_percent",
    "completed_count",
    "started_at",
    "last_activity_at",
    "average_score",
    "attendance_percent",
    "activity_states",
)


class DashboardFilterForm(forms.Form):
    """The dashboard's GET form (search, filters, sort); every field optional."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher (nom ou adresse e-mail)"),
        required=False,
        max_length=100,
    )
    group = forms.ChoiceField(label=gettext_lazy("Groupe"), required=False)
    flag = forms.ChoiceField(label=gettext_lazy("Signalement"), required=False)
    progress_min = forms.IntegerField(
        label=gettext_lazy("Progression minimale (%)"),
        required=False,
        min_value=0,
        max_value=100,
    )
    progress_max = forms.IntegerField(
        label=gettext_lazy("Progression maximale (%)"),
        required=False,
        min_value=0,
        max_value=100,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Statut"), required=False, choices=STATUS_CHOICES
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Trier par"),
        required=False,
        choices=list(SORT_LABELS.items()),
    )

    def __init__(
        self, data: Any, *, groups: list[CohortGroup], scope: TutorScope
    ) -> None:
        super().__init__(data)
        group_choices = [("", _("Tous mes groupes"))]
        if scope.whole_cohort:
            group_choices = [("", _("Tous les groupes")), (NO_GROUP, _("Sans groupe"))]
        group_choices += [(str(g.pk), g.name) for g in groups]
        self.fields["group"].choices = group_choices
        self.fields["flag"].choices = [("", _("Tous"))] + [
            (key, label) for key, label in FLAG_LABELS.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("progress_min"), data.get("progress_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "progress_max",
                _("La progression maximale doit être supérieure à la minimale."),
            )
        return data


@dataclass(frozen=True)
class DashboardFilters:
    """The valid filters of one request (invalid ones already dropped)."""

    q: str = ""
    group: str = ""
    flag: str = ""
    progress_min: int | None = None
    progress_max: int | None = None
    status: str = "active"
    sort: str = "name"

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.group
            or self.flag
            or self.progress_min is not None
            or self.progress_max is not None
            or self.status != "active"
        )

    def as_params(self) -> dict[str, str]:
        """The non-default filters as query-string parameters (shareable URLs)."""
        params: dict[str, str] = {}
        if self.q:
            params["q"] = self.q
        if self.group:
            params["group"] = self.group
        if self.flag:
            params["flag"] = self.flag
        if self.progress_min is not None:
            params["progress_min"] = str(self.progress_min)
        if self.progress_max is not None:
            params["progress_max"] = str(self.progress_max)
        if self.status != "active":
            params["status"] = self.status
        if self.sort != "name":
            params["sort"] = self.sort
        return params

    def describe(self, groups: Mapping[int, str]) -> str:
        """A French one-line description (stored with bulk messages)."""
        parts = []
        if self.q:
            parts.append(_("recherche « %(q)s »") % {"q": self.q})
        if self.group == NO_GROUP:
            parts.append(_("sans groupe"))
        elif self.group:
            parts.append(
                _("groupe %(name)s") % {"name": groups.get(int(self.group), "?")}
            )
        if self.flag:
            parts.append(
                _("signalement « %(flag)s »") % {"flag": FLAG_LABELS[self.flag]}
            )
        if self.progress_min is not None:
            parts.append(_("progression ≥ %(n)s %%") % {"n": self.progress_min})
        if self.progress_max is not None:
            parts.append(_("progression ≤ %(n)s %%") % {"n": self.progress_max})
        if self.status == "withdrawn":
            parts.append(_("désinscrit·es"))
        elif self.status == "all":
            parts.append(_("tous les statuts"))
        if not parts:
            return _("Tous les apprenant·es suivi·es")
        return _("Apprenant·es filtré·es : %(filters)s") % {"filters": ", ".join(parts)}


def parse_filters(
    data: Mapping[str, Any], *, groups: list[CohortGroup], scope: TutorScope
) -> tuple[DashboardFilterForm, DashboardFilters]:
    """Validate the query string; keep the valid fields, drop the others."""
    form = DashboardFilterForm(data, groups=groups, scope=scope)
    form.is_valid()
    clean = getattr(form, "cleaned_data", {})
    bad = set(form.errors)
    value = {
        name: clean.get(name)
        for name in form.fields
        if name not in bad and clean.get(name) not in (None, "")
    }
    filters = DashboardFilters(
        q=(value.get("q") or "").strip(),
        group=value.get("group") or "",
        flag=value.get("flag") or "",
        progress_min=value.get("progress_min"),
        progress_max=value.get("progress_max"),
        status=value.get("status") or "active",
        sort=value.get("sort") or "name",
    )
    return form, filters


def _search_q(text: str) -> Q:
    """Every word must appear in the first name, last name or e-mail
    (case-insensitive; accent-insensitive on PostgreSQL with ``unaccent``)."""
    lookup = "unaccent__icontains" if connection.vendor == "postgresql" else "icontains"
    query = Q()
    for word in text.split()[:5]:
        query &= (
            Q(**{f"user__first_name__{lookup}": word})
            | Q(**{f"user__last_name__{lookup}": word})
            | Q(**{f"user__email__{lookup}": word})
        )
    return query


def filter_enrolments(
    queryset: QuerySet[Enrolment],
    cohort: Cohort,
    filters: DashboardFilters,
    *,
    now: dt.datetime | None = None,
) -> QuerySet[Enrolment]:
    """``queryset`` (from ``scoped_enrolments(..., include_withdrawn=True)``)
    narrowed to ``filters`` (not ordered, no columns chosen: callers add
    ``order_by``/``values``)."""
    if filters.status != "all":
        queryset = queryset.filter(status=filters.status)
    if filters.q:
        queryset = queryset.filter(_search_q(filters.q))
    if filters.group == NO_GROUP:
        queryset = queryset.filter(group__isnull=True)
    elif filters.group:
        queryset = queryset.filter(group_id=int(filters.group))
    if filters.flag:
        queryset = queryset.filter(flag_q(cohort, filters.flag, now=now))
    if filters.progress_min is not None:
        queryset = queryset.filter(progress_percent__gte=filters.progress_min)
    if filters.progress_max is not None:
        queryset = queryset.filter(progress_percent__lte=filters.progress_max)
    return queryset


def ordered_rows(queryset: QuerySet[Enrolment], sort: str) -> QuerySet[Any]:
    """``values()`` rows of ``ROW_FIELDS`` in the requested (stable) order."""
    return queryset.order_by(*SORTS.get(sort, SORTS["name"])).values(*ROW_FIELDS)


@dataclass
class Page:
    """One page of rows with what the pagination links need."""

    rows: list[dict[str, Any]]
    number: int
    count: int
    page_size: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.count, self.number * self.page_size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    def page_links(self) -> list[int | None]:
        """Page numbers to link (``None`` = an ellipsis): first, last, and the
        neighbours of the current page."""
        last = self.num_pages
        wanted = {1, last, *range(self.number - 2, self.number + 3)}
        numbers = sorted(n for n in wanted if 1 <= n <= last)
        links: list[int | None] = []
        previous = 0
        for number in numbers:
            if number - previous > 1:
                links.append(None)
            links.append(number)
            previous = number
        return links


def page_number(raw: Any) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def get_page(
    queryset: QuerySet[Enrolment], sort: str, number: int, *, count: int | None = None
) -> Page:
    """One COUNT (on the filtered enrolments, without the user join unless a
    search needs it; skipped when the caller already knows it) and one page
    query; an out-of-range page shows the last."""
    if count is None:
        count = queryset.order_by().count()
    page = Page(rows=[], number=number, count=count)
    page.number = min(number, page.num_pages)
    offset = (page.number - 1) * PAGE_SIZE
    if count:
        page.rows = list(ordered_rows(queryset, sort)[offset : offset + PAGE_SIZE])
    return page


# --- Row decoration (pure Python over the values() rows) -------------------------


class _FlagSubject:
    """The attributes ``flags_of`` reads, taken from a values() row."""

    __slots__ = (
        "deadline",
        "enrolled_at",
        "last_activity_at",
        "progress_percent",
        "started_at",
    )

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.progress_percent = row["progress_percent"]
        self.started_at = row["started_at"]
        self.last_activity_at = row["last_activity_at"]
        self.enrolled_at = row["enrolled_at"]
        self.deadline = row["deadline"]


def row_flags(row: Mapping[str, Any], cohort: Cohort, now: dt.datetime) -> list[str]:
    return flags_of(_FlagSubject(row), cohort, now)  # type: ignore[arg-type]


STATE_COMPLETED = "completed"
STATE_IN_PROGRESS = "in_progress"
STATE_NOT_STARTED = "not_started"


def activity_cells(
    states: Mapping[str, Any] | None, activity_ids: list[int]
) -> Iterator[tuple[int, str, float | None]]:
    """``(activity_id, state, score)`` for each column, from ``activity_states``."""
    states = states or {}
    for activity_id in activity_ids:
        entry = states.get(str(activity_id)) or {}
        state = entry.get("state") or STATE_NOT_STARTED
        if state not in (STATE_COMPLETED, STATE_IN_PROGRESS):
            state = STATE_NOT_STARTED
        yield activity_id, state, entry.get("score")


STATE_ICONS = {STATE_COMPLETED: "✓", STATE_IN_PROGRESS: "◐", STATE_NOT_STARTED: "○"}


def state_labels() -> dict[str, str]:
    """The French state labels (text next to the icon; the icon is decorative)."""
    return {
        STATE_COMPLETED: _("terminée"),
        STATE_IN_PROGRESS: _("en cours"),
        STATE_NOT_STARTED: _("pas commencée"),
    }


def format_score(score: float) -> str:
    """``85.5`` → ``"85,5 %"`` (locale-aware, one decimal at most)."""
    value = round(float(score), 1)
    places = 0 if value == int(value) else 1
    return f"{number_format(value, decimal_pos=places)} %"


def cells_html(cells: list[tuple[int, str, float | None]], labels: dict) -> SafeString:
    """The activity cells of one row, built once in Python: 20 cells × 50 rows
    through the template engine would cost more than all the SQL of the page."""
    fragments = {
        state: (
            f'<span aria-hidden="true">{icon}</span>'
            f'<span class="tutoring-sr-only">{conditional_escape(labels[state])}</span>'
        )
        for state, icon in STATE_ICONS.items()
    }
    parts = []
    for activity_id, state, score in cells:
        score_html = (
            f' <span class="score">{format_score(score)}</span>'
            if score is not None
            else ""
        )
        parts.append(
            f'<td class="state state-{state}" data-activity-id="{int(activity_id)}">'
            f"{fragments[state]}{score_html}</td>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - ints, fixed states, escaped labels


def decorate(
    rows: list[dict[str, Any]],
    cohort: Cohort,
    activity_ids: list[int],
    group_names: Mapping[int, str],
    *,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Add display fields (name, group name, flags, activity cells) to rows."""
    now = now or timezone.now()
    labels = state_labels()
    # One reverse() for the page, not one per row.
    detail = reverse("tutoring:learner_detail", args=[cohort.pk, 0])[:-2]
    for row in rows:
        row["name"] = (
            f"{row['user__last_name']} {row['user__first_name']}".strip()
            or row["user__email"]
        )
        row["group_name"] = group_names.get(row["group_id"], "")
        row["detail_url"] = f"{detail}{int(row['user_id'])}/"
        row["select_label"] = _("Sélectionner %(name)s") % {"name": row["name"]}
        row["flags"] = [(key, FLAG_LABELS[key]) for key in row_flags(row, cohort, now)]
        row["cells"] = list(activity_cells(row["activity_states"], activity_ids))
        row["cells_html"] = cells_html(row["cells"], labels)
    return rows
