"""Secret iCalendar feed tokens and the reminders already sent."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret feed URL: a learner's own feed (``user``) or a cohort's (``cohort``).

    Regenerating a feed replaces its token (the old URL stops working).
    """

    token = models.CharField(max_length=64, unique=True, default=_new_token)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    cohort = models.OneToOneField(
        "tutoring.Cohort",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, cohort__isnull=True)
                | Q(user__isnull=True, cohort__isnull=False),
                name="live_feed_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"feed {self.pk}"


class ReminderLog(models.Model):
    """One reminder (24 h or 1 h) sent to one person for one event occurrence.

    ``event_key`` includes the event's start, so a rescheduled event is reminded
    again while a repeated beat run is not.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    event_key = models.CharField(max_length=120)
    lead = models.CharField(max_length=4)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_key", "lead"], name="live_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_key} {self.lead}"
