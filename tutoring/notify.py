"""In-app notifications: one entry point for every part of ``tutoring``.

``notify`` stores a ``Notification`` per recipient (bulk), pushes it to the
recipients' open pages after commit (``lms.realtime``), and for people who asked
for immediate e-mails enqueues ``tutoring.tasks.email_notifications`` after
commit. Digests (daily/weekly) are sent by beat (``tutoring.tasks.send_digests``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from lms.realtime import broadcast, user_group

from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

#: Above this many recipients, pushes go through a Celery task instead of the
#: request (an announcement to a 12,000-learner cohort must not hold the page).
INLINE_PUSH_LIMIT = 200


def email_preference(user_id: int) -> str:
    pref = NotificationPreference.objects.filter(user_id=user_id).first()
    return pref.email if pref else NotificationPreference.Email.DAILY


def notify(
    users: Iterable[Any],
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    cohort: Any = None,
) -> list[Notification]:
    """Notify each of ``users`` (users or user ids; duplicates ignored)."""
    user_ids = list(dict.fromkeys(u if isinstance(u, int) else u.pk for u in users))
    if not user_ids:
        return []
    cohort_id = cohort if (cohort is None or isinstance(cohort, int)) else cohort.pk
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                cohort_id=cohort_id,
                kind=kind,
                title=title[:255],
                body=body,
                url=url[:500],
            )
            for user_id in user_ids
        ]
    )
    immediate = set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, email=NotificationPreference.Email.IMMEDIATE
        ).values_list("user_id", flat=True)
    )
    pushes = [
        (row.user_id, {"kind": kind, "title": row.title, "url": row.url, "id": row.pk})
        for row in rows
    ]
    mail_ids = [row.pk for row in rows if row.user_id in immediate]

    def after_commit() -> None:
        if len(pushes) > INLINE_PUSH_LIMIT:
            from .tasks import push_notifications

            push_notifications.delay(pushes)
        else:
            push_all(pushes)
        if mail_ids:
            from .tasks import email_notifications

            email_notifications.delay(mail_ids)

    transaction.on_commit(after_commit)
    return rows


def push_all(pushes: list[tuple[int, dict[str, Any]]]) -> None:
    """Push stored notifications to their recipients' open pages (best effort:
    the inbox shows them anyway)."""
    for user_id, payload in pushes:
        try:
            broadcast(user_group(user_id), "user.notification", payload)
        except Exception:  # noqa: BLE001 - stored; the inbox shows it anyway
            logger.warning("notification push failed user=%s", user_id, exc_info=True)
