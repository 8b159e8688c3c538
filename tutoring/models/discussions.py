"""Discussion forums: one per cohort and one per group, threads and posts.

A thread with ``group`` null belongs to the cohort-wide forum. Post bodies are
stored already sanitised (``tutoring.discussions.sanitize_post``). Moderation
never deletes rows: hidden and deleted posts keep their text for the audit
trail and are rendered as a placeholder.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class Thread(TimeStampedModel):
    cohort = models.ForeignKey(
        "tutoring.Cohort", on_delete=models.CASCADE, related_name="threads"
    )
    group = models.ForeignKey(
        "tutoring.CohortGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="threads",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("sujet"), max_length=200)
    is_announcement = models.BooleanField(_("annonce"), default=False)
    is_pinned = models.BooleanField(_("épinglé"), default=False)
    is_locked = models.BooleanField(_("verrouillé"), default=False)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    is_deleted = models.BooleanField(_("supprimé"), default=False)
    reply_count = models.PositiveIntegerField(default=0)
    last_post_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fil de discussion")
        verbose_name_plural = _("fils de discussion")
        ordering = ["-is_pinned", "-last_post_at", "-id"]
        indexes = [
            models.Index(
                fields=["cohort", "group", "-is_pinned", "-last_post_at"],
                name="tutoring_thread_listing",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Post(TimeStampedModel):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"))
    client_token = models.UUIDField(
        null=True, blank=True, help_text="Idempotency key sent by the form."
    )
    is_hidden = models.BooleanField(_("masqué"), default=False)
    is_deleted = models.BooleanField(_("supprimé"), default=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_posts"
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="tutoring_post_idempotent"
            )
        ]


class PostReport(TimeStampedModel):
    """A participant reports a post to the tutors."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=500)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"], name="tutoring_one_report_per_person"
            )
        ]
