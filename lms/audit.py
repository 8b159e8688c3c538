"""The audit trail shared by every app: who changed what, and when.

Each change goes to the Django admin history (``LogEntry``, shown on each
object's "Historique" page) and to the application log of the calling app.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import models

__all__ = ["ADDITION", "CHANGE", "DELETION", "record"]


def record(
    by: Any,
    objects: Iterable[models.Model],
    flag: int,
    message: str | list,
    *,
    logger: logging.Logger,
) -> None:
    """Record ``flag`` (ADDITION/CHANGE/DELETION) on saved ``objects`` by ``by``."""
    objects = [obj for obj in objects if obj.pk is not None]
    if not objects:
        return
    for obj in objects:
        logger.info(
            "change by=%s model=%s id=%s flag=%s message=%s",
            getattr(by, "pk", None),
            obj._meta.label,
            obj.pk,
            flag,
            message,
        )
    if by is not None and getattr(by, "pk", None) is not None:
        LogEntry.objects.log_actions(by.pk, objects, flag, message)
