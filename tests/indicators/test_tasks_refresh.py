"""The refresh task: beat entry, lock, retries and recorded failures."""

import pytest
from django.core.cache import cache

from indicators.models import ParticipationFact, RefreshRun
from indicators.refresh import LOCK_KEY, RefreshBusy, refresh
from indicators.tasks import refresh_indicators
from lms.celery import app

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_nightly_refresh():
    """The beat schedule has the indicator refresh, naming a registered task."""
    app.loader.import_default_modules()
    entries = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "indicators.tasks.refresh_indicators"
    ]
    assert len(entries) == 1
    assert "indicators.tasks.refresh_indicators" in app.tasks


def test_beat_run_records_its_own_run(db):
    """Called by beat (no run id), the task records and finishes a run."""
    run_id = refresh_indicators.apply().get()
    assert RefreshRun.objects.get(pk=run_id).status == RefreshRun.Status.DONE


def test_a_finished_run_is_not_redone(db):
    """A requested run already done is not run again (idempotent task)."""
    run = refresh()
    assert refresh_indicators.apply(args=[run.pk]).get() is None
    assert RefreshRun.objects.count() == 1


def test_busy_lock_skips_beat_and_leaves_requested_run_queued(db):
    """While another refresh holds the lock, beat's call does nothing and a
    requested run stays queued (to be retried)."""
    cache.set(LOCK_KEY, "other", 60)
    try:
        assert refresh_indicators.apply().get() is None
        run = RefreshRun.objects.create()
        with pytest.raises(RefreshBusy):
            refresh(run)
        run.refresh_from_db()
        assert run.status == RefreshRun.Status.QUEUED
    finally:
        cache.delete(LOCK_KEY)


def test_failed_refresh_is_recorded_and_keeps_previous_figures(db, monkeypatch):
    """A failing rebuild is recorded as failed; the previous rows stay."""
    ParticipationFact.objects.create(school_year=2026, session_id=1, training_id=1)

    def broken_facts_sql():
        return "INSERT INTO indicators_participationfact (nope) SELECT 1"

    monkeypatch.setattr("indicators.refresh._facts_sql", broken_facts_sql)
    monkeypatch.setattr("indicators.refresh._facts_params", lambda: [])
    with pytest.raises(Exception):  # noqa: B017, PT011 - any database error
        refresh()
    run = RefreshRun.objects.get()
    assert run.status == RefreshRun.Status.FAILED and run.error
    assert ParticipationFact.objects.count() == 1
    assert cache.get(LOCK_KEY) is None
