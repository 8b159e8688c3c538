"""Real-time chat messages of a cohort room (``group`` null) or a group room.

Each message carries the author's client-generated id: the unique constraint on
(author, client_id) makes a re-sent message after a reconnect a no-op, and the
server acknowledges it with the stored id either way. ``id`` orders a room's
history; a reconnecting client asks for everything after the last id it saw.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatMessage(models.Model):
    cohort = models.ForeignKey(
        "tutoring.Cohort", on_delete=models.CASCADE, related_name="chat_messages"
    )
    group = models.ForeignKey(
        "tutoring.CohortGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.UUIDField()
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message de chat")
        verbose_name_plural = _("messages de chat")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="tutoring_chat_dedup"
            )
        ]
        indexes = [
            models.Index(fields=["cohort", "group", "id"], name="tutoring_chat_room")
        ]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.body[:40]}"
