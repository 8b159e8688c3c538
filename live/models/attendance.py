"""The one attendance record: per learner and synchronous slot, correctable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel

from .classes import VirtualClass
from .days import InPersonDay


class AttendanceRecord(TimeStampedModel):
    """How much of one slot a learner attended.

    A slot is a virtual class (``virtual_class``) or one half-day of an
    in-person day (``day`` + ``half``). ``minutes_planned`` is the slot's length,
    ``minutes_attended`` what counts towards the learner's totals. Automatic
    sources (BBB polling, QR check-in) never overwrite a record a tutor has
    corrected (``is_corrected``); each correction is kept in
    ``AttendanceCorrection`` with who, when and why.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("présent")
        PARTIAL = "partial", _("présence partielle")
        ABSENT = "absent", _("absent")
        EXCUSED = "excused", _("excusé")

    class Source(models.TextChoices):
        BBB = "bbb", _("classe virtuelle (BBB)")
        SHEET = "sheet", _("feuille de présence")
        QR = "qr", _("code QR")
        CORRECTION = "correction", _("correction du tuteur")

    cohort = models.ForeignKey(
        "tutoring.Cohort", on_delete=models.CASCADE, related_name="attendance_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendance_records",
    )
    virtual_class = models.ForeignKey(
        VirtualClass,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attendance_records",
    )
    day = models.ForeignKey(
        InPersonDay,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attendance_records",
    )
    half = models.CharField(max_length=2, choices=InPersonDay.Half.choices, blank=True)
    status = models.CharField(_("présence"), max_length=10, choices=Status.choices)
    minutes_planned = models.PositiveIntegerField(_("minutes prévues"))
    minutes_attended = models.PositiveIntegerField(_("minutes suivies"), default=0)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    is_corrected = models.BooleanField(_("corrigée par le tuteur"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(virtual_class__isnull=False, day__isnull=True, half="")
                    | Q(virtual_class__isnull=True, day__isnull=False) & ~Q(half="")
                ),
                name="live_record_one_slot",
            ),
            models.UniqueConstraint(
                fields=["virtual_class", "user"],
                condition=Q(virtual_class__isnull=False),
                name="live_record_once_per_class",
            ),
            models.UniqueConstraint(
                fields=["day", "half", "user"],
                condition=Q(day__isnull=False),
                name="live_record_once_per_half_day",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "user"])]
        verbose_name = _("présence")
        verbose_name_plural = _("présences")


class AttendanceCorrection(models.Model):
    """A tutor changed a record: before/after, by whom, when and why."""

    record = models.ForeignKey(
        AttendanceRecord, on_delete=models.CASCADE, related_name="corrections"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("motif"), max_length=1000)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"correction {self.record_id} ({self.at:%Y-%m-%d %H:%M})"


class AbsenceJustification(TimeStampedModel):
    """A learner's justification of an absence from a class or a day."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        REJECTED = "rejected", _("refusée")

    cohort = models.ForeignKey(
        "tutoring.Cohort", on_delete=models.CASCADE, related_name="justifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    virtual_class = models.ForeignKey(
        VirtualClass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.ForeignKey(
        InPersonDay, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("motif"), max_length=2000)
    file = models.FileField(
        _("justificatif"),
        upload_to="live/justifications/%Y/%m/",
        max_length=300,
        blank=True,
    )
    status = models.CharField(
        _("décision"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(_("commentaire"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(virtual_class__isnull=False, day__isnull=True)
                | Q(virtual_class__isnull=True, day__isnull=False),
                name="live_justification_one_slot",
            )
        ]
        verbose_name = _("justificatif d'absence")
        verbose_name_plural = _("justificatifs d'absence")
