"""Signal handlers of ``live`` (connected from ``LiveConfig.ready``)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)


def cohort_created(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A new cohort of a catalogue session gets the session's days (after commit)."""
    if not created or not instance.session_id or kwargs.get("raw"):
        return
    cohort_id = instance.pk

    def run() -> None:
        from tutoring.models import Cohort

        from .sync import sync_session_days

        cohort = Cohort.objects.filter(pk=cohort_id).select_related("session").first()
        if cohort is None:
            return
        try:
            sync_session_days(cohort)
        except Exception:  # never break the cohort's creation
            logger.exception("session days import failed for cohort %s", cohort_id)

    transaction.on_commit(run)


def connect() -> None:
    from tutoring.models import Cohort

    post_save.connect(
        cohort_created, sender=Cohort, dispatch_uid="live.sync_session_days"
    )
