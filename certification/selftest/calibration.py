"""Calibration of the self-test item bank and item statistics for staff (spec B10).

* **Online calibration** (Stocking's method A): each pretest item with enough
  responses gets (a, b) by MAP logistic regression of its 0/1 answers on the
  respondents' operational θ̂ (their ``CompetenceEstimate`` for the item's
  competence in the same attempt), priors ln a ~ N(0, 0.5²) and b ~ N(0, 2²),
  standard errors from the inverse Hessian. The fit is a small damped
  Newton–Raphson in pure Python (two parameters: no numpy needed). An item is
  promoted to *calibrated* only if 0.4 ≤ a ≤ 3.0, |b| ≤ 3.5, SE_b ≤ 0.35 and the
  observed proportion correct is within 0.10 of the model's in every θ decile
  holding at least 30 responses; otherwise it stays in pretest and the report
  says why.
* **Item statistics** for every item with responses: n, p-value (proportion
  correct), point-biserial correlation of the score with θ̂, exposure
  (administrations / attempts with at least one answer).

Responses keep the parameters they were scored with (``ItemResponse.params``),
so a recalibration never changes an old result: ``replay_result`` recomputes
one from those snapshots. Simulation and fit only show the items behave *under
the model*; they do not show that items measure DigCompEdu competences.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, FloatField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import audit

from ..models import Attempt, CalibrationRun, CompetenceEstimate, Item, ItemResponse
from .bank import bump_bank_version, engine_config
from .engine import Answer, Engine, Result, State, StopReason
from .online_fit import (
    A_RANGE,
    B_LIMIT,
    CHANGED_DURING_RUN,
    FIT_MAX_GAP,
    FIT_MIN_GROUP,
    PRIOR_B_SD,
    PRIOR_LOG_A_SD,
    SE_B_LIMIT,
    TOO_FEW_RESPONSES,
    Fit,
    fit_item,
    point_biserial,
    promotion_reasons,
)

logger = logging.getLogger(__name__)

METHOD_ONLINE = "online_map"
REPORT_VERSION = 1

#: A run still "running" after this long is taken for dead (worker lost).
STALE_AFTER = timedelta(hours=2)


def min_responses() -> int:
    """Responses a pretest item needs before it is fitted (a setting, default 300)."""
    return int(getattr(settings, "SELFTEST_CALIBRATION_MIN_RESPONSES", 300))


class CalibrationRefused(Exception):
    """A calibration cannot start now; ``str()`` is French."""


# --- Item statistics -----------------------------------------------------------------


@dataclass(frozen=True)
class ItemStatistics:
    """Classical statistics of one item over its responses."""

    n: int
    n_correct: int
    # Responses whose respondent has a θ̂ for the item's competence.
    n_theta: int
    p_value: float | None
    point_biserial: float | None
    exposure: float | None


def _estimate_join() -> Q:
    """Responses whose attempt has a θ̂ for the item's competence."""
    return Q(attempt__estimates__competence=F("item__competence"))


