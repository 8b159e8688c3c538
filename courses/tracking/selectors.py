"""Read queries of tracking: the attempt behind a token, SCO rules, launch state."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db import models

from courses.models import Activity, Attempt, Package, ScoState
from courses.tracking import cmi
from courses.tracking.db import raw_cursor
from courses.tracking.outcomes import ScoRules

H5P_SCO = "h5p"
#: Bookkeeping kept next to the CMI elements in ``ScoState.cmi`` (never sent to
#: the runtime): the launch whose session time was last counted, how much of it
#: was counted, and whether the last applied commit was the final one.
SESSION_LAUNCH_KEY = "tremplin.session_launch"
SESSION_SECONDS_KEY = "tremplin.session_seconds"
ENDED_KEY = "tremplin.ended"
#: The launch that applied the last commit.
WRITER_KEY = "tremplin.writer"
#: The best score (percent) of this SCO state already reported to progress.
REPORTED_SCORE_KEY = "tremplin.reported_score"

_RULES_CACHE: dict[int, dict[str, ScoRules]] = {}
_RULES_LOCK = threading.Lock()
_RULES_CACHE_SIZE = 512


_ATTEMPT_WANTED = (
    "id",
    "uuid",
    "user_id",
    "activity_id",
    "package_id",
    "number",
    "is_closed",
    "closed_at",
    "last_activity_at",
)
_PACKAGE_WANTED = ("id", "uuid", "standard", "status", "title")
_ACTIVITY_WANTED = (
    "id",
    "uuid",
    "module_id",
    "title",
    "kind",
    "is_required",
    "completion_rule",
    "min_score",
    "attempt_policy",
    "package_id",
)


def _in_model_order(model: type[models.Model], names: tuple[str, ...]) -> list[str]:
    # ``Model.from_db`` expects values in the order of the concrete fields.
    return [f.attname for f in model._meta.concrete_fields if f.attname in names]


_ATTEMPT_FIELDS = _in_model_order(Attempt, _ATTEMPT_WANTED)
_PACKAGE_FIELDS = _in_model_order(Package, _PACKAGE_WANTED)
_ACTIVITY_FIELDS = _in_model_order(Activity, _ACTIVITY_WANTED)


def _columns(model: type[models.Model], names: list[str], alias: str) -> str:
    fields = [model._meta.get_field(n.removesuffix("_id")) for n in names]
    return ", ".join(f"{alias}.{field.column}" for field in fields)


_ATTEMPT_SQL = (
    f"SELECT {_columns(Attempt, _ATTEMPT_FIELDS, 'a')}, "  # noqa: S608
    f"{_columns(Package, _PACKAGE_FIELDS, 'p')}, "
    f"{_columns(Activity, _ACTIVITY_FIELDS, 'v')} "
    f"FROM {Attempt._meta.db_table} a "
    f"JOIN {Package._meta.db_table} p ON p.id = a.package_id "
    f"JOIN {Activity._meta.db_table} v ON v.id = a.activity_id "
    "WHERE a.uuid = %s AND a.user_id = %s"
)


def attempt_for_tracking(attempt_uuid: uuid.UUID, user_id: int) -> Attempt:
    """The attempt a token names, with its package and activity, in one query.

    Ownership is part of the query. Raises ``Attempt.DoesNotExist``. Hot path
    (every commit): one plain SELECT of the fields tracking uses, turned into
    model instances with ``Model.from_db`` (other fields are deferred).
    """
    with raw_cursor() as cursor:
        cursor.execute(_ATTEMPT_SQL, [attempt_uuid, user_id])
        row = cursor.fetchone()
    if row is None:
        raise Attempt.DoesNotExist
    first, second = len(_ATTEMPT_FIELDS), len(_ATTEMPT_FIELDS) + len(_PACKAGE_FIELDS)
    attempt = Attempt.from_db("default", _ATTEMPT_FIELDS, list(row[:first]))
    package = Package.from_db("default", _PACKAGE_FIELDS, list(row[first:second]))
    activity = Activity.from_db("default", _ACTIVITY_FIELDS, list(row[second:]))
    attempt.package = package
    attempt.activity = activity
    return attempt


def _optional_float(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _rules_from_structure(structure: dict[str, Any]) -> dict[str, ScoRules]:
    rules: dict[str, ScoRules] = {}
    for sco in structure.get("scos") or []:
        identifier = str(sco.get("identifier") or "")
        if not identifier:
            continue
        rules[identifier] = ScoRules(
            identifier=identifier,
            title=str(sco.get("title") or ""),
            mastery_score=_optional_float(sco.get("mastery_score")),
            scaled_passing_score=_optional_float(sco.get("scaled_passing_score")),
            completion_threshold=_optional_float(sco.get("completion_threshold")),
            launch_data=str(sco.get("data_from_lms") or ""),
            max_time_allowed=str(sco.get("max_time_allowed") or ""),
            time_limit_action=str(sco.get("time_limit_action") or ""),
        )
    return rules


def sco_rules(package: Package) -> dict[str, ScoRules]:
    """The SCOs of a SCORM package, by identifier (empty for H5P).

    A READY package never changes (its files and structure are immutable), so
    the parsed rules are kept in a small per-process cache keyed by package id.
    """
    cached = _RULES_CACHE.get(package.pk)
    if cached is not None:
        return cached
    if "structure" in package.get_deferred_fields():
        structure = (
            Package.objects.values_list("structure", flat=True).get(pk=package.pk) or {}
        )
    else:
        structure = package.structure or {}
    rules = _rules_from_structure(structure)
    if package.status == Package.Status.READY:
        with _RULES_LOCK:
            if len(_RULES_CACHE) >= _RULES_CACHE_SIZE:
                _RULES_CACHE.clear()
            _RULES_CACHE[package.pk] = rules
    return rules


def entry_for_next_launch(state: ScoState | None) -> str:
    """``cmi.entry`` for the next launch of a SCO.

    ``ab-initio`` the first time; ``resume`` after ``exit = suspend`` — and also
    when the last session never sent its final commit (browser killed, beacon
    lost) but left a location or suspend data, so the learner is never sent back
    to the start; ``""`` otherwise.
    """
    if state is None or state.seq == 0:
        return "ab-initio"
    if state.exit == "suspend":
        return "resume"
    ended = state.cmi.get(ENDED_KEY) == "1"
    if not ended and (state.suspend_data or state.location):
        return "resume"
    return ""


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _learner_name(user: Any, standard: str) -> str:
    first, last = user.first_name.strip(), user.last_name.strip()
    if standard == cmi.SCORM_12:
        name = ", ".join(part for part in (last, first) if part)
        return name[:255]
    name = " ".join(part for part in (first, last) if part)
    # A leading "{" would read as a language tag (CMILangString).
    return name.lstrip("{")


def initial_state(attempt: Attempt, sco_identifier: str) -> dict[str, Any]:
    """What to load into scorm-again before ``Initialize`` for one SCO.

    ``{"seq": <highest applied commit>, "elements": {"cmi.…": "…"}}``: the
    learner's identity, the LMS-owned values (credit, mode, entry, total time,
    launch data, mastery score / scaled passing score / completion threshold,
    time limits) and every stored element (location, suspend data, statuses,
    scores, objectives, interactions, comments, preferences). Elements never
    set are left out. A closed attempt opens in review mode (no credit). The
    client continues numbering its commits after ``seq``.
    """
    package = attempt.package
    standard = package.standard
    rules = sco_rules(package).get(sco_identifier, ScoRules(sco_identifier))
    state = ScoState.objects.filter(
        attempt=attempt, sco_identifier=sco_identifier
    ).first()
    user = attempt.user
    review = attempt.is_closed
    credit = "no-credit" if review else "credit"
    mode = "review" if review else "normal"
    entry = entry_for_next_launch(state)
    total = state.total_time_seconds if state else 0.0
    stored: dict[str, str] = state.cmi if state else {}
    elements: dict[str, str] = {}
    for name, value in stored.items():
        if not name.startswith(("cmi.", "adl.")) or not isinstance(value, str):
            continue
        if value == "" or name in _SESSION_ONLY:
            continue
        elements[name] = cmi.from_storage(value)
    location = cmi.from_storage(state.location) if state else ""
    suspend_data = cmi.from_storage(state.suspend_data) if state else ""
    if standard == cmi.SCORM_12:
        lms_owned = {
            "cmi.core.student_id": str(attempt.user_id),
            "cmi.core.student_name": _learner_name(user, standard),
            "cmi.core.credit": credit,
            "cmi.core.lesson_mode": mode,
            "cmi.core.entry": entry,
            "cmi.core.total_time": cmi.format_timespan(standard, total),
            "cmi.core.lesson_location": location,
            "cmi.suspend_data": suspend_data,
            "cmi.launch_data": rules.launch_data[:4096],
            "cmi.student_data.max_time_allowed": rules.max_time_allowed,
            "cmi.student_data.time_limit_action": rules.time_limit_action,
        }
        if rules.mastery_score is not None:
            lms_owned["cmi.student_data.mastery_score"] = _format_number(
                rules.mastery_score
            )
        elements.setdefault("cmi.core.lesson_status", "not attempted")
    else:
        lms_owned = {
            "cmi.learner_id": str(attempt.user_id),
            "cmi.learner_name": _learner_name(user, standard),
            "cmi.credit": credit,
            "cmi.mode": mode,
            "cmi.entry": entry,
            "cmi.total_time": cmi.format_timespan(standard, total),
            "cmi.location": location,
            "cmi.suspend_data": suspend_data,
            "cmi.launch_data": rules.launch_data[:4000],
            "cmi.max_time_allowed": rules.max_time_allowed,
            "cmi.time_limit_action": rules.time_limit_action,
        }
        if rules.completion_threshold is not None:
            lms_owned["cmi.completion_threshold"] = _format_number(
                rules.completion_threshold
            )
        if rules.scaled_passing_score is not None:
            lms_owned["cmi.scaled_passing_score"] = _format_number(
                rules.scaled_passing_score
            )
    elements.update({k: v for k, v in lms_owned.items() if v != ""})
    # The 1.2 entry vocabulary has "" as a value of its own: send it explicitly.
    elements.setdefault(
        "cmi.core.entry" if standard == cmi.SCORM_12 else "cmi.entry", entry
    )
    return {"seq": state.seq if state else 0, "elements": elements}


#: Write-only elements that belong to one session: never sent back.
_SESSION_ONLY = frozenset(
    {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time"}
)
