"""Tracking reports of a course run: learner × SCO table, CSV exports.

Reads only (selectors for reports). Every figure comes from the normalised
columns of ``ScoState`` (status, score, time) and ``Attempt``; the interactions
export reads ``cmi.interactions.n.*`` from the stored CMI data. Strings that come
from packages or learners (SCO titles, interaction ids, responses) are escaped
by the templates in HTML and neutralised against spreadsheet formula injection
in CSV (``csv_safe``).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Activity, Attempt, Course, Participant, ScoState

PACKAGE_KINDS = (Activity.Kind.SCORM, Activity.Kind.H5P)
#: Learners handled per batch of queries when exporting a whole run.
EXPORT_BATCH = 500

STATUS_LABELS = {
    "passed": gettext_lazy("réussi"),
    "failed": gettext_lazy("échoué"),
    "completed": gettext_lazy("terminé"),
    "incomplete": gettext_lazy("en cours"),
    "browsed": gettext_lazy("parcouru"),
    "not attempted": gettext_lazy("pas commencé"),
    "unknown": gettext_lazy("inconnu"),
}


def status_of(state: ScoState | None) -> str:
    """One SCORM status for a SCO state: success first (passed/failed), then
    completion (SCORM 2004), else the SCORM 1.2 ``lesson_status``."""
    if state is None:
        return "not attempted"
    if state.success_status in ("passed", "failed"):
        return state.success_status
    if state.completion_status and state.completion_status != "unknown":
        return state.completion_status
    if state.lesson_status:
        return state.lesson_status
    return state.completion_status or "unknown"


def score_percent(state: ScoState | None) -> float | None:
    """The score as a percentage: ``score.scaled`` when given, else ``raw``
    within ``min``–``max`` (0–100 when they are missing)."""
    if state is None:
        return None
    if state.score_scaled is not None:
        return round(state.score_scaled * 100, 2)
    if state.score_raw is None:
        return None
    low = state.score_min if state.score_min is not None else 0.0
    high = state.score_max if state.score_max is not None else 100.0
    if high <= low:
        return round(state.score_raw, 2)
    return round((state.score_raw - low) / (high - low) * 100, 2)


def format_duration(seconds: float | None) -> str:
    """``3725.4`` → ``"1:02:05"``."""
    total = int(round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@dataclass
class ReportRow:
    """One learner × SCO line of the report."""

    learner: Any
    activity: Activity
    sco_identifier: str
    sco_title: str
    status: str
    score: float | None
    score_raw: float | None
    total_time_seconds: float
    attempt_count: int
    last_activity_at: datetime | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def total_time(self) -> str:
        return format_duration(self.total_time_seconds)


def package_activities(
    course: Course, activity: Activity | None = None
) -> list[Activity]:
    """The SCORM and H5P activities of ``course`` (or just ``activity``), in order."""
    activities = Activity.objects.filter(
        module__course=course, kind__in=PACKAGE_KINDS
    ).select_related("package", "module")
    if activity is not None:
        activities = activities.filter(pk=activity.pk)
    return list(activities.order_by("module__position", "module_id", "position", "id"))


def learners(course: Course, only_ids: set[int] | None = None) -> QuerySet[Participant]:
    """The run's learners (active or not: past work stays reportable), by name;
    limited to ``only_ids`` when given (``permissions.visible_learner_ids``)."""
    queryset = Participant.objects.filter(course=course, role=Participant.Role.LEARNER)
    if only_ids is not None:
        queryset = queryset.filter(user_id__in=only_ids)
    return queryset.select_related("user").order_by(
        "user__last_name", "user__first_name", "user_id"
    )


def _expected_scos(activity: Activity) -> list[tuple[str, str]]:
    package = activity.package
    if package is None:
        return []
    return [
        (
            str(sco.get("identifier", "")),
            str(sco.get("title") or sco.get("identifier", "")),
        )
        for sco in package.scos
        if sco.get("identifier")
    ]


def report_rows(
    users: Sequence[Any], activities: Sequence[Activity]
) -> list[ReportRow]:
    """Learner × SCO rows for ``users`` on ``activities`` in two queries.

    Per SCO: the status and score of the learner's latest attempt, the time summed
    over every attempt, the number of attempts on the activity and the last time
    anything was recorded. SCOs of earlier package versions that a learner
    worked on appear too.
    """
    if not users or not activities:
        return []
    user_ids = [u.pk for u in users]
    activity_ids = [a.pk for a in activities]
    states = (
        ScoState.objects.filter(
            attempt__user_id__in=user_ids, attempt__activity_id__in=activity_ids
        )
        .select_related("attempt")
        .defer("cmi", "suspend_data", "location")
        .order_by("attempt__number", "pk")
    )
    by_key: dict[tuple[int, int, str], list[ScoState]] = defaultdict(list)
    seen_scos: dict[int, dict[str, None]] = defaultdict(dict)
    for state in states:
        key = (state.attempt.user_id, state.attempt.activity_id, state.sco_identifier)
        by_key[key].append(state)
        seen_scos[state.attempt.activity_id][state.sco_identifier] = None
    attempts = {
        (row["user_id"], row["activity_id"]): row
        for row in Attempt.objects.filter(
            user_id__in=user_ids, activity_id__in=activity_ids
        )
        .values("user_id", "activity_id")
        .annotate(count=Count("pk"), last=Max("last_activity_at"))
        .order_by()
    }
    scos_by_activity: dict[int, list[tuple[str, str]]] = {}
    for activity in activities:
        scos = _expected_scos(activity)
        known = {identifier for identifier, _title in scos}
        scos += [(i, i) for i in seen_scos.get(activity.pk, {}) if i not in known]
        scos_by_activity[activity.pk] = scos or [("", activity.title)]

    rows = []
    for user in users:
        for activity in activities:
            attempt_info = attempts.get((user.pk, activity.pk), {})
            for identifier, title in scos_by_activity[activity.pk]:
                found = by_key.get((user.pk, activity.pk, identifier), [])
                latest = found[-1] if found else None
                moments = [s.updated_at for s in found if s.updated_at]
                if attempt_info.get("last"):
                    moments.append(attempt_info["last"])
                rows.append(
                    ReportRow(
                        learner=user,
                        activity=activity,
                        sco_identifier=identifier,
                        sco_title=title,
                        status=status_of(latest),
                        score=score_percent(latest),
                        score_raw=latest.score_raw if latest else None,
                        total_time_seconds=sum(s.total_time_seconds for s in found),
                        attempt_count=attempt_info.get("count", 0),
                        last_activity_at=max(moments) if moments else None,
                    )
                )
    return rows


# --- CSV -------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting with ``= + - @`` (or a
    tab/carriage return) is prefixed with a quote (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` returns the line (streaming CSV)."""

    def write(self, value: str) -> str:
        return value


