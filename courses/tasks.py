"""Celery tasks of ``courses``: they take ids, load, and call one service.

Each helper's tasks live in their own delimited block below.
"""

from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from django.conf import settings

from courses.models import Package
from courses.packages.importer import process_package
from courses.xapi import LRSUnavailable, forward_pending_statements

logger = logging.getLogger(__name__)


# --- Packages (import and extraction) -------------------------------------------


@shared_task(
    bind=True,
    name="courses.tasks.process_package_task",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=15 * 60,
    time_limit=16 * 60,
    max_retries=20,
    ignore_result=True,
)
def process_package_task(self: Task, package_id: int) -> None:
    """Validate, extract and publish the package ``package_id``.

    Enqueue after the upload's transaction commits
    (``process_package_task.delay_on_commit(package.pk)``). Idempotent: a READY
    package is left alone, a concurrent run is skipped (cache lock), a run
    interrupted by a crash starts again from a clean storage prefix. While
    another run holds the package's lock, the task retries every minute. The
    soft time limit makes the service mark the package FAILED and clean up;
    problems are stored on ``Package.errors``, never raised.
    """
    try:
        package = process_package(package_id)
    except Package.DoesNotExist:
        logger.warning("package %s vanished before processing", package_id)
        return
    if package.status in (Package.Status.PENDING, Package.Status.PROCESSING):
        # Another run holds the lock (or died holding it): look again later.
        raise self.retry(countdown=60)
    logger.info("package %s processed: %s", package.uuid, package.status)


# --- End of packages block --------------------------------------------------------


# --- Tracking: xAPI forwarding to the LRS ------------------------------------------


def _backoff_seconds(retries: int) -> float:
    """Exponential backoff (5 s, 10 s, 20 s … capped at 1 h) with full jitter."""
    ceiling = min(3600.0, 5.0 * (2**retries))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto


@shared_task(
    bind=True,
    name="courses.tasks.forward_statements_task",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    ignore_result=True,
)
def forward_statements_task(self: Task) -> int:
    """POST pending xAPI statements to ``settings.LRS_URL``; return how many went.

    Enqueued after commit by ``courses.xapi.schedule_forwarding`` (only when an
    LRS is configured); takes no id: it forwards every pending statement, so
    running it twice or periodically is harmless (rows are locked while sent,
    ids are deterministic, and a 409 from the LRS counts as delivered). On
    network errors, 5xx, 408 or 429 it retries with exponential backoff and
    jitter (honouring ``Retry-After``), up to ``settings.LRS_MAX_RETRIES``.
    """
    try:
        return forward_pending_statements()
    except LRSUnavailable as exc:
        if self.request.retries >= settings.LRS_MAX_RETRIES:
            logger.error(
                "LRS still unavailable after %s retries: %s", self.request.retries, exc
            )
            return 0
        countdown = exc.retry_after
        if countdown is None:
            countdown = _backoff_seconds(self.request.retries)
        logger.warning("LRS unavailable (%s), retrying in %.0f s", exc, countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc


# --- End of tracking block ---------------------------------------------------------
