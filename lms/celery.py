"""The one Celery app of Tremplin, with the whole beat schedule in one place.

In the embedded default (no broker configured) tasks run in-process
(``CELERY_TASK_ALWAYS_EAGER``); in production a worker consumes from Redis and
one ``celery beat`` process uses django-celery-beat's database scheduler.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("tremplin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: Periodic tasks; each fans out per-object tasks where there is more than one object.
app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "lms.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "apply-retention": {
        "task": "lms.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=47),  # daily; fans out per account
    },
    "catalogue-publish-scheduled-pages": {
        "task": "catalogue.tasks.publish_scheduled_pages",
        "schedule": crontab(),  # every minute: go_live_at is to the minute
    },
    "catalogue-rebuild-search-index": {
        "task": "catalogue.tasks.rebuild_search_index",
        "schedule": crontab(hour=2, minute=5),  # dates move: open now, months
    },
    "tutoring-rebuild-aggregates": {
        "task": "tutoring.tasks.rebuild_aggregates",
        "schedule": crontab(hour=1, minute=40),  # repairs missed events
    },
    "tutoring-send-digests": {
        "task": "tutoring.tasks.send_digests",
        "schedule": crontab(minute=7),  # hourly; each digest is due per person
    },
    "tutoring-send-nudges": {
        "task": "tutoring.tasks.send_nudges",
        "schedule": crontab(minute=23),  # hourly; idempotent per period
    },
    "live-poll-running-classes": {
        "task": "live.tasks.poll_running_classes",
        # Who is in which class (settings.LIVE_POLL_INTERVAL_SECONDS, same variable).
        "schedule": float(os.environ.get("LIVE_POLL_INTERVAL_SECONDS") or 60),
    },
    "certification-reconcile": {
        "task": "certification.tasks.reconcile",
        # Missing PDFs and due deliveries a lost task left behind.
        "schedule": 60.0,
    },
    "certification-close-ended-sessions": {
        "task": "certification.tasks.close_ended_sessions",
        "schedule": crontab(hour=2, minute=40),  # daily; idempotent per session
    },
    "certification-selftest-exposure": {
        "task": "certification.tasks.roll_up_item_exposure",
        "schedule": crontab(minute="*/10"),  # the exposure ceiling's counters
    },
    "certification-selftest-calibration": {
        "task": "certification.tasks.calibrate_items",
        "schedule": crontab(day_of_week=1, hour=4, minute=20),  # weekly
    },
    "indicators-refresh": {
        "task": "indicators.tasks.refresh_indicators",
        "schedule": crontab(hour=5, minute=10),  # after the nightly repairs
    },
    "live-send-reminders": {
        "task": "live.tasks.send_reminders",
        "schedule": crontab(minute="*/5"),  # 24 h and 1 h before; once per person
    },
}