CSV_DELIMITER = ";"  # what spreadsheet software expects with a French locale


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield CSV lines (UTF-8 BOM first, ``;``-separated), every cell made safe."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)
    yield "\ufeff"
    yield writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def report_csv_header() -> list[str]:
    return [
        _("Nom"),
        _("Prénom"),
        _("Adresse e-mail"),
        _("Matricule"),
        _("Activité"),
        _("SCO"),
        _("Identifiant du SCO"),
        _("Statut"),
        _("Score (%)"),
        _("Score brut"),
        _("Temps total"),
        _("Temps total (secondes)"),
        _("Tentatives"),
        _("Dernière activité"),
    ]


def report_csv_rows(
    course: Course,
    activities: Sequence[Activity],
    only_ids: set[int] | None = None,
) -> Iterator[list[Any]]:
    """Every learner × SCO row of ``course`` on ``activities`` (see
    ``package_activities``), by batches of ``EXPORT_BATCH`` learners."""
    if not activities:
        return
    # Batches ordered by user id so each query resumes after the previous one.
    ordered = learners(course, only_ids).order_by("user_id")
    last_id = 0
    while True:
        batch = list(ordered.filter(user_id__gt=last_id)[:EXPORT_BATCH])
        if not batch:
            return
        last_id = batch[-1].user_id
        users = sorted(
            (p.user for p in batch),
            key=lambda u: (u.last_name.lower(), u.first_name.lower(), u.pk),
        )
        for row in report_rows(users, activities):
            yield [
                row.learner.last_name,
                row.learner.first_name,
                row.learner.email,
                getattr(row.learner, "matricule", ""),
                row.activity.title,
                row.sco_title,
                row.sco_identifier,
                row.status_label,
                "" if row.score is None else row.score,
                "" if row.score_raw is None else row.score_raw,
                row.total_time,
                int(round(row.total_time_seconds)),
                row.attempt_count,
                _local(row.last_activity_at),
            ]


