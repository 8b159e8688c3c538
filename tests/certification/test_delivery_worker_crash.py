"""Chaos: a real Celery worker is SIGKILLed in the middle of deliveries to a slow,
failing staff space; a new worker and the reconciler finish the outbox, and the
staff space holds every attestation exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from certification import tasks
from certification.models import Delivery
from tests.factories.catalogue import make_session, make_training

from .delivery_support import issued
from .staff_space import StaffSpaceStandIn

BASE_DIR = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def _start_worker(standin: StaffSpaceStandIn, name: str) -> subprocess.Popen:
    """A prefork worker (one child) consuming both queues, in its own process
    group so that SIGKILL takes the child mid-request too."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "TREMPLIN_VAR_DIR": str(settings.VAR_DIR),
        "STAFF_SPACE_URL": standin.url,
        "STAFF_SPACE_TOKEN": standin.token,
        "STAFF_SPACE_TIMEOUT_SECONDS": "5",
        "STAFF_SPACE_RETRY_BASE_SECONDS": "0",
        "STAFF_SPACE_LEASE_SECONDS": str(LEASE_SECONDS),
        "STAFF_SPACE_CONCURRENCY": "2",
        "STAFF_SPACE_BATCH_SIZE": "4",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "-Q",
            "celery,delivery",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)


def _received(standin: StaffSpaceStandIn) -> dict:
    return standin.state()["attestations"]


@pytest.mark.usefixtures("transactional_db")
def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing():
    """SIGKILL during deliveries, then a new worker and the reconciler: every
    attestation reaches the staff space once, every outbox row is delivered."""
    standin = StaffSpaceStandIn.start(latency_ms=300, fail_rate=0.3, seed=11)
    session = make_session(make_training(), starts_in_days=-20)
    attestations = issued(12, session=session)
    expected = {str(a.uuid) for a in attestations}
    first = _start_worker(standin, "doomed")
    second = None
    try:
        tasks.deliver_due.delay()
        deadline = time.monotonic() + 60
        while len(_received(standin)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert 3 <= len(_received(standin)) < len(expected), "killed too late"
        _stop(first, signal.SIGKILL)  # main process and child, mid-batch

        # Rows the dead worker held keep their lease until it runs out.
        second = _start_worker(standin, "survivor")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pending = Delivery.objects.exclude(state=Delivery.State.DELIVERED)
            if not pending.exists():
                break
            tasks.reconcile.delay()  # what beat does every minute
            time.sleep(LEASE_SECONDS)
        state = standin.state()
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)
        standin.stop()

    assert set(state["attestations"]) == expected
    assert state["counts"]["attestations"] == len(expected)
    rows = Delivery.objects.filter(attestation__in=attestations)
    assert {row.state for row in rows} == {Delivery.State.DELIVERED}
    for row in rows.select_related("attestation"):
        stored = state["attestations"][str(row.attestation.uuid)]
        assert row.receipt == stored["receipt"]
