"""Run ``manage.py`` on the embedded default (SQLite, in-memory layer, in-process
tasks) in a subprocess, as ``make run`` does on a new machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without the test services, pointed at a fresh
    SQLite database in ``var_dir`` (plus ``extra`` variables)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env.update(
        {"DJANGO_SETTINGS_MODULE": "lms.settings.dev", "TREMPLIN_VAR_DIR": str(var_dir)}
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python manage.py *args`` with ``env``; output captured as text."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
