"""Aggregate tables of the IFPC indicators, rebuilt by ``indicators.refresh``.

Nothing here points at another app's rows with a foreign key: the tables keep
plain ids and copied labels, so the dashboard reads them alone and a refresh
can replace them wholesale. Definitions of every figure: ``indicators.refresh``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Dimension values of a person with no establishment or no function.
UNKNOWN = ""


class ParticipantProfile(models.Model):
    """One person's dimensions: network, level and province of their first
    establishment (lowest id), and their main function (see ``refresh``)."""

    # Rebuilt from the raw tables at each refresh: no database constraint, and
    # the personal-data export finds it through this link to the person.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    network = models.CharField(max_length=32, blank=True)
    level = models.CharField(max_length=32, blank=True)
    province = models.CharField(max_length=16, blank=True)
    function = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("profil de participant·e (indicateurs)")
        verbose_name_plural = _("profils de participant·es (indicateurs)")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.network}/{self.level}/{self.province}"


class SessionSummary(models.Model):
    """One session with what the dashboard shows of it (labels copied)."""

    session_id = models.BigIntegerField(primary_key=True)
    school_year = models.PositiveSmallIntegerField(db_index=True)
    session_code = models.CharField(max_length=48)
    starts_on = models.DateField()
    training_id = models.BigIntegerField(db_index=True)
    training_code = models.CharField(max_length=32)
    training_title = models.CharField(max_length=255)
    modality = models.CharField(max_length=16)
    total_hours = models.DecimalField(max_digits=7, decimal_places=1)
    is_digital = models.BooleanField(default=False)
    cohort_id = models.BigIntegerField(null=True, blank=True)
    cohort_code = models.CharField(max_length=60, blank=True)

    class Meta:
        verbose_name = _("session (indicateurs)")
        verbose_name_plural = _("sessions (indicateurs)")

    def __str__(self) -> str:
        return f"{self.session_code} ({self.school_year})"


class ParticipationFact(models.Model):
    """Measures of one session for the participants sharing one set of
    dimension values (school year × network × level × province × function)."""

    school_year = models.PositiveSmallIntegerField()
    network = models.CharField(max_length=32, blank=True)
    level = models.CharField(max_length=32, blank=True)
    province = models.CharField(max_length=16, blank=True)
    function = models.CharField(max_length=32, blank=True)
    session_id = models.BigIntegerField()
    training_id = models.BigIntegerField()
    cohort_id = models.BigIntegerField(null=True, blank=True)
    is_digital = models.BooleanField(default=False)
    is_online_or_hybrid = models.BooleanField(default=False)
    registered = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    participant_hours = models.DecimalField(
        max_digits=14, decimal_places=1, default=Decimal("0")
    )
    activities_required = models.PositiveBigIntegerField(default=0)
    activities_completed = models.PositiveBigIntegerField(default=0)
    minutes_planned = models.PositiveBigIntegerField(default=0)
    minutes_attended = models.PositiveBigIntegerField(default=0)
    attestations_issued = models.PositiveIntegerField(default=0)
    attestations_delivered = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("fait de participation (indicateurs)")
        verbose_name_plural = _("faits de participation (indicateurs)")
        indexes = [
            models.Index(fields=["school_year", "training_id"]),
            models.Index(fields=["school_year", "session_id"]),
            models.Index(fields=["school_year", "province"]),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} session {self.session_id}: {self.accepted}"


class SelfTestLevelFact(models.Model):
    """How many shared self-test results put a competence at a level."""

    school_year = models.PositiveSmallIntegerField()
    network = models.CharField(max_length=32, blank=True)
    level = models.CharField(max_length=32, blank=True)
    province = models.CharField(max_length=16, blank=True)
    function = models.CharField(max_length=32, blank=True)
    competence_code = models.CharField(max_length=8)
    proficiency = models.CharField(max_length=2)
    results = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("niveaux d'autotest (indicateurs)")
        verbose_name_plural = _("niveaux d'autotest (indicateurs)")
        indexes = [models.Index(fields=["school_year", "competence_code"])]

    def __str__(self) -> str:
        return f"{self.competence_code} {self.proficiency}: {self.results}"


class RefreshRun(models.Model):
    """One rebuild of the aggregate tables: requested, running, done or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("demandée")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminée")
        FAILED = "failed", _("échec")

    status = models.CharField(
        _("état"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), null=True, blank=True)
    row_counts = models.JSONField(_("lignes écrites"), default=dict, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("actualisation des indicateurs")
        verbose_name_plural = _("actualisations des indicateurs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-finished_at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.created_at:%Y-%m-%d %H:%M})"
