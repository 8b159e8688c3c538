"""Celery tasks of ``certification``: take ids, call a service, idempotent.

* ``render_pdfs(ids)``: render the missing PDFs, then wake the delivery.
* ``deliver_due()``: send the outbox rows that are due (``certification.delivery``).
* ``reconcile()`` (beat): PDFs still missing and outbox rows still due — covers
  a broker outage between commit and enqueue, or a worker killed mid-task.
* ``close_session(session_id, user_id)``: bulk issue at session close.
* ``calibrate_items(run_id)``: self-test online calibration and item statistics
  (beat weekly, or launched by staff).
* ``roll_up_item_exposure()`` (beat): the self-test's exposure counters.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_pdfs(attestation_ids: list[int]) -> int:
    """Render the PDFs of these attestations that have none; returns how many."""
    from .pdf import render_missing

    rendered = render_missing(attestation_ids)
    deliver_due.delay()
    return rendered


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_due() -> int:
    """Deliver what is due now; returns how many rows were attempted."""
    from .delivery.engine import deliver_due as run

    return run()


@shared_task
def reconcile() -> None:
    """Beat: re-enqueue what a lost task left behind (PDFs, due deliveries)."""
    from .delivery.engine import reconcile as run

    run()


@shared_task
def close_ended_sessions() -> int:
    """Beat (daily): start the close of sessions ended a while ago and never closed."""
    from .closure import close_ended_sessions as run

    return run()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_session(session_id: int, user_id: int | None) -> None:
    """Issue the attestations of a closed session (``certification.closure``)."""
    from .closure import run_closure

    run_closure(session_id, user_id)


# --- rules part: completion on domain events --------------------------------------
@shared_task(acks_late=True, reject_on_worker_lost=True)
def evaluate_cohort_learners(cohort_id: int, user_ids: list[int]) -> int:
    """Award the completion attestations these learners of the cohort earned
    (``certification.rules.award_completions``); returns how many were issued."""
    from .rules import award_completions

    return award_completions(cohort_id, user_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def evaluate_course_learners(course_id: int, user_ids: list[int]) -> int:
    """Same, for every cohort of a catalogue session that follows this course run."""
    from tutoring.models import Cohort

    from .rules import award_completions

    cohort_ids = Cohort.objects.filter(
        course_id=course_id, session__isnull=False
    ).values_list("pk", flat=True)
    return sum(award_completions(cohort_id, user_ids) for cohort_id in cohort_ids)


# --- self-test calibration (spec B10) ---------------------------------------------
@shared_task(acks_late=True, reject_on_worker_lost=True)
def calibrate_items(run_id: int | None = None) -> int | None:
    """Online calibration of pretest items and item statistics
    (``certification.selftest.calibration.calibrate``): ``run_id`` is a run a
    staff member started, None a scheduled run (beat, weekly). Idempotent: a
    run already finished is left alone. Returns the run id (None: skipped)."""
    from .selftest.calibration import calibrate

    run = calibrate(run_id)
    return None if run is None else run.pk


@shared_task
def roll_up_item_exposure() -> int:
    """Recount the self-test's item exposure (``selftest.exposure.roll_up``)."""
    from .selftest.exposure import roll_up

    return roll_up()
