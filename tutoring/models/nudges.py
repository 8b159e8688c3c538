"""Reminder rules of a cohort, the log of what was sent, and tutor messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class NudgeRule(TimeStampedModel):
    class Kind(models.TextChoices):
        INACTIVE = "inactive", _("Inactif·ve depuis N jours")
        DEADLINE = "deadline", _("Échéance dans N jours")
        NOT_STARTED = "not_started", _("Pas commencé N jours après le début")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Courriel")
        IN_APP = "in_app", _("Dans la plateforme")
        BOTH = "both", _("Courriel et plateforme")

    cohort = models.ForeignKey(
        "tutoring.Cohort", on_delete=models.CASCADE, related_name="nudge_rules"
    )
    kind = models.CharField(_("règle"), max_length=16, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(_("jours"))
    channel = models.CharField(
        _("canal"), max_length=8, choices=Channel.choices, default=Channel.BOTH
    )
    message = models.TextField(
        _("message"), blank=True, help_text=_("Vide : le message par défaut.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("règle de relance")
        verbose_name_plural = _("règles de relance")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind", "days"], name="tutoring_nudge_rule_unique"
            )
        ]


class NudgeLog(models.Model):
    """One reminder sent to one learner. ``dedup_key`` makes a rerun of the beat
    task (or two workers at once) send nothing twice."""

    rule = models.ForeignKey(
        NudgeRule, on_delete=models.SET_NULL, null=True, related_name="log"
    )
    enrolment = models.ForeignKey(
        "tutoring.Enrolment", on_delete=models.CASCADE, related_name="nudges"
    )
    kind = models.CharField(max_length=16)
    channel = models.CharField(max_length=8)
    dedup_key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relance envoyée")
        verbose_name_plural = _("relances envoyées")
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["enrolment", "-sent_at"], name="tutoring_nudge_recent")
        ]

    def __str__(self) -> str:
        return self.dedup_key


class TutorMessage(TimeStampedModel):
    """A message a tutor sent to a filtered set of learners of a cohort."""

    cohort = models.ForeignKey(
        "tutoring.Cohort", on_delete=models.CASCADE, related_name="tutor_messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    recipient_count = models.PositiveIntegerField(default=0)
    filter_description = models.CharField(max_length=500, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("message du tuteur")
        verbose_name_plural = _("messages du tuteur")
        ordering = ["-created_at"]