INTERACTION_KEY = re.compile(r"^cmi\.interactions\.(\d+)\.(.+)$")
LIST_KEY = re.compile(r"^(correct_responses|objectives)\.(\d+)\.(pattern|id)$")


def interactions_of(cmi: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactions stored in a flat CMI map, in index order, each as
    ``{"index", "id", "type", "timestamp", "weighting", "response", "result",
    "latency", "description", "correct_responses": [...], "objectives": [...]}``
    (SCORM 1.2 ``time``/``student_response`` and 2004
    ``timestamp``/``learner_response`` are merged)."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in cmi.items():
        match = INTERACTION_KEY.match(key)
        if not match:
            continue
        index, rest = int(match.group(1)), match.group(2)
        item = found.setdefault(
            index, {"index": index, "correct_responses": {}, "objectives": {}}
        )
        listed = LIST_KEY.match(rest)
        if listed:
            item[listed.group(1)][int(listed.group(2))] = value
            continue
        name = {
            "time": "timestamp",
            "student_response": "response",
            "learner_response": "response",
        }.get(rest, rest)
        item[name] = value
    result = []
    for index in sorted(found):
        item = found[index]
        item["correct_responses"] = [
            str(v) for _k, v in sorted(item["correct_responses"].items())
        ]
        item["objectives"] = [str(v) for _k, v in sorted(item["objectives"].items())]
        result.append(item)
    return result


def interactions_csv_header() -> list[str]:
    return [
        _("Nom"),
        _("Prénom"),
        _("Adresse e-mail"),
        _("Activité"),
        _("Identifiant du SCO"),
        _("Tentative"),
        _("N° d'interaction"),
        _("Identifiant"),
        _("Type"),
        _("Horodatage"),
        _("Description"),
        _("Réponse"),
        _("Réponses correctes"),
        _("Résultat"),
        _("Pondération"),
        _("Latence"),
        _("Objectifs"),
    ]


def interactions_csv_rows(
    course: Course,
    activities: Sequence[Activity],
    only_ids: set[int] | None = None,
) -> Iterator[list[Any]]:
    """One row per stored interaction of every learner's attempt on ``activities``
    (of the learners in ``only_ids`` when given)."""
    if not activities:
        return
    states = ScoState.objects.filter(
        attempt__activity__in=[a.pk for a in activities],
        attempt__user__course_participations__course=course,
        attempt__user__course_participations__role=Participant.Role.LEARNER,
    )
    if only_ids is not None:
        states = states.filter(attempt__user_id__in=only_ids)
    states = (
        states.select_related("attempt__user", "attempt__activity")
        .only(
            "cmi",
            "sco_identifier",
            "attempt__number",
            "attempt__user__first_name",
            "attempt__user__last_name",
            "attempt__user__email",
            "attempt__activity__title",
        )
        .order_by(
            "attempt__user__last_name",
            "attempt__user__first_name",
            "attempt__user_id",
            "attempt__activity_id",
            "attempt__number",
            "sco_identifier",
        )
    )
    for state in states.iterator(chunk_size=200):
        user = state.attempt.user
        for item in interactions_of(state.cmi or {}):
            yield [
                user.last_name,
                user.first_name,
                user.email,
                state.attempt.activity.title,
                state.sco_identifier,
                state.attempt.number,
                item["index"],
                item.get("id", ""),
                item.get("type", ""),
                item.get("timestamp", ""),
                item.get("description", ""),
                item.get("response", ""),
                " | ".join(item["correct_responses"]),
                item.get("result", ""),
                item.get("weighting", ""),
                item.get("latency", ""),
                " | ".join(item["objectives"]),
            ]
