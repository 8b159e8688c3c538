"""Course structure, packages and learner tracking.

Versioning design (why runs are copies)
---------------------------------------
A *course template* (``Course`` with ``source=None``) is what IFPC staff edit.
When a session starts, ``services.start_run`` deep-copies the template's modules
and activities into a *run* (``Course`` with ``source=<template>``). Learners,
attempts and progress always point at a run's activities, so editing, reordering
or deleting things in the template can never corrupt tracking of cohorts already
running it. Packages are immutable once extracted (their files live under a
per-package UUID prefix); replacing an activity's package only changes what *new*
attempts get, because each ``Attempt`` pins the ``Package`` it was started on.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class CourseQuerySet(models.QuerySet["Course"]):
    def templates(self) -> CourseQuerySet:
        return self.filter(source__isnull=True)

    def runs(self) -> CourseQuerySet:
        return self.filter(source__isnull=False)


class Course(TimeStampedModel):
    """A course template (``source`` empty) or a run copied from one."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(
        "self",
        verbose_name=_("modèle d'origine"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="runs",
    )
    is_archived = models.BooleanField(_("archivé"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("cours")
        verbose_name_plural = _("cours")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def is_template(self) -> bool:
        return self.source_id is None


class Module(TimeStampedModel):
    """An ordered section of a course."""

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="modules",
        verbose_name=_("cours"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["course", "position", "id"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.title


class Package(TimeStampedModel):
    """An uploaded SCORM or H5P package, validated then extracted once, immutably.

    Files live in the default storage under ``storage_prefix`` (``packages/<uuid>/``);
    they are never rewritten. ``structure`` holds the parsed manifest: for SCORM
    ``{"organizations": [...], "scos": [{"identifier", "title", "href",
    "parameters", "mastery_score", "completion_threshold", ...}]}``, for H5P the
    relevant parts of ``h5p.json``.
    """

    class Standard(models.TextChoices):
        SCORM_12 = "scorm12", _("SCORM 1.2")
        SCORM_2004 = "scorm2004", _("SCORM 2004")
        H5P = "h5p", _("H5P")

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        PROCESSING = "processing", _("en cours de traitement")
        READY = "ready", _("prêt")
        FAILED = "failed", _("refusé")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("titre"), max_length=255, blank=True)
    original_filename = models.CharField(_("nom du fichier"), max_length=255)
    upload = models.FileField(_("archive"), max_length=300, blank=True)
    standard = models.CharField(
        _("norme"), max_length=16, choices=Standard.choices, blank=True
    )
    edition = models.CharField(_("édition"), max_length=32, blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(
        _("progression"), default=0, validators=[MaxValueValidator(100)]
    )
    errors = models.JSONField(_("problèmes"), default=list, blank=True)
    storage_prefix = models.CharField(max_length=200, blank=True)
    launch_path = models.CharField(
        _("fichier de lancement"), max_length=1000, blank=True
    )
    structure = models.JSONField(default=dict, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    uncompressed_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("déposé par"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("paquet")
        verbose_name_plural = _("paquets")

    def __str__(self) -> str:
        return self.title or self.original_filename

    @property
    def is_scorm(self) -> bool:
        return self.standard in (self.Standard.SCORM_12, self.Standard.SCORM_2004)

    @property
    def scos(self) -> list[dict]:
        return list(self.structure.get("scos", []))


class Activity(TimeStampedModel):
    """One thing to do in a module, with its completion condition."""

    class Kind(models.TextChoices):
        SCORM = "scorm", _("module SCORM")
        H5P = "h5p", _("contenu H5P")
        PAGE = "page", _("page")
        FILE = "file", _("fichier")
        LINK = "link", _("lien externe")
        ASSIGNMENT = "assignment", _("travail à remettre")
        LIVE_CLASS = "live_class", _("classe virtuelle")
        IN_PERSON_DAY = "in_person_day", _("journée en présentiel")

    class CompletionRule(models.TextChoices):
        VIEWED = "viewed", _("consultée")
        COMPLETED = "completed", _("terminée")
        PASSED = "passed", _("réussie")
        MIN_SCORE = "min_score", _("score minimum atteint")
        SUBMISSION_ACCEPTED = "submission_accepted", _("travail accepté")

    class AttemptPolicy(models.TextChoices):
        NEVER = "never", _("jamais de nouvelle tentative")
        ON_REQUEST = "on_request", _("nouvelle tentative sur demande")
        ALWAYS = "always", _("toujours une nouvelle tentative")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    module = models.ForeignKey(
        Module,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("module"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("consigne"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    is_required = models.BooleanField(_("obligatoire"), default=True)
    completion_rule = models.CharField(
        _("condition d'achèvement"),
        max_length=24,
        choices=CompletionRule.choices,
        default=CompletionRule.COMPLETED,
    )
    min_score = models.DecimalField(
        _("score minimum (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    attempt_policy = models.CharField(
        _("nouvelles tentatives"),
        max_length=16,
        choices=AttemptPolicy.choices,
        default=AttemptPolicy.ON_REQUEST,
    )
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="unlocks",
        verbose_name=_("prérequis"),
    )
    package = models.ForeignKey(
        Package,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("paquet"),
    )
    body = models.TextField(_("contenu"), blank=True)
    file = models.FileField(_("fichier"), max_length=300, blank=True)
    url = models.URLField(_("adresse"), max_length=1000, blank=True)
    # Slot data owned by the app that registered the kind (e.g. live classes).
    settings = models.JSONField(default=dict, blank=True)
    source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name=_("activité d'origine"),
    )

    class Meta:
        ordering = ["module__position", "position", "id"]
        verbose_name = _("activité")
        verbose_name_plural = _("activités")

    def __str__(self) -> str:
        return self.title

    @property
    def course_id(self) -> int:
        return self.module.course_id


class Participant(TimeStampedModel):
    """A person given access to a course run, as a learner or as its tutor.

    Courses do not know cohorts: the tutoring app grants and revokes access through
    ``services.grant_course_access`` when it enrols people.
    """

    class Role(models.TextChoices):
        LEARNER = "learner", _("apprenant")
        TUTOR = "tutor", _("tuteur")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_participations",
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user", "role"], name="courses_participant_unique"
            )
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")


class Attempt(TimeStampedModel):
    """One try of a learner at a package activity, pinned to a package version."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attempts"
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveIntegerField(default=1)
    is_closed = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["activity", "user", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity", "number"], name="courses_attempt_number"
            ),
            # At most one open attempt per learner and activity.
            models.UniqueConstraint(
                fields=["user", "activity"],
                condition=Q(is_closed=False),
                name="courses_attempt_one_open",
            ),
        ]
        verbose_name = _("tentative")
        verbose_name_plural = _("tentatives")


class ScoState(models.Model):
    """The CMI data model of one SCO (or H5P content) within one attempt.

    ``cmi`` holds every element as a flat ``{"cmi.x.y": "value"}`` map merged
    element by element; the columns next to it are the normalised copies used by
    reports, progress and resume. ``seq`` is the highest commit sequence applied:
    a commit with a lower sequence is stale and never applied.
    """

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="sco_states"
    )
    sco_identifier = models.CharField(max_length=255)
    seq = models.PositiveBigIntegerField(default=0)
    cmi = models.JSONField(default=dict)
    lesson_status = models.CharField(max_length=20, blank=True)
    completion_status = models.CharField(max_length=20, blank=True)
    success_status = models.CharField(max_length=20, blank=True)
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    total_time_seconds = models.FloatField(default=0)
    location = models.TextField(blank=True)
    suspend_data = models.TextField(blank=True)
    entry = models.CharField(max_length=20, blank=True)
    exit = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "sco_identifier"], name="courses_scostate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.sco_identifier}"


class Commit(models.Model):
    """Ledger of applied commits: idempotency on (sco_state, seq)."""

    sco_state = models.ForeignKey(
        ScoState, on_delete=models.CASCADE, related_name="commits"
    )
    seq = models.PositiveBigIntegerField()
    payload_sha256 = models.CharField(max_length=64)
    is_final = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sco_state", "seq"], name="courses_commit_unique_seq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sco_state_id}#{self.seq}"


class ActivityProgress(TimeStampedModel):
    """A learner's normalised state on one activity; completion is monotonic."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("pas commencée")
        IN_PROGRESS = "in_progress", _("en cours")
        COMPLETED = "completed", _("terminée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activity_progress",
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="progress"
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.NOT_STARTED
    )
    # Best score over attempts, as a percentage.
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    is_passed = models.BooleanField(null=True)
    total_time_seconds = models.FloatField(default=0)
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity"], name="courses_progress_unique"
            )
        ]
        verbose_name = _("progression")
        verbose_name_plural = _("progressions")

    @property
    def is_completed(self) -> bool:
        return self.state == self.State.COMPLETED


class Submission(TimeStampedModel):
    """Work handed in for an assignment activity; reviewed by the tutor."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("remis")
        ACCEPTED = "accepted", _("accepté")
        NEEDS_REVISION = "needs_revision", _("à retravailler")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="submissions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    text = models.TextField(_("réponse"), blank=True)
    file = models.FileField(_("fichier"), max_length=300, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    feedback = models.TextField(_("commentaire du tuteur"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("travail remis")
        verbose_name_plural = _("travaux remis")


class Statement(models.Model):
    """An xAPI statement produced from SCORM or H5P results, kept locally.

    Forwarded to ``LRS_URL`` when configured (``forwarded_at`` set once accepted).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="statements"
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
    )
    attempt = models.ForeignKey(
        Attempt,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
    )
    verb = models.CharField(max_length=255)
    data = models.JSONField()
    stored_at = models.DateTimeField(auto_now_add=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forward_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["stored_at"]

    def __str__(self) -> str:
        return f"{self.verb} {self.id}"
