"""Celery tasks of ``tutoring`` (beat entries are in ``lms/celery.py``)."""

from __future__ import annotations

from celery import shared_task


# Notifications (e-mails and digests)
@shared_task(name="tutoring.tasks.email_notifications", acks_late=True)
def email_notifications(notification_ids: list[int]) -> int:
    """Send immediate e-mails for these notifications (skips already sent ones)."""
    from .notification_emails import send_immediate

    return send_immediate(notification_ids)


@shared_task(name="tutoring.tasks.send_digests", acks_late=True)
def send_digests() -> int:
    """Hourly: send the daily and weekly digests that are due (idempotent)."""
    from .notification_emails import send_digests as send

    return send()


# Pushes
@shared_task(name="tutoring.tasks.push_notifications")
def push_notifications(pushes: list) -> int:
    """Push many in-app notifications (large announcements) outside the request."""
    from .notify import push_all

    push_all([(user_id, payload) for user_id, payload in pushes])
    return len(pushes)


# Aggregates
@shared_task(name="tutoring.tasks.rebuild_aggregates")
def rebuild_aggregates() -> int:
    """Nightly repair: recompute the aggregates of every running cohort."""
    from django.utils import timezone

    from .aggregates import rebuild_cohort
    from .cohorts import reconcile_session_enrolments
    from .models import Cohort

    count = 0
    today = timezone.localdate()
    for cohort in Cohort.objects.filter(is_archived=False, ends_on__gte=today):
        reconcile_session_enrolments(cohort)
        count += rebuild_cohort(cohort)
    return count


# Nudges
@shared_task(name="tutoring.tasks.send_nudges")
def send_nudges() -> int:
    """Hourly (beat): send the reminders every active rule calls for now.

    Idempotent: ``NudgeLog.dedup_key`` makes a rerun, or two workers at once,
    send nothing twice; returns how many reminders were sent.
    """
    from .nudges import run_nudges

    return run_nudges()
