"""Completion rules: what a learner must do in a training (or one session of it)
to earn a *completion* attestation. See ``certification.rules`` for evaluation."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class CompletionRule(TimeStampedModel):
    """A rule for every session of a training, or for one session (which wins).

    Activities are named by the course *template's* activities: each session's
    run is a copy (``courses.services.start_run``) and the evaluation maps a
    template activity to its copy through ``Activity.source``.
    """

    training = models.ForeignKey(
        "catalogue.TrainingPage",
        verbose_name=_("formation"),
        on_delete=models.CASCADE,
        related_name="completion_rules",
        null=True,
        blank=True,
    )
    session = models.OneToOneField(
        "catalogue.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="completion_rule",
        null=True,
        blank=True,
    )
    require_required_activities = models.BooleanField(
        _("toutes les activités obligatoires terminées"), default=True
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("présence minimale aux heures synchrones (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
    )
    require_accepted_assignments = models.BooleanField(
        _("tous les travaux obligatoires acceptés"), default=True
    )
    deadline = models.DateField(
        _("date limite"),
        null=True,
        blank=True,
        help_text=_("Ce qui est terminé après cette date ne compte plus."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifiée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("règle de réussite")
        verbose_name_plural = _("règles de réussite")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(training__isnull=False, session__isnull=True)
                    | models.Q(training__isnull=True, session__isnull=False)
                ),
                name="certification_rule_training_xor_session",
            ),
            models.UniqueConstraint(
                fields=["training"],
                condition=models.Q(session__isnull=True),
                name="certification_rule_one_per_training",
            ),
        ]

    def __str__(self) -> str:
        target = self.session or self.training
        return f"{_('Règle')} — {target}"


class RuleRequirement(models.Model):
    """One extra condition on an activity: a minimum score, or just "completed".

    ``activity`` is SET_NULL on deletion so that a rule referring to a deleted
    activity is *seen* (and reported to staff) instead of silently weakened.
    """

    rule = models.ForeignKey(
        CompletionRule, on_delete=models.CASCADE, related_name="requirements"
    )
    activity = models.ForeignKey(
        "courses.Activity",
        verbose_name=_("activité"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    activity_title = models.CharField(
        _("intitulé de l'activité (au moment de la règle)"), max_length=200
    )
    min_score = models.DecimalField(
        _("score minimum (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("exigence")
        verbose_name_plural = _("exigences")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "activity"], name="certification_requirement_unique"
            )
        ]

    def __str__(self) -> str:
        return self.activity_title


class SessionClosure(TimeStampedModel):
    """A session's close: participation attestations issued to every learner and
    completion ones where the rule holds. One row per session (idempotent)."""

    class State(models.TextChoices):
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminée")
        FAILED = "failed", _("échec")

    session = models.OneToOneField(
        "catalogue.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="closure",
    )
    state = models.CharField(
        _("état"), max_length=16, choices=State.choices, default=State.RUNNING
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clôturée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    learners = models.PositiveIntegerField(_("apprenant·es"), default=0)
    processed = models.PositiveIntegerField(_("traité·es"), default=0)
    issued = models.PositiveIntegerField(_("attestations émises"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("clôture de session")
        verbose_name_plural = _("clôtures de session")

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.learners) if self.learners else 100
