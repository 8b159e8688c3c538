"""``manage.py embedded_beat``: the Celery beat schedule, run in this process.

For the embedded default (``make run``), where tasks run in-process and no beat
process exists: every entry of ``lms.celery.app.conf.beat_schedule`` (seconds or
crontab) is called on its schedule, one after the other, so live classes are
polled, reminders and nudges sent, and the attestation outbox reconciled. In
production Celery beat does this; never run both.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import schedule as every
from django.core.management.base import BaseCommand
from django.utils import timezone

from lms.celery import app


def _schedules() -> dict[str, tuple[str, Any]]:
    entries = {}
    for name, entry in app.conf.beat_schedule.items():
        when = entry["schedule"]
        if isinstance(when, int | float | timedelta):
            seconds = when.total_seconds() if isinstance(when, timedelta) else when
            when = every(timedelta(seconds=seconds), app=app)
        entries[name] = (entry["task"], when)
    return entries


class Command(BaseCommand):
    help = "Run the Celery beat schedule in this process (embedded default only)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--once", action="store_true", help="run every entry once, then exit"
        )

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery)
        entries = _schedules()
        last_run: dict[str, datetime] = {}
        while True:
            now = timezone.now()
            wait = 60.0
            for name, (task_name, when) in entries.items():
                due, next_in = (
                    (True, 0.0)
                    if once or name not in last_run
                    else when.is_due(last_run[name])
                )
                if due:
                    last_run[name] = now
                    self._run(name, task_name, options["verbosity"])
                    next_in = when.remaining_estimate(now).total_seconds()
                wait = min(wait, max(next_in, 1.0))
            if once:
                return
            time.sleep(wait)

    def _run(self, name: str, task_name: str, verbosity: int) -> None:
        try:
            app.tasks[task_name].apply(throw=True)
        except Exception as exc:  # noqa: BLE001 (keep the loop alive; say why)
            self.stderr.write(f"embedded_beat: {name}: {type(exc).__name__}: {exc}")
        else:
            if verbosity > 1:
                self.stdout.write(f"embedded_beat: {name} done")
