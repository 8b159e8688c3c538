"""Celery tasks of ``catalogue``: they take ids, load, and call one service.

Each area's tasks live in their own delimited block below.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

logger = logging.getLogger(__name__)


# --- Registrations: e-mails --------------------------------------------------------


@shared_task(
    bind=True,
    name="catalogue.tasks.send_registration_email",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def send_registration_email(self: Task, log_id: int) -> bool:
    """Send the e-mail that tells a person about registration change ``log_id``.

    ``log_id`` is a ``RegistrationLog`` row (one status change). Enqueue after
    commit (``send_registration_email.delay_on_commit(log.pk)``). Idempotent: a
    log entry is e-mailed at most once (a marker in the shared cache is set
    before sending and removed if sending fails); an unknown id is ignored.
    Mail server errors retry with exponential backoff. Returns whether a
    message was sent.
    """
    from .emails import send_for_log

    try:
        return send_for_log(log_id)
    except OSError as exc:  # SMTP and socket errors
        countdown = min(3600, 30 * 2**self.request.retries)
        logger.warning("registration e-mail %s failed (%s), retrying", log_id, exc)
        raise self.retry(exc=exc, countdown=countdown) from exc


# --- End of registrations block ----------------------------------------------------


# --- Scheduled publishing ----------------------------------------------------------


@shared_task(name="catalogue.tasks.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages() -> None:
    """Publish approved revisions whose ``go_live_at`` has passed; unpublish expired pages.

    Runs every minute from beat. Idempotent: Wagtail's ``publish_scheduled``
    command only acts on revisions still waiting (``approved_go_live_at``) and on
    live pages past ``expire_at``, so a second run finds nothing to do.
    """
    from django.core.management import call_command

    call_command("publish_scheduled", verbosity=0)


# --- End of scheduled publishing block ---------------------------------------------


@shared_task(name="catalogue.tasks.rebuild_search_index", ignore_result=True)
def rebuild_search_index() -> int:
    """Rebuild every training's search row (nightly, from the beat schedule).

    Publishing and session changes refresh rows as they happen; this catches what
    only the calendar changes: "open now", upcoming months, next session date.
    Idempotent; returns the number of rows written.
    """
    from .search import rebuild_index

    return rebuild_index()
