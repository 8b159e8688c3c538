"""Charts of the tutor dashboard: data (one query each) and inline SVG.

* Progress distribution: the scoped active learners in 10 buckets of progress %
  (one ``GROUP BY`` on ``Enrolment``).
* Activity completion funnel: started / completed per activity in course order.
  For a whole-cohort tutor it is read from the maintained
  ``CohortActivityStat``; for a group tutor it is computed from the scoped
  enrolments' ``activity_states`` in one SQL query (``jsonb_each`` on
  PostgreSQL), so it only counts their groups' learners.

The SVG is server-rendered (no script, no inline style: presentation attributes
only), has ``<title>``/``<desc>``, and the templates show a data table next to
it as the text alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, QuerySet, Value
from django.db.models.functions import Least
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from courses.models import Activity

from .models import Cohort, CohortActivityStat, Enrolment

BUCKETS = 10
FUNNEL_SQL = (
    "SELECT s.key, "
    "COUNT(*) FILTER (WHERE s.value->>'state' IN ('in_progress', 'completed')), "
    "COUNT(*) FILTER (WHERE s.value->>'state' = 'completed') "
    "FROM {table} e CROSS JOIN LATERAL jsonb_each(e.activity_states) s "
    "WHERE e.id IN ({ids}) GROUP BY s.key"
)


@dataclass(frozen=True)
class Bucket:
    label: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    activity_id: int
    title: str
    started: int
    completed: int


def progress_distribution(enrolments: QuerySet[Enrolment]) -> list[Bucket]:
    """Learners per 10-point bucket of progress (0–9 %, …, 90–100 %)."""
    rows = (
        enrolments.order_by()
        .annotate(bucket=Least(F("progress_percent") / 10, Value(BUCKETS - 1)))
        .values("bucket")
        .annotate(n=Count("id"))
    )
    counts = {int(row["bucket"]): row["n"] for row in rows}
    buckets = []
    for index in range(BUCKETS):
        low, high = index * 10, (100 if index == BUCKETS - 1 else index * 10 + 9)
        buckets.append(
            Bucket(
                _("%(low)s–%(high)s %%") % {"low": low, "high": high},
                counts.get(index, 0),
            )
        )
    return buckets


def _scoped_funnel_counts(
    enrolments: QuerySet[Enrolment],
) -> dict[int, tuple[int, int]]:
    """(started, completed) per activity id over ``enrolments``' states."""
    ids_sql, params = enrolments.order_by().values("id").query.sql_with_params()
    if connection.vendor == "postgresql":
        # Table name from the model and the scoped subquery compiled by the ORM
        # (its values are parameters): nothing here comes from the request.
        sql = FUNNEL_SQL.format(table=Enrolment._meta.db_table, ids=ids_sql)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {int(key): (started, done) for key, started, done in cursor}
    # Embedded default (SQLite): small cohorts, count in Python.
    counts: dict[int, tuple[int, int]] = {}
    for states in enrolments.order_by().values_list("activity_states", flat=True):
        for key, entry in (states or {}).items():
            state = (entry or {}).get("state")
            started, done = counts.get(int(key), (0, 0))
            counts[int(key)] = (
                started + int(state in ("in_progress", "completed")),
                done + int(state == "completed"),
            )
    return counts


def completion_funnel(
    cohort: Cohort,
    activities: Sequence[Activity],
    *,
    whole_cohort: bool,
    enrolments: QuerySet[Enrolment] | None = None,
) -> list[FunnelStep]:
    """Started / completed per activity, in course order (see module docstring)."""
    if whole_cohort or enrolments is None:
        counts = {
            row["activity_id"]: (row["started"], row["completed"])
            for row in CohortActivityStat.objects.filter(cohort=cohort).values(
                "activity_id", "started", "completed"
            )
        }
    else:
        counts = _scoped_funnel_counts(enrolments)
    return [FunnelStep(a.pk, a.title, *counts.get(a.pk, (0, 0))) for a in activities]


# --- SVG -------------------------------------------------------------------------


def _ratio(value: int, total: int) -> float:
    return 0.0 if total <= 0 else min(1.0, value / total)


def distribution_svg(buckets: Sequence[Bucket], *, chart_id: str) -> SafeString:
    """Vertical bar chart of the progress buckets."""
    width, height, top, bottom, left = 520, 220, 20, 40, 36
    plot_height = height - top - bottom
    slot = (width - left) / max(1, len(buckets))
    peak = max((b.count for b in buckets), default=0)
    bars = []
    for index, bucket in enumerate(buckets):
        bar_height = round(_ratio(bucket.count, peak) * plot_height, 1)
        x = round(left + index * slot + slot * 0.15, 1)
        y = round(top + plot_height - bar_height, 1)
        bars.append(
            format_html(
                '<g><rect class="chart-bar" x="{}" y="{}" width="{}" height="{}">'
                "</rect>"
                '<text class="chart-value" x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>'
                "</g>",
                x,
                y,
                round(slot * 0.7, 1),
                bar_height,
                round(x + slot * 0.35, 1),
                max(top - 4, y - 4),
                bucket.count,
                round(x + slot * 0.35, 1),
                height - bottom + 16,
                bucket.label.replace(" %", ""),
            )
        )
    summary = ", ".join(f"{b.label} : {b.count}" for b in buckets)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        _("Répartition des apprenant·es par progression"),
        chart_id,
        _("Nombre d'apprenant·es par tranche de progression : %(summary)s.")
        % {"summary": summary},
        left,
        top + plot_height,
        width,
        top + plot_height,
        format_html_join("", "{}", ((bar,) for bar in bars)),
    )


def funnel_svg(steps: Sequence[FunnelStep], total: int, *, chart_id: str) -> SafeString:
    """Horizontal paired bars (started, completed) per activity, as % of ``total``."""
    label_width, bar_width, row_height = 200, 300, 34
    width = label_width + bar_width + 70
    height = max(row_height, row_height * len(steps)) + 10
    rows = []
    for index, step in enumerate(steps):
        y = 5 + index * row_height
        started = round(_ratio(step.started, total) * bar_width, 1)
        completed = round(_ratio(step.completed, total) * bar_width, 1)
        title = step.title if len(step.title) <= 30 else step.title[:29] + "…"
        rows.append(
            format_html(
                '<g><text class="chart-label" x="0" y="{}">{}</text>'
                '<rect class="chart-bar-started" x="{}" y="{}" width="{}" '
                'height="12"></rect>'
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="12"></rect>'
                '<text class="chart-value" x="{}" y="{}">{} / {}</text></g>',
                y + 20,
                title,
                label_width,
                y + 4,
                started,
                label_width,
                y + 17,
                completed,
                label_width + bar_width + 6,
                y + 20,
                step.completed,
                step.started,
            )
        )
    summary = "; ".join(
        _("%(title)s : %(started)s commencé, %(completed)s terminé")
        % {"title": s.title, "started": s.started, "completed": s.completed}
        for s in steps
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        _("Entonnoir d'achèvement des activités"),
        chart_id,
        summary or _("Aucune activité."),
        format_html_join("", "{}", ((row,) for row in rows)),
    )
