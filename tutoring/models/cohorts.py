"""Cohorts, their tutors and groups, enrolments and the per-learner aggregates.

One cohort follows one course *run* (``courses.Course``) for one catalogue
session. The figures the tutor dashboard shows (progress %, last activity,
per-activity states, scores, attendance) live on ``Enrolment`` and on
``CohortActivityStat``: they are maintained by ``tutoring.aggregates`` when
``courses.events.activity_completion_changed`` fires, never recomputed per page
view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class Cohort(TimeStampedModel):
    """The learners of one session, their tutors and the course run they follow."""

    session = models.OneToOneField(
        "catalogue.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="cohort",
        null=True,
        blank=True,
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("cours suivi"),
        on_delete=models.PROTECT,
        related_name="cohorts",
        null=True,
        blank=True,
    )
    code = models.CharField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("intitulé"), max_length=255)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    inactivity_days = models.PositiveSmallIntegerField(
        _("inactivité signalée après (jours)"), default=14
    )
    is_archived = models.BooleanField(_("archivée"), default=False)

    class Meta:
        verbose_name = _("cohorte")
        verbose_name_plural = _("cohortes")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="tutoring_cohort_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class CohortTutor(TimeStampedModel):
    """A tutor of a cohort; exactly one may be the lead tutor."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="tutor_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tuteur·rice"),
        on_delete=models.PROTECT,
        related_name="tutored_cohort_links",
    )
    is_lead = models.BooleanField(_("tuteur·rice principal·e"), default=False)

    class Meta:
        verbose_name = _("tuteur·rice de cohorte")
        verbose_name_plural = _("tuteur·rices de cohorte")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"], name="tutoring_one_link_per_tutor"
            ),
            models.UniqueConstraint(
                fields=["cohort"],
                condition=Q(is_lead=True),
                name="tutoring_one_lead_tutor",
            ),
        ]


class CohortGroup(TimeStampedModel):
    """A group inside a cohort, with its own tutor (optional)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("nom"), max_length=120)
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tuteur·rice du groupe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tutored_groups",
    )

    class Meta:
        verbose_name = _("groupe")
        verbose_name_plural = _("groupes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "name"], name="tutoring_group_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active(self) -> EnrolmentQuerySet:
        return self.filter(status=Enrolment.Status.ACTIVE)


class Enrolment(TimeStampedModel):
    """A learner in a cohort, with the aggregates the tutor dashboard reads.

    Unenrolment sets ``status`` to withdrawn: the row and all tracking data stay.
    ``activity_states`` maps ``str(activity_id)`` to ``{"state": …, "score": …}``
    (score as a float or null) for the cohort's course activities the learner
    has touched; ``progress_percent`` is the course progress of the last event.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Inscrit·e")
        WITHDRAWN = "withdrawn", _("Désinscrit·e")

    class Source(models.TextChoices):
        REGISTRATION = "registration", _("Inscription acceptée")
        MANUAL = "manual", _("Ajout manuel")
        CSV = "csv", _("Import CSV")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("apprenant·e"),
        on_delete=models.PROTECT,
        related_name="cohort_enrolments",
    )
    group = models.ForeignKey(
        CohortGroup,
        verbose_name=_("groupe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(
        _("origine"), max_length=14, choices=Source.choices, default=Source.MANUAL
    )
    registration_id = models.PositiveBigIntegerField(null=True, blank=True)
    enrolled_at = models.DateTimeField(_("inscrit·e le"))
    withdrawn_at = models.DateTimeField(_("désinscrit·e le"), null=True, blank=True)
    deadline = models.DateField(
        _("échéance personnelle"),
        null=True,
        blank=True,
        help_text=_("Vide : la fin de la cohorte."),
    )
    # --- aggregates maintained by tutoring.aggregates ---
    progress_percent = models.PositiveSmallIntegerField(_("progression (%)"), default=0)
    completed_count = models.PositiveIntegerField(_("activités terminées"), default=0)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    last_activity_at = models.DateTimeField(
        _("dernière activité"), null=True, blank=True
    )
    average_score = models.DecimalField(
        _("score moyen"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    attendance_percent = models.PositiveSmallIntegerField(
        _("présence (%)"), null=True, blank=True
    )
    activity_states = models.JSONField(default=dict, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription en cohorte")
        verbose_name_plural = _("inscriptions en cohorte")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"], name="tutoring_one_enrolment_per_cohort"
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100),
                name="tutoring_progress_percent_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["cohort", "status", "progress_percent"],
                name="tutoring_enrol_progress",
            ),
            models.Index(
                fields=["cohort", "status", "last_activity_at"],
                name="tutoring_enrol_last_activity",
            ),
            models.Index(fields=["user", "status"], name="tutoring_enrol_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.cohort.code}"


class CohortActivityStat(models.Model):
    """How many active learners of a cohort started / completed one activity
    (the completion funnel); maintained with the enrolment aggregates."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="activity_stats"
    )
    activity = models.ForeignKey(
        "courses.Activity", on_delete=models.CASCADE, related_name="cohort_stats"
    )
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "activity"], name="tutoring_one_stat_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.completed}/{self.started}"
