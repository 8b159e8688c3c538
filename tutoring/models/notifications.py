"""In-app notifications and each person's e-mail preference for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a person should see: a mention, a reply, an announcement, a
    reminder, a tutor message, a reviewed assignment. ``emailed_at`` is set once
    the notification went out by e-mail (immediately or in a digest)."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mention")
        REPLY = "reply", _("Réponse")
        ANNOUNCEMENT = "announcement", _("Annonce")
        REMINDER = "reminder", _("Relance")
        MESSAGE = "message", _("Message du tuteur")
        REVIEW = "review", _("Travail évalué")
        REPORT = "report", _("Message signalé")
        AGENDA = "agenda", _("Rappel d'agenda")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    cohort = models.ForeignKey(
        "tutoring.Cohort",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "read_at", "-created_at"], name="tutoring_notif_inbox"
            ),
            models.Index(fields=["emailed_at", "user"], name="tutoring_notif_mailq"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("Un courriel à chaque notification")
        DAILY = "daily", _("Un résumé quotidien")
        WEEKLY = "weekly", _("Un résumé hebdomadaire")
        NEVER = "never", _("Jamais (seulement dans la plateforme)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.CharField(
        _("courriels"), max_length=10, choices=Email.choices, default=Email.DAILY
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"
