"""Notification e-mails: one per notification (immediate) or a daily/weekly digest.

Each notification goes out by e-mail at most once: ``emailed_at`` is set in the
transaction that sends it, on rows locked with ``SKIP LOCKED`` so that two
workers (or a rerun of the beat task) never send the same one twice. If sending
fails the transaction rolls back and the next run tries again. Mails are
rendered in the person's preferred language from
``tutoring/emails/<name>_subject.txt``, ``_body.txt`` and ``_body.html``, with
absolute links (``settings.SITE_URL``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lms.emails import absolute_url, templated_email

from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

Email = NotificationPreference.Email

#: How often each digest goes out.
DIGEST_PERIODS = {Email.DAILY: dt.timedelta(days=1), Email.WEEKLY: dt.timedelta(days=7)}
#: The beat task runs hourly: a digest a few minutes short of its period is due,
#: so that it keeps going out at the same hour instead of drifting by one.
DIGEST_GRACE = dt.timedelta(minutes=10)
#: Notifications listed in one digest (the rest are counted, not listed).
DIGEST_MAX_ITEMS = 50


absolute = absolute_url


def _message(name: str, user: Any, context: dict[str, Any]) -> EmailMultiAlternatives:
    language = user.preferred_language or settings.LANGUAGE_CODE
    context = {
        **context,
        "user": user,
        "language": language,
        "inbox_url": absolute(reverse("tutoring:notifications")),
        "preferences_url": absolute(reverse("tutoring:notification_preferences")),
    }
    message = templated_email(
        f"tutoring/emails/{name}", context, to=user.email, language=language
    )
    return message


def _item(notification: Notification) -> dict[str, Any]:
    return {
        "notification": notification,
        "title": notification.title,
        "body": notification.body,
        "kind": notification.get_kind_display(),
        "url": absolute(notification.url),
        "cohort": notification.cohort,
    }


def send_immediate(notification_ids: Iterable[int]) -> int:
    """Send one e-mail per notification not yet e-mailed; return how many went.

    Skips notifications already e-mailed or locked by another worker, people
    without an active account or address, and people whose preference is no
    longer "immediate" (the digest, or nothing, will take them).
    """
    sent = 0
    for notification_id in dict.fromkeys(notification_ids):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user", "cohort")
                .filter(pk=notification_id, emailed_at__isnull=True)
                .first()
            )
            if notification is None:
                continue
            user = notification.user
            if not (user.is_active and user.email):
                continue
            preference = NotificationPreference.objects.filter(user=user).first()
            if preference is None or preference.email != Email.IMMEDIATE:
                continue
            _message("notification", user, _item(notification)).send()
            Notification.objects.filter(pk=notification.pk).update(
                emailed_at=timezone.now()
            )
            sent += 1
    return sent


def _is_due(preference: str, last_digest_at: Any, now: dt.datetime) -> bool:
    period = DIGEST_PERIODS.get(preference)
    if period is None:
        return False
    return last_digest_at is None or last_digest_at <= now - period + DIGEST_GRACE


def due_digest_user_ids(now: dt.datetime | None = None) -> list[int]:
    """People with unread, not yet e-mailed notifications whose digest is due."""
    now = now or timezone.now()
    waiting = set(
        Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    if not waiting:
        return []
    prefs = {
        row["user_id"]: row
        for row in NotificationPreference.objects.filter(user_id__in=waiting).values(
            "user_id", "email", "last_digest_at"
        )
    }
    due = []
    for user_id in sorted(waiting):
        row = prefs.get(user_id)
        preference = row["email"] if row else Email.DAILY
        if _is_due(preference, row["last_digest_at"] if row else None, now):
            due.append(user_id)
    return due


def send_digest(user_id: int, now: dt.datetime | None = None) -> bool:
    """Send ``user_id`` their digest if it is due; return whether one went.

    Under the lock of the person's preference row (created with the default
    "daily" if missing): lists their unread, not yet e-mailed notifications,
    sends one e-mail, marks them e-mailed and sets ``last_digest_at``.
    """
    from lms.models import User

    now = now or timezone.now()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    NotificationPreference.objects.get_or_create(user=user)
    with transaction.atomic():
        preference = (
            NotificationPreference.objects.select_for_update(skip_locked=True)
            .filter(user=user)
            .first()
        )
        if preference is None:  # another worker is sending this digest
            return False
        if not _is_due(preference.email, preference.last_digest_at, now):
            return False
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("cohort")
            .filter(user=user, read_at__isnull=True, emailed_at__isnull=True)
            .order_by("created_at", "id")
        )
        if not pending:
            return False
        shown = pending[:DIGEST_MAX_ITEMS]
        _message(
            "digest",
            user,
            {
                "items": [_item(n) for n in shown],
                "count": len(pending),
                "more": len(pending) - len(shown),
                "is_weekly": preference.email == Email.WEEKLY,
            },
        ).send()
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=now
        )
        preference.last_digest_at = now
        preference.save(update_fields=["last_digest_at"])
    return True


def send_digests(now: dt.datetime | None = None) -> int:
    """Send every due daily and weekly digest; return how many went.

    Idempotent: a rerun (or a second worker) finds the notifications e-mailed
    and ``last_digest_at`` moved on. People who chose "never" get no e-mail;
    people who chose "immediate" had theirs one by one.
    """
    now = now or timezone.now()
    sent = 0
    for user_id in due_digest_user_ids(now):
        try:
            sent += send_digest(user_id, now)
        except Exception:
            # One bad address must not stop everyone else's digest; the
            # rolled-back notifications are retried at the next run.
            logger.exception("digest for user=%s failed", user_id)
    return sent
