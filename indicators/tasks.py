"""Celery tasks of ``indicators`` (the beat entry is in ``lms/celery.py``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="indicators.tasks.refresh_indicators",
    bind=True,
    acks_late=True,
    max_retries=20,
)
def refresh_indicators(self, run_id: int | None = None) -> int | None:
    """Rebuild the indicator aggregates (nightly by beat, or a staff request).

    ``run_id`` is a run ``request_refresh`` recorded; beat passes none and a
    run is recorded here. Idempotent: a run already finished is not redone. If
    another refresh holds the lock, a requested run retries in 30 s; beat's
    run is skipped (the running one gives the same figures). Returns the id of
    the finished run, or None when nothing ran.
    """
    from .models import RefreshRun
    from .refresh import RefreshBusy, refresh

    run = None
    if run_id is not None:
        run = RefreshRun.objects.filter(pk=run_id).first()
        if run is None or run.status in (
            RefreshRun.Status.DONE,
            RefreshRun.Status.FAILED,
        ):
            return None
    try:
        return refresh(run).pk
    except RefreshBusy:
        if run is None:
            return None
        raise self.retry(countdown=30) from None
