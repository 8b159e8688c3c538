"""Celery tasks of ``tutoring`` (beat entries are in ``lms/celery.py``)."""

from __future__ import annotations

from celery import shared_task


# --- notifications (e-mails and digests) ---
@shared_task(name="tutoring.tasks.email_notifications", acks_late=True)
def email_notifications(notification_ids: list[int]) -> int:
    """Send immediate e-mails for these notifications (skips already sent ones)."""
    from .notification_emails import send_immediate

    return send_immediate(notification_ids)


# --- end notifications ---


# --- aggregates ---
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


# --- end aggregates ---

# --- nudges ---
# --- end nudges ---
