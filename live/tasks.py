"""Celery tasks of ``live`` (beat entries in ``lms/celery.py``).

* ``poll_running_classes`` (every minute): fans out ``poll_class`` per class in
  its join window or running; each records who is present (``getMeetingInfo``).
* ``process_callback``: retries a BBB callback that could not be acted on yet.
* ``sync_recordings``: fetches a class's recordings (``getRecordings``).
* ``send_reminders`` (every 5 minutes): 24 h and 1 h reminders of classes and days.
"""

from __future__ import annotations

from celery import shared_task  # noqa: F401


# >>> classes (virtual classes part)
def _backoff(retries: int) -> int:
    """60 s, 2 min, 4 min… capped at one hour."""
    return min(60 * 2**retries, 3600)


@shared_task
def poll_running_classes() -> int:
    """Fan out one ``poll_class`` per class in its join window or running.

    Scheduled classes past their end are polled too, once, so that a class
    nobody attended gets closed (final records: everyone absent).
    """
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from .models import VirtualClass

    horizon = timezone.now() + dt.timedelta(
        minutes=settings.LIVE_JOIN_OPENS_MINUTES_BEFORE
    )
    ids = list(
        VirtualClass.objects.filter(
            status__in=[VirtualClass.Status.SCHEDULED, VirtualClass.Status.RUNNING],
            starts_at__lte=horizon,
        ).values_list("pk", flat=True)
    )
    for class_id in ids:
        poll_class.delay(class_id)
    return len(ids)


@shared_task(ignore_result=True)
def poll_class(class_id: int) -> str:
    from . import polling
    from .models import VirtualClass

    virtual_class = VirtualClass.objects.filter(pk=class_id).first()
    if virtual_class is None:
        return "missing"
    return polling.poll_class(virtual_class)


@shared_task(bind=True, max_retries=8, ignore_result=True)
def sync_recordings(self, class_id: int) -> int:  # noqa: ANN001
    from .bbb import BbbUnavailable
    from .models import VirtualClass
    from .recordings import sync_recordings as sync

    virtual_class = VirtualClass.objects.filter(pk=class_id).first()
    if virtual_class is None:
        return 0
    try:
        return len(sync(virtual_class))
    except BbbUnavailable as exc:
        if self.request.is_eager:
            return 0  # no worker (embedded mode): the end callback or a tutor retries
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(bind=True, max_retries=10, ignore_result=True)
def process_callback(self, receipt_id: int) -> str:  # noqa: ANN001
    from .callbacks import PENDING, UNAVAILABLE, process_receipt
    from .models import CallbackReceipt

    if not CallbackReceipt.objects.filter(pk=receipt_id).exists():
        return "missing"
    outcome = process_receipt(receipt_id, schedule=False)
    if outcome in (PENDING, UNAVAILABLE) and not self.request.is_eager:
        raise self.retry(countdown=_backoff(self.request.retries))
    return outcome


# <<< classes


# >>> calendars (reminders part)
@shared_task(name="live.tasks.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """24 h and 1 h reminders of classes and in-person days (every 5 minutes)."""
    from .reminders import send_reminders as send

    return send()


# <<< calendars
