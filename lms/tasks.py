"""Celery tasks of the shared core."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="lms.tasks.clear_expired_sessions", ignore_result=False)
def clear_expired_sessions() -> int:
    """Delete expired database sessions; idempotent; returns how many went."""
    deleted, _rows = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("cleared %s expired sessions", deleted)
    return deleted
