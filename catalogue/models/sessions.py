"""Sessions of a training: when, where, how many seats and how to register."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from lms.models import TimeStampedModel

from .taxonomy import Province, province_for_postal_code


class SessionQuerySet(models.QuerySet):
    def visible(self) -> SessionQuerySet:
        """Sessions teachers may see: of a live training, not cancelled."""
        return self.filter(training__live=True).exclude(status=Session.Status.CANCELLED)

    def open_for_registration(self, now: dt.datetime | None = None) -> SessionQuerySet:
        """Sessions accepting registrations now (seats or waitlist left)."""
        now = now or timezone.now()
        return self.filter(
            Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now),
            registration_closes_at__gt=now,
            status__in=[Session.Status.OPEN, Session.Status.FULL],
        ).filter(Q(status=Session.Status.OPEN) | Q(has_waitlist=True))

    def upcoming(self, today: dt.date | None = None) -> SessionQuerySet:
        return self.filter(ends_on__gte=today or timezone.localdate())


class Session(TimeStampedModel, ClusterableModel):
    """One scheduled run of a training.

    ``seats_taken`` counts accepted registrations; it is only changed by
    ``catalogue.services`` while holding this row's lock, and a database check
    keeps it within ``capacity``. ``status`` follows ``catalogue.flows``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planifiée")
        OPEN = "open", _("Inscriptions ouvertes")
        FULL = "full", _("Complète")
        CLOSED = "closed", _("Inscriptions clôturées")
        CANCELLED = "cancelled", _("Annulée")

    class Policy(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatique dans la limite des places")
        MANUAL = "manual", _("Validation par l'IFPC")
        MANUAL_PRIORITY = (
            "manual_priority",
            _("Validation par l'IFPC, priorité au public cible"),
        )

    training = models.ForeignKey(
        "catalogue.TrainingPage",
        verbose_name=_("formation"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    code = models.CharField(
        _("code de session"),
        max_length=48,
        unique=True,
        help_text=_("Par exemple « NUM-2027-014-S1 »."),
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    is_online = models.BooleanField(
        _("entièrement à distance ou en ligne"), default=False
    )
    establishment = models.ForeignKey(
        "lms.Establishment",
        verbose_name=_("établissement d'accueil"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
    )
    venue = models.CharField(_("lieu"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=4, blank=True)
    city = models.CharField(_("localité"), max_length=120, blank=True)
    province = models.CharField(
        _("province"), max_length=16, choices=Province.choices, blank=True
    )
    capacity = models.PositiveIntegerField(_("nombre de places"))
    has_waitlist = models.BooleanField(_("liste d'attente"), default=True)
    registration_opens_at = models.DateTimeField(
        _("ouverture des inscriptions"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(_("clôture des inscriptions"))
    cancellation_deadline = models.DateTimeField(
        _("date limite de désinscription"),
        null=True,
        blank=True,
        help_text=_("Par défaut, la clôture des inscriptions."),
    )
    tutors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tuteur·rices"),
        related_name="tutored_sessions",
        blank=True,
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    policy = models.CharField(
        _("mode d'inscription"),
        max_length=16,
        choices=Policy.choices,
        default=Policy.AUTOMATIC,
    )
    seats_taken = models.PositiveIntegerField(_("places occupées"), default=0)
    notes = models.TextField(_("informations pratiques"), blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="catalogue_session_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="catalogue_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="catalogue_session_seats_within_capacity",
            ),
        ]
        indexes = [
            models.Index(fields=["training", "starts_on"]),
            models.Index(fields=["status", "registration_closes_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.starts_on:%d/%m/%Y})"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def effective_cancellation_deadline(self) -> dt.datetime:
        return self.cancellation_deadline or self.registration_closes_at

    def is_open_for_registration(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.status not in (self.Status.OPEN, self.Status.FULL):
            return False
        if self.status == self.Status.FULL and not self.has_waitlist:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return now < self.registration_closes_at

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors.setdefault("ends_on", []).append(
                _("La fin de la session ne peut pas précéder son début.")
            )
        if self.capacity is not None and self.capacity <= 0:
            errors.setdefault("capacity", []).append(
                _("Le nombre de places doit être supérieur à zéro.")
            )
        if self.registration_closes_at and self.starts_on:
            last_day = dt.datetime.combine(
                self.ends_on or self.starts_on, dt.time.max
            ).replace(tzinfo=timezone.get_current_timezone())
            if self.registration_closes_at > last_day:
                errors.setdefault("registration_closes_at", []).append(
                    _("Les inscriptions doivent clôturer avant la fin de la session.")
                )
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_opens_at >= self.registration_closes_at
        ):
            errors.setdefault("registration_opens_at", []).append(
                _("L'ouverture des inscriptions doit précéder leur clôture.")
            )
        if (
            self.cancellation_deadline
            and self.starts_on
            and self.cancellation_deadline.date() > self.starts_on
        ):
            errors.setdefault("cancellation_deadline", []).append(
                _("La date limite de désinscription doit précéder le début.")
            )
        if not self.is_online and not (
            self.establishment_id or self.address or self.venue
        ):
            errors.setdefault("address", []).append(
                _(
                    "Indiquez un lieu (établissement ou adresse) ou cochez « à distance »."
                )
            )
        if self.postal_code and not province_for_postal_code(self.postal_code):
            errors.setdefault("postal_code", []).append(
                _("Un code postal belge compte quatre chiffres.")
            )
        if errors:
            raise ValidationError(errors)

    def derive_place(self) -> None:
        """Fill ``province`` (and city/postal code from the establishment)."""
        if self.establishment_id and not self.postal_code:
            self.postal_code = self.establishment.postal_code
            self.city = self.city or self.establishment.city
        if self.is_online and not self.postal_code:
            self.province = Province.ONLINE
        else:
            self.province = province_for_postal_code(self.postal_code)


class SessionDay(models.Model):
    """One synchronous day (or half-day) of a session."""

    class Kind(models.TextChoices):
        IN_PERSON = "presentiel", _("En présentiel")
        VIRTUAL = "classe_virtuelle", _("Classe virtuelle")

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("heure de début"))
    end_time = models.TimeField(_("heure de fin"))
    kind = models.CharField(
        _("type"), max_length=20, choices=Kind.choices, default=Kind.IN_PERSON
    )

    class Meta:
        verbose_name = _("journée")
        verbose_name_plural = _("journées")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="catalogue_sessionday_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError(
                {"end_time": _("L'heure de fin doit suivre l'heure de début.")}
            )