def item_statistics() -> tuple[dict[int, ItemStatistics], int]:
    """Statistics of every item with responses (by item id) and the number of
    attempts with at least one answer (the exposure denominator). Two grouped
    queries plus one count, whatever the bank size."""
    attempts = ItemResponse.objects.order_by().values("attempt_id").distinct().count()
    totals = {
        row["item_id"]: row
        for row in ItemResponse.objects.order_by()
        .values("item_id")
        .annotate(n=Count("pk"), n_correct=Count("pk", filter=Q(is_correct=True)))
    }
    x = Case(
        When(is_correct=True, then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    theta = F("attempt__estimates__theta")
    sums = {
        row["item_id"]: row
        for row in ItemResponse.objects.filter(_estimate_join())
        .order_by()
        .values("item_id")
        .annotate(
            n=Count("pk"),
            sx=Sum(x),
            st=Sum(theta),
            stt=Sum(theta * theta),
            sxt=Sum(x * theta),
        )
    }
    stats = {}
    for item_id, row in totals.items():
        joined = sums.get(item_id)
        stats[item_id] = ItemStatistics(
            n=row["n"],
            n_correct=row["n_correct"],
            n_theta=joined["n"] if joined else 0,
            p_value=row["n_correct"] / row["n"] if row["n"] else None,
            point_biserial=(
                point_biserial(
                    joined["n"],
                    joined["sx"],
                    joined["st"],
                    joined["stt"],
                    joined["sxt"],
                )
                if joined
                else None
            ),
            exposure=row["n"] / attempts if attempts else None,
        )
    return stats, attempts


# --- The run ---------------------------------------------------------------------


def start_calibration(by: Any) -> CalibrationRun:
    """Create a run and enqueue ``certification.tasks.calibrate_items`` after commit.

    Raises ``CalibrationRefused`` while another run is in progress (a run left
    "running" for more than two hours is marked failed and does not block).
    Audited.
    """
    from .. import tasks

    with transaction.atomic():
        run = _claim_run(by)
        audit.record(
            by, [run], audit.ADDITION, _("Calibration demandée"), logger=logger
        )
        run_id = run.pk
        transaction.on_commit(lambda: tasks.calibrate_items.delay(run_id))
    return run


def _claim_run(by: Any) -> CalibrationRun:
    """A new RUNNING run, unless one is already running (under a table lock)."""
    running = list(
        CalibrationRun.objects.select_for_update().filter(
            state=CalibrationRun.State.RUNNING
        )
    )
    now = timezone.now()
    for other in running:
        if now - other.started_at < STALE_AFTER:
            raise CalibrationRefused(
                _("Une calibration est déjà en cours : attendez qu'elle se termine.")
            )
        other.state = CalibrationRun.State.FAILED
        other.finished_at = now
        other.error = _("Interrompue (aucune nouvelle depuis plus de deux heures).")
        other.save(update_fields=["state", "finished_at", "error"])
    return CalibrationRun.objects.create(method=METHOD_ONLINE, triggered_by=by)


def calibrate(run_id: int | None = None) -> CalibrationRun | None:
    """Run the calibration ``run_id`` (None: a new scheduled run).

    Idempotent: a run that is no longer RUNNING is left as is. Any error marks
    the run failed (with the message) and is re-raised for the worker's log.
    Returns the run, or None when a scheduled run was refused (one in progress).
    """
    if run_id is None:
        try:
            with transaction.atomic():
                run = _claim_run(None)
        except CalibrationRefused:
            logger.info("scheduled calibration skipped: a run is in progress")
            return None
    else:
        run = CalibrationRun.objects.filter(pk=run_id).first()
        if run is None or run.state != CalibrationRun.State.RUNNING:
            return run
    try:
        _run(run)
    except Exception as error:
        CalibrationRun.objects.filter(pk=run.pk).update(
            state=CalibrationRun.State.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.exception("calibration run=%s failed", run.pk)
        raise
    return run


def _fit_data(item_ids: Sequence[int]) -> dict[int, tuple[list[float], list[bool]]]:
    """(θ̂, x) pairs of the current revision's responses of these items."""
    data: dict[int, tuple[list[float], list[bool]]] = {pk: ([], []) for pk in item_ids}
    rows = (
        ItemResponse.objects.filter(_estimate_join(), item_id__in=item_ids)
        .filter(item_revision=F("item__revision"))
        .order_by("item_id", "pk")
        .values_list("item_id", "attempt__estimates__theta", "is_correct")
    )
    for item_id, theta, correct in rows.iterator(chunk_size=5000):
        data[item_id][0].append(theta)
        data[item_id][1].append(correct)
    return data


def _run(run: CalibrationRun) -> None:
    threshold = min_responses()
    stats, attempts = item_statistics()
    items = {
        item.pk: item
        for item in Item.objects.filter(pk__in=stats.keys()).select_related(
            "competence"
        )
    }
    pretest = [
        pk
        for pk, item in items.items()
        if item.status == Item.Status.PRETEST and stats[pk].n_theta >= threshold
    ]
    data = _fit_data(pretest)
    fits: dict[int, Fit] = {}
    for pk in pretest:
        thetas, answers = data[pk]
        if len(answers) >= threshold:
            fits[pk] = fit_item(thetas, answers)
    promoted, skipped = _apply(run, items, fits)
    rows = []
    for pk, item in sorted(
        items.items(), key=lambda pair: (pair[1].competence.code, pair[1].uid)
    ):
        stat = stats[pk]
        row: dict[str, Any] = {
            "uid": item.uid,
            "competence": item.competence.code,
            "status": item.status,
            "n": stat.n,
            "n_theta": stat.n_theta,
            "p_value": _rounded(stat.p_value),
            "point_biserial": _rounded(stat.point_biserial),
            "exposure": _rounded(stat.exposure),
            "a": round(item.a, 3),
            "b": round(item.b, 3),
            "fitted": pk in fits,
            "promoted": pk in promoted,
            "reasons": [],
        }
        if pk in fits:
            fit = fits[pk]
            row["fit"] = {
                "a": round(fit.a, 4),
                "b": round(fit.b, 4),
                "se_a": _rounded(fit.se_a, 4),
                "se_b": _rounded(fit.se_b, 4),
                "n": fit.n,
                "iterations": fit.iterations,
                "max_gap": _rounded(fit.max_gap),
                "groups": [
                    {k: _rounded(v) for k, v in asdict(g).items()} for g in fit.groups
                ],
            }
            if pk in skipped:
                row["reasons"] = [{"code": CHANGED_DURING_RUN}]
            elif pk not in promoted:
                row["reasons"] = promotion_reasons(fit)
            else:
                row["previous"] = promoted[pk]
                row["status"] = Item.Status.CALIBRATED
                row["a"], row["b"] = round(fit.a, 3), round(fit.b, 3)
        elif item.status == Item.Status.PRETEST:
            usable = len(data[pk][1]) if pk in data else stat.n_theta
            row["reasons"] = [
                {"code": TOO_FEW_RESPONSES, "value": usable, "needed": threshold}
            ]
        rows.append(row)
    persons = (
        Attempt.objects.filter(responses__isnull=False)
        .order_by()
        .values("user_id")
        .distinct()
        .count()
    )
    run.report = {
        "version": REPORT_VERSION,
        "method": METHOD_ONLINE,
        "settings": {
            "min_responses": threshold,
            "prior_log_a_sd": PRIOR_LOG_A_SD,
            "prior_b_sd": PRIOR_B_SD,
            "a_range": list(A_RANGE),
            "b_limit": B_LIMIT,
            "se_b_limit": SE_B_LIMIT,
            "fit_max_gap": FIT_MAX_GAP,
            "fit_min_group": FIT_MIN_GROUP,
        },
        "attempts": attempts,
        "summary": {
            "items_with_responses": len(rows),
            "pretest_fitted": len(fits),
            "promoted": len(promoted),
            "kept_in_pretest": len(fits) - len(promoted),
        },
        "items": rows,
    }
    run.n_items = len(fits)
    run.n_persons = persons
    run.state = CalibrationRun.State.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["report", "n_items", "n_persons", "state", "finished_at"])
    logger.info(
        "calibration run=%s fitted=%s promoted=%s", run.pk, len(fits), len(promoted)
    )


def _rounded(value: float | None, digits: int = 3) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def _apply(
    run: CalibrationRun, items: dict[int, Item], fits: dict[int, Fit]
) -> tuple[dict[int, dict[str, Any]], set[int]]:
    """Promote the items whose fit passes every gate (one transaction, audited).

    Returns the promoted items' previous parameters by item id, and the ids of
    passing items left alone because they were edited meanwhile (new revision
    or other status).
    """
    promoted: dict[int, dict[str, Any]] = {}
    skipped: set[int] = set()
    passing = [pk for pk, fit in fits.items() if not promotion_reasons(fit)]
    if not passing:
        return promoted, skipped
    now = timezone.now()
    with transaction.atomic():
        locked = {
            item.pk: item
            for item in Item.objects.select_for_update().filter(pk__in=passing)
        }
        for pk in passing:
            item, fit = locked.get(pk), fits[pk]
            if (
                item is None
                or item.status != Item.Status.PRETEST
                or item.revision != items[pk].revision
            ):
                logger.info("calibration run=%s: item=%s changed, skipped", run.pk, pk)
                skipped.add(pk)
                continue
            previous = {
                "a": item.a,
                "b": item.b,
                "se_a": item.se_a,
                "se_b": item.se_b,
                "parameter_source": item.parameter_source,
            }
            item.a = fit.a
            item.b = fit.b
            item.se_a = fit.se_a
            item.se_b = fit.se_b
            item.status = Item.Status.CALIBRATED
            item.parameter_source = Item.ParameterSource.ONLINE
            item.n_responses = fit.n
            item.calibrated_at = now
            item.save(
                update_fields=[
                    "a",
                    "b",
                    "se_a",
                    "se_b",
                    "status",
                    "parameter_source",
                    "n_responses",
                    "calibrated_at",
                    "updated_at",
                ]
            )
            audit.record(
                run.triggered_by,
                [item],
                audit.CHANGE,
                _(
                    "Calibration n° %(run)s : a %(a0).3f → %(a1).3f, b %(b0).3f → "
                    "%(b1).3f (n = %(n)s), passé de prétest à calibré."
                )
                % {
                    "run": run.pk,
                    "a0": previous["a"],
                    "a1": fit.a,
                    "b0": previous["b"],
                    "b1": fit.b,
                    "n": fit.n,
                },
                logger=logger,
            )
            promoted[pk] = previous
    if promoted:
        # After the commit above: every process rebuilds its bank once.
        bump_bank_version()
    return promoted, skipped


# --- Reproducibility -----------------------------------------------------------------


def replay_state(attempt: Attempt) -> State:
    """The engine state of ``attempt`` rebuilt from its responses' parameter
    snapshots (not from the items' current parameters)."""
    responses = attempt.responses.select_related("item__competence").order_by("order")
    answers = tuple(
        Answer(
            response.item.uid,
            response.item.competence.code,
            float(response.params["a"]),
            float(response.params["b"]),
            float(response.params.get("c", 0.0)),
            response.is_correct,
            response.is_pretest,
        )
        for response in responses
    )
    reason = StopReason(attempt.stop_reason) if attempt.stop_reason else None
    return State(answers=answers, stop_reason=reason)


def replay_result(attempt: Attempt) -> Result:
    """``attempt``'s result recomputed from the snapshots. θ̂ and SE never move
    with a recalibration; levels do not either when the blueprint's cut scores
    are set (derived provisional cuts follow the bank)."""
    from .bank import current_bank

    engine = Engine(current_bank(), engine_config(attempt.blueprint), attempt.seed)
    return engine.result(replay_state(attempt))


def estimates_match(attempt: Attempt, result: Result, tolerance: float = 1e-9) -> bool:
    """Whether ``result`` gives the stored ``CompetenceEstimate`` rows of ``attempt``."""
    stored = {
        e.competence.code: e
        for e in CompetenceEstimate.objects.filter(attempt=attempt).select_related(
            "competence"
        )
    }
    measured = {r.competence: r for r in result.competences if r.is_measured}
    if set(stored) != set(measured):
        return False
    return all(
        abs(stored[c].theta - measured[c].theta) <= tolerance
        and abs(stored[c].se - measured[c].se) <= tolerance
        and stored[c].level == measured[c].level
        for c in stored
    )
