"""``manage.py live_beat``: the live app's periodic tasks without Celery beat.

For the embedded default (``make run``), where no beat process runs: every
``--interval`` seconds it polls the classes in their join window (who is
present, ``live.tasks.poll_running_classes``) and every five minutes sends the
due reminders (``live.tasks.send_reminders``). In production, Celery beat does
this (``lms/celery.py``); do not run both.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from live import tasks

REMINDER_PERIOD_SECONDS = 300


class Command(BaseCommand):
    help = (
        "Poll running virtual classes and send reminders periodically (no Celery beat)."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--interval", type=int, default=settings.LIVE_POLL_INTERVAL_SECONDS
        )
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, interval: int, once: bool, **options) -> None:
        last_reminders = 0.0
        while True:
            started = time.monotonic()
            try:
                polled = tasks.poll_running_classes()
                if started - last_reminders >= REMINDER_PERIOD_SECONDS or once:
                    tasks.send_reminders()
                    last_reminders = started
            except Exception as exc:  # noqa: BLE001 (keep the loop alive; say why)
                self.stderr.write(f"live_beat: {type(exc).__name__}: {exc}")
            else:
                if options["verbosity"] > 1:
                    self.stdout.write(f"live_beat: {polled} class(es) polled")
            if once:
                return
            time.sleep(max(1.0, interval - (time.monotonic() - started)))
