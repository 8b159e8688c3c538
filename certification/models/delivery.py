"""The outbox to the staff space ("Mon Espace"): one row per attestation and
action, written in the attestation's transaction, drained by
``certification.delivery``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .attestations import Attestation


class Delivery(models.Model):
    """Deliver one attestation (or its revocation) to the staff space.

    ``pending`` rows are due at ``next_attempt_at``; a worker takes a row by
    setting ``leased_until`` (rows whose lease ran out — a killed worker — are
    taken again; the ``Idempotency-Key`` makes the resend harmless).
    ``dead`` rows (a permanent refusal, or 48 h of failures) wait for IFPC staff.
    """

    class Action(models.TextChoices):
        ISSUE = "issue", _("envoi de l'attestation")
        REVOKE = "revoke", _("envoi de la révocation")

    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        DELIVERED = "delivered", _("reçue")
        DEAD = "dead", _("en échec, à relancer")

    attestation = models.ForeignKey(
        Attestation, on_delete=models.CASCADE, related_name="deliveries"
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    state = models.CharField(
        _("état"), max_length=16, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"))
    leased_until = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(
        _("première tentative"), null=True, blank=True
    )
    last_status_code = models.PositiveSmallIntegerField(
        _("dernier code HTTP"), null=True, blank=True
    )
    last_error = models.TextField(_("dernière erreur"), blank=True)
    receipt = models.CharField(_("accusé de réception"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("reçue le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("livraison à l'espace personnel")
        verbose_name_plural = _("livraisons à l'espace personnel")
        constraints = [
            models.UniqueConstraint(
                fields=["attestation", "action"], name="certification_delivery_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="certification_delivery_due",
            ),
            models.Index(fields=["state", "-updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.attestation.uuid}"


class DeliveryAttempt(models.Model):
    """One HTTP try, kept for the dead-letter page and the attestation page."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("reçue")
        RETRY = "retry", _("à réessayer")
        DEAD = "dead", _("refus définitif")

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    outcome = models.CharField(_("résultat"), max_length=16, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(
        _("code HTTP"), null=True, blank=True
    )
    error = models.TextField(_("erreur"), blank=True)
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), default=0)

    class Meta:
        verbose_name = _("tentative de livraison")
        verbose_name_plural = _("tentatives de livraison")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.status_code or '—'})"
