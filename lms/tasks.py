"""Celery tasks of the shared core."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .emails import rendered_email

logger = logging.getLogger(__name__)


@shared_task(name="lms.tasks.clear_expired_sessions", ignore_result=False)
def clear_expired_sessions() -> int:
    """Delete expired database sessions; idempotent; returns how many went."""
    deleted, _rows = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("cleared %s expired sessions", deleted)
    return deleted


@shared_task(name="lms.tasks.apply_retention", ignore_result=False)
def apply_retention() -> dict[str, int]:
    """Purge logs past their retention, then enqueue one task per inactive
    account to warn or anonymise (each re-checks; repeats are harmless)."""
    from . import retention

    counts = retention.purge_logs()
    to_warn = list(retention.accounts_to_warn().values_list("pk", flat=True))
    to_anonymise = list(retention.accounts_to_anonymise().values_list("pk", flat=True))
    for user_id in to_warn:
        warn_inactive_account.delay(user_id)
    for user_id in to_anonymise:
        anonymise_inactive_account.delay(user_id)
    counts["accounts_warned"] = len(to_warn)
    counts["accounts_anonymised"] = len(to_anonymise)
    logger.info("retention applied: %s", counts)
    return counts


@shared_task(
    name="lms.tasks.warn_inactive_account",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def warn_inactive_account(user_id: int) -> bool:
    """Warn one inactive account (idempotent, see ``lms.retention``)."""
    from . import retention

    return retention.warn_inactive_account(user_id)


@shared_task(name="lms.tasks.anonymise_inactive_account")
def anonymise_inactive_account(user_id: int) -> bool:
    """Anonymise one account still due (idempotent, see ``lms.retention``)."""
    from . import retention

    return retention.anonymise_inactive_account(user_id)


@shared_task(
    name="lms.tasks.send_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=8,
)
def send_email(subject: str, body: str, to: str, *, html: str = "") -> None:
    """Send one already rendered e-mail (retried while the mail server is down)."""
    rendered_email(subject, body, html, to=to).send(fail_silently=False)
