"""A Celery task executed by a real worker process through the Redis broker."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from lms.tasks import clear_expired_sessions

BASE_DIR = Path(__file__).resolve().parents[2]


#: A queue of this run only: tasks other tests left in the broker (after-commit
#: ``delay`` calls with no worker) must not stand in front of this test's task.
QUEUE = f"test-worker-{os.getpid()}"


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start ``celery worker`` on the test database and its own queue; stop it
    after the test."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            QUEUE,
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_settings_route_tasks_through_redis():
    """The suite's broker is Redis and tasks are not run in-process."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_worker_runs_task_through_redis(celery_worker_process):
    """The worker deletes expired sessions and reports how many, via the broker."""
    expired = SessionStore()
    expired["who"] = "ancienne session"
    expired.set_expiry(timezone.now() - timedelta(days=1))
    expired.save()
    alive = SessionStore()
    alive["who"] = "session active"
    alive.save()

    result = clear_expired_sessions.apply_async(queue=QUEUE)
    deleted = result.get(timeout=90)
    assert deleted == 1
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=alive.session_key).exists()
    assert result.successful()
