"""In-person days of a cohort (one or two half-days) and QR check-ins."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class InPersonDay(TimeStampedModel):
    """A day in a room: a morning and/or an afternoon, each taken separately."""

    class Half(models.TextChoices):
        MORNING = "am", _("matin")
        AFTERNOON = "pm", _("après-midi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(
        "tutoring.Cohort",
        on_delete=models.PROTECT,
        related_name="in_person_days",
        verbose_name=_("cohorte"),
    )
    activity = models.OneToOneField(
        "courses.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="in_person_day",
        verbose_name=_("activité du parcours"),
    )
    session_day = models.OneToOneField(
        "catalogue.SessionDay",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="in_person_day",
        verbose_name=_("journée de la session"),
    )
    title = models.CharField(_("titre"), max_length=200)
    date = models.DateField(_("date"))
    morning_starts = models.TimeField(_("début du matin"), null=True, blank=True)
    morning_ends = models.TimeField(_("fin du matin"), null=True, blank=True)
    afternoon_starts = models.TimeField(
        _("début de l'après-midi"), null=True, blank=True
    )
    afternoon_ends = models.TimeField(_("fin de l'après-midi"), null=True, blank=True)
    venue = models.CharField(_("lieu"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    city = models.CharField(_("localité"), max_length=120, blank=True)
    notes = models.TextField(_("informations pratiques"), blank=True, max_length=2000)
    is_cancelled = models.BooleanField(_("annulée"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["date", "morning_starts", "afternoon_starts", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(morning_starts__isnull=False, morning_ends__isnull=False)
                    | Q(afternoon_starts__isnull=False, afternoon_ends__isnull=False)
                ),
                name="live_day_has_a_half",
            )
        ]
        verbose_name = _("journée en présentiel")
        verbose_name_plural = _("journées en présentiel")

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d/%m/%Y})"

    def halves(self) -> list[tuple[str, dt.time, dt.time]]:
        """``[(half, start, end), …]`` for the half-days this day has."""
        result = []
        if self.morning_starts and self.morning_ends:
            result.append((self.Half.MORNING, self.morning_starts, self.morning_ends))
        if self.afternoon_starts and self.afternoon_ends:
            result.append(
                (self.Half.AFTERNOON, self.afternoon_starts, self.afternoon_ends)
            )
        return result

    def half_bounds(self, half: str) -> tuple[dt.datetime, dt.datetime] | None:
        """Aware start and end of one half-day (local time), if it exists."""
        for name, start, end in self.halves():
            if name == half:
                tz = timezone.get_current_timezone()
                return (
                    dt.datetime.combine(self.date, start, tzinfo=tz),
                    dt.datetime.combine(self.date, end, tzinfo=tz),
                )
        return None

    def half_minutes(self, half: str) -> int:
        bounds = self.half_bounds(half)
        if bounds is None:
            return 0
        return int((bounds[1] - bounds[0]).total_seconds() // 60)

    @property
    def starts_at(self) -> dt.datetime:
        first = self.halves()[0]
        return dt.datetime.combine(
            self.date, first[1], tzinfo=timezone.get_current_timezone()
        )

    @property
    def ends_at(self) -> dt.datetime:
        last = self.halves()[-1]
        return dt.datetime.combine(
            self.date, last[2], tzinfo=timezone.get_current_timezone()
        )


class QrCheckIn(models.Model):
    """A learner used one displayed QR code (its nonce) once: replays are refused."""

    day = models.ForeignKey(
        InPersonDay, on_delete=models.CASCADE, related_name="checkins"
    )
    half = models.CharField(max_length=2, choices=InPersonDay.Half.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    nonce = models.CharField(max_length=64)
    checked_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["nonce", "user"], name="live_qr_once")
        ]

    def __str__(self) -> str:
        return f"check-in {self.day_id} {self.half} {self.user_id}"
