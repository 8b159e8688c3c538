"""Registrations to sessions and tracks, with their audit log.

The lifecycle (``Registration.Status``) and its allowed transitions are in
``catalogue.flows``; only ``catalogue.services`` changes a registration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class RegistrationQuerySet(models.QuerySet):
    def active(self) -> RegistrationQuerySet:
        """Registrations that hold or wait for a seat."""
        return self.filter(status__in=Registration.ACTIVE_STATUSES)


class Registration(TimeStampedModel):
    """A person's registration to one session."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de validation")
        ACCEPTED = "accepted", _("Acceptée")
        WAITLISTED = "waitlisted", _("Sur liste d'attente")
        REFUSED = "refused", _("Refusée")
        CANCELLED = "cancelled", _("Annulée")

    ACTIVE_STATUSES = (Status.PENDING, Status.ACCEPTED, Status.WAITLISTED)

    session = models.ForeignKey(
        "catalogue.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant·e"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices)
    is_audience_mismatch = models.BooleanField(
        _("hors public cible"),
        default=False,
        help_text=_("La personne ne fait pas partie du public visé par la formation."),
    )
    motivation = models.TextField(_("motivation"), blank=True, max_length=2000)
    track_registration = models.ForeignKey(
        "catalogue.TrackRegistration",
        verbose_name=_("inscription au parcours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.TextField(_("motif de la décision"), blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=["pending", "accepted", "waitlisted"]),
                name="catalogue_registration_one_active_per_session",
            )
        ]
        indexes = [
            models.Index(fields=["session", "status", "created_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.session} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class RegistrationLog(models.Model):
    """Audit trail: one row per status change of a registration."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        related_name="log",
    )
    from_status = models.CharField(
        _("statut précédent"),
        max_length=16,
        choices=Registration.Status.choices,
        blank=True,
    )
    to_status = models.CharField(
        _("nouveau statut"), max_length=16, choices=Registration.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("remarque"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("historique d'inscription")
        verbose_name_plural = _("historiques d'inscription")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.from_status or '∅'} → {self.to_status}"


class TrackRegistration(TimeStampedModel):
    """A person's registration to a whole track (it registers them to each step)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("En cours")
        CANCELLED = "cancelled", _("Annulée")

    track = models.ForeignKey(
        "catalogue.TrackPage",
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant·e"),
        on_delete=models.CASCADE,
        related_name="track_registrations",
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("inscription à un parcours")
        verbose_name_plural = _("inscriptions à des parcours")
        constraints = [
            models.UniqueConstraint(
                fields=["track", "user"],
                condition=Q(status="active"),
                name="catalogue_trackregistration_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.track} ({self.get_status_display()})"
