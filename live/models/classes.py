"""Virtual classes on BigBlueButton and what BBB tells us about them."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


def _new_meeting_id() -> str:
    return str(uuid.uuid4())


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class VirtualClass(TimeStampedModel):
    """A live class of a cohort, created on BBB lazily (at the first join).

    ``meeting_id`` is ours (a UUID, stable for the life of the class) so names
    with commas, emoji or 300 characters never reach BBB as identifiers.
    ``end_nonce`` is part of the (unsigned by design) end-callback URL.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("programmée")
        RUNNING = "running", _("en cours")
        ENDED = "ended", _("terminée")
        CANCELLED = "cancelled", _("annulée")

    class GuestPolicy(models.TextChoices):
        ALWAYS_ACCEPT = "ALWAYS_ACCEPT", _("invités acceptés")
        ASK_MODERATOR = "ASK_MODERATOR", _("invités sur accord du tuteur")
        ALWAYS_DENY = "ALWAYS_DENY", _("pas d'invités")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(
        "tutoring.Cohort",
        on_delete=models.PROTECT,
        related_name="virtual_classes",
        verbose_name=_("cohorte"),
    )
    activity = models.OneToOneField(
        "courses.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="virtual_class",
        verbose_name=_("activité du parcours"),
    )
    session_day = models.OneToOneField(
        "catalogue.SessionDay",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="virtual_class",
        verbose_name=_("journée de la session"),
    )
    title = models.CharField(_("titre"), max_length=200)
    welcome = models.TextField(_("message d'accueil"), blank=True, max_length=2000)
    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"),
        validators=[MinValueValidator(15), MaxValueValidator(600)],
    )
    record_allowed = models.BooleanField(_("enregistrement autorisé"), default=False)
    guest_policy = models.CharField(
        _("invités"),
        max_length=16,
        choices=GuestPolicy.choices,
        default=GuestPolicy.ALWAYS_DENY,
    )
    max_participants = models.PositiveIntegerField(
        _("participants au maximum"),
        null=True,
        blank=True,
        help_text=_("Vide : pas de limite."),
    )
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )
    cancelled_reason = models.CharField(
        _("motif d'annulation"), max_length=300, blank=True
    )
    # BBB side.
    meeting_id = models.CharField(max_length=64, unique=True, default=_new_meeting_id)
    moderator_pw = models.CharField(max_length=64, default=_new_secret)
    attendee_pw = models.CharField(max_length=64, default=_new_secret)
    end_nonce = models.CharField(max_length=64, default=_new_secret)
    server = models.CharField(_("serveur BBB"), max_length=64, blank=True)
    internal_meeting_id = models.CharField(max_length=120, blank=True)
    create_time = models.BigIntegerField(null=True, blank=True)
    created_on_server_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("démarrée le"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    poll_failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    recordings_synced_at = models.DateTimeField(null=True, blank=True)
    attendance_closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        verbose_name = _("classe virtuelle")
        verbose_name_plural = _("classes virtuelles")

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> dt.datetime:
        """The planned end."""
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def join_opens_at(self) -> dt.datetime:
        return self.starts_at - dt.timedelta(
            minutes=settings.LIVE_JOIN_OPENS_MINUTES_BEFORE
        )

    def join_window_state(self, now: dt.datetime | None = None) -> str:
        """``"early"``, ``"open"``, ``"closed"`` (ended, past or cancelled)."""
        now = now or timezone.now()
        if self.status in (self.Status.ENDED, self.Status.CANCELLED):
            return "closed"
        if now < self.join_opens_at:
            return "early"
        if now >= self.ends_at:
            return "closed"
        return "open"


class JoinRequest(models.Model):
    """A person asked Tremplin for a join URL (the URL itself is never stored)."""

    virtual_class = models.ForeignKey(
        VirtualClass, on_delete=models.CASCADE, related_name="join_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    is_moderator = models.BooleanField(default=False)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["virtual_class", "user", "requested_at"])]

    def __str__(self) -> str:
        return f"join {self.virtual_class_id} {self.user_id}"


class AttendanceInterval(models.Model):
    """A stretch of presence in a class, as seen by ``getMeetingInfo`` polls.

    Opened when a poll first sees the user (at the join request time if it came
    since the previous poll), extended by each poll that still sees them
    (``last_seen_at``), closed at ``last_seen_at`` by the first poll that no
    longer does, or at the end of the meeting. At most one open interval per
    person and class (partial unique constraint), so concurrent polls cannot
    double-count.
    """

    virtual_class = models.ForeignKey(
        VirtualClass, on_delete=models.CASCADE, related_name="intervals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    joined_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    is_moderator = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["virtual_class", "user"],
                condition=Q(left_at__isnull=True),
                name="live_one_open_interval",
            )
        ]
        indexes = [models.Index(fields=["virtual_class", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.joined_at:%H:%M}–{self.left_at or '…'}"


class Recording(TimeStampedModel):
    """A recording of a class, as listed by ``getRecordings``."""

    virtual_class = models.ForeignKey(
        VirtualClass, on_delete=models.CASCADE, related_name="recordings"
    )
    record_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(_("nom"), max_length=300, blank=True)
    state = models.CharField(_("état"), max_length=20, blank=True)
    is_published = models.BooleanField(default=False)
    playback_format = models.CharField(max_length=40, blank=True)
    playback_url = models.URLField(max_length=1000, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    participants = models.PositiveIntegerField(null=True, blank=True)
    is_hidden = models.BooleanField(_("masqué aux participants"), default=False)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("enregistrement")
        verbose_name_plural = _("enregistrements")


class CallbackReceipt(models.Model):
    """An accepted BBB callback, once per (kind, key): replays are no-ops.

    A callback that arrives before we can act on it (unknown meeting yet, BBB
    still says running) stays unprocessed and is retried by a task.
    """

    class Kind(models.TextChoices):
        END = "end", _("fin de réunion")
        RECORDING_READY = "recording_ready", _("enregistrement prêt")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    meeting_id = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="live_callback_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
