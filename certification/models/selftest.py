"""The competency self-test: item bank, blueprints, attempts and responses.

The adaptive engine (``certification.selftest.engine``) knows none of these: the
Django layer (``certification.selftest.bank``, ``…attempts``) builds its
``Bank`` from the servable items and keeps its ``State`` on the ``Attempt``.
Scoring keys (``ItemOption.is_correct``, ``Item.numeric_answer``, the authored
order of an ordering item) and IRT parameters never reach the browser.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, RevisionMixin

from lms.models import TimeStampedModel

LEVEL_CHOICES = [
    ("A1", "A1"),
    ("A2", "A2"),
    ("B1", "B1"),
    ("B2", "B2"),
    ("C1", "C1"),
    ("C2", "C2"),
]

#: Seed difficulty by authored level (spec B10): b for a = 1.0, provisional.
SEED_DIFFICULTY = {"A1": -2.0, "A2": -1.0, "B1": 0.0, "B2": 1.0, "C1": 2.0, "C2": 3.0}


class ItemFamily(TimeStampedModel):
    """Near-duplicate items (clones, enemies): never two of one family in an attempt."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("famille d'items")
        verbose_name_plural = _("familles d'items")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(RevisionMixin, ClusterableModel, TimeStampedModel):
    """One question of the bank (a Wagtail snippet with revisions)."""

    class Type(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("choix unique")
        MULTIPLE_CHOICE = "multiple_choice", _("choix multiple")
        ORDERING = "ordering", _("remise en ordre")
        NUMERIC = "numeric", _("réponse numérique")

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        PRETEST = "pretest", _("en prétest (servi, non compté)")
        CALIBRATED = "calibrated", _("calibré (compté)")
        RETIRED = "retired", _("retiré")

    class ParameterSource(models.TextChoices):
        EXPERT_SEED = "expert_seed", _("valeurs initiales d'après le niveau visé")
        ONLINE = "online_calibration", _("calibration en ligne")
        BATCH = "mml_batch", _("calibration par lot (MML)")
        IMPORT = "import", _("import")

    uid = models.SlugField(
        _("identifiant stable"),
        max_length=40,
        unique=True,
        help_text=_("Ne change jamais : les réponses et les exports s'y réfèrent."),
    )
    competence = models.ForeignKey(
        "lms.Competence",
        verbose_name=_("compétence DigCompEdu"),
        on_delete=models.PROTECT,
        related_name="selftest_items",
    )
    target_level = models.CharField(
        _("niveau visé"), max_length=2, choices=LEVEL_CHOICES
    )
    item_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    stem = RichTextField(
        _("énoncé"), features=["bold", "italic", "ol", "ul", "link"], max_length=5000
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    image_alt = models.CharField(
        _("texte alternatif de l'image"),
        max_length=300,
        blank=True,
        help_text=_("Obligatoire avec une image : ce qu'elle apporte à la question."),
    )
    shuffle_options = models.BooleanField(
        _("mélanger les propositions"),
        default=True,
        help_text=_("À décocher si une proposition dépend de sa place (« toutes »…)."),
    )
    numeric_answer = models.DecimalField(
        _("réponse attendue (numérique)"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
    )
    numeric_tolerance = models.DecimalField(
        _("tolérance absolue"),
        max_digits=14,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
    )
    numeric_unit = models.CharField(_("unité affichée"), max_length=20, blank=True)
    locale = models.CharField(_("langue"), max_length=5, default="fr")
    family = models.ForeignKey(
        ItemFamily,
        verbose_name=_("famille"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # IRT (2PL; c kept at 0 unless calibrated otherwise).
    a = models.FloatField(
        _("discrimination (a)"),
        default=1.0,
        validators=[MinValueValidator(0.05), MaxValueValidator(5.0)],
    )
    b = models.FloatField(
        _("difficulté (b)"),
        default=0.0,
        validators=[MinValueValidator(-6.0), MaxValueValidator(6.0)],
    )
    c = models.FloatField(
        _("pseudo-hasard (c)"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.5)],
    )
    se_a = models.FloatField(_("erreur type de a"), null=True, blank=True)
    se_b = models.FloatField(_("erreur type de b"), null=True, blank=True)
    parameter_source = models.CharField(
        _("origine des paramètres"),
        max_length=20,
        choices=ParameterSource.choices,
        default=ParameterSource.EXPERT_SEED,
    )
    n_responses = models.PositiveIntegerField(_("réponses"), default=0)
    calibrated_at = models.DateTimeField(_("calibré le"), null=True, blank=True)
    # Accessibility (spec B9): items needing a pointer are not served to people
    # who declare keyboard or screen-reader use.
    screen_reader_ok = models.BooleanField(
        _("utilisable au lecteur d'écran"), default=True
    )
    keyboard_only_ok = models.BooleanField(
        _("utilisable au clavier seul"), default=True
    )
    colour_blind_ok = models.BooleanField(
        _("sans information portée par la couleur"), default=True
    )
    est_seconds = models.PositiveSmallIntegerField(_("durée estimée (s)"), default=60)
    is_demo = models.BooleanField(
        _("item de démonstration"),
        default=False,
        help_text=_("Écrit pour la démonstration ; à remplacer par des items validés."),
    )
    # Bumped when the stem, options or key change (a new revision of the item).
    revision = models.PositiveIntegerField(_("révision"), default=1)

    class Meta:
        verbose_name = _("item du test")
        verbose_name_plural = _("items du test")
        ordering = ["competence__code", "target_level", "uid"]
        indexes = [models.Index(fields=["status", "competence"])]

    def __str__(self) -> str:
        return f"{self.uid} ({self.competence.code}, {self.target_level})"

    @property
    def is_servable(self) -> bool:
        return self.status in (self.Status.PRETEST, self.Status.CALIBRATED)


class ItemOption(Orderable):
    """A proposition of a choice or ordering item. For ordering items the authored
    order (``sort_order``) is the key; options are shown shuffled."""

    item = ParentalKey(Item, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("proposition"), max_length=500)
    is_correct = models.BooleanField(_("bonne réponse"), default=False)

    class Meta(Orderable.Meta):
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")

    def __str__(self) -> str:
        return self.text


class Blueprint(TimeStampedModel):
    """A test configuration (spec B1 ``TestBlueprint``). Immutable once used:
    the admin form refuses changes but to name, presentation and "offered"
    (``certification.wagtail_hooks.BlueprintAdminForm``): copy it as a new version."""

    class Mode(models.TextChoices):
        PROFILE = "profile", _("profil par compétence")
        GLOBAL = "global", _("positionnement rapide")

    name = models.CharField(_("nom"), max_length=160)
    slug = models.SlugField(_("identifiant"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("proposé aux enseignant·es"), default=True)
    description = models.TextField(_("présentation"), blank=True)
    mode = models.CharField(
        _("mode"), max_length=10, choices=Mode.choices, default=Mode.PROFILE
    )
    competences = models.ManyToManyField(
        "lms.Competence", verbose_name=_("compétences"), related_name="+"
    )
    min_items_per_competence = models.PositiveSmallIntegerField(default=3)
    max_items_per_competence = models.PositiveSmallIntegerField(default=8)
    se_target_competence = models.FloatField(default=0.55)
    min_items_total = models.PositiveSmallIntegerField(default=8)
    max_items_total = models.PositiveSmallIntegerField(null=True, blank=True)
    se_target_global = models.FloatField(default=0.40)
    top_k = models.PositiveSmallIntegerField(default=5)
    exposure_ceiling = models.FloatField(null=True, blank=True, default=0.30)
    pretest_items_per_attempt = models.PositiveSmallIntegerField(default=1)
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    # {"2.1": [k1, k2, k3, k4, k5]}: set by experts; missing ones are derived
    # from the bank (RP67) and shown as provisional.
    cut_scores = models.JSONField(default=dict, blank=True)
    retake_min_days = models.PositiveSmallIntegerField(
        _("délai avant un nouveau passage (jours)"), default=4
    )

    class Meta:
        verbose_name = _("modèle de test")
        verbose_name_plural = _("modèles de test")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"], name="certification_blueprint_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Attempt(TimeStampedModel):
    """One sitting of a blueprint by a teacher; ``state`` is the engine's State."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("en cours")
        COMPLETED = "completed", _("terminé")
        ABANDONED = "abandoned", _("abandonné")
        INVALIDATED = "invalidated", _("invalidé")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enseignant·e"),
        on_delete=models.CASCADE,
        related_name="selftest_attempts",
    )
    blueprint = models.ForeignKey(
        Blueprint,
        verbose_name=_("modèle de test"),
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    participation = models.ForeignKey(
        "certification.CampaignParticipation",
        verbose_name=_("participation à une campagne"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempts",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    # Random, server-side only: with SECRET_KEY it drives every random draw.
    seed = models.CharField(max_length=64, editable=False)
    state = models.JSONField(default=dict)
    # Rotates with each served item: a stale tab gets "continue in the other tab".
    lock_token = models.CharField(max_length=32, blank=True)
    current_item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_served_at = models.DateTimeField(null=True, blank=True)
    accessibility_needs = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    completed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    stop_reason = models.CharField(max_length=32, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("passage du test")
        verbose_name_plural = _("passages du test")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["blueprint", "started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "blueprint"],
                condition=models.Q(status="in_progress"),
                name="certification_one_attempt_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"{self.blueprint} — {self.user} ({self.get_status_display()})"


class ItemResponse(models.Model):
    """One answer, with the parameters used to score it (results stay reproducible
    after a recalibration)."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="responses"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="responses")
    item_revision = models.PositiveIntegerField()
    order = models.PositiveSmallIntegerField()
    payload = models.JSONField(default=dict)
    is_correct = models.BooleanField()
    is_pretest = models.BooleanField(default=False)
    params = models.JSONField(default=dict)  # {"a": …, "b": …, "c": …}
    served_at = models.DateTimeField()
    answered_at = models.DateTimeField(auto_now_add=True)
    latency_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["attempt", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "order"], name="certification_response_order"
            ),
            models.UniqueConstraint(
                fields=["attempt", "item"], name="certification_response_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.order}"


class ItemExposure(models.Model):
    """How often an item was administered in the sittings of one blueprint (all its
    versions) started since ``window_start``: the rolling counter behind the
    exposure ceiling (spec B1, filter 6). Rebuilt by ``selftest.exposure.roll_up``."""

    blueprint_slug = models.SlugField(max_length=60)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    administrations = models.PositiveIntegerField()
    sessions_total = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("exposition d'une question")
        verbose_name_plural = _("expositions des questions")
        constraints = [
            models.UniqueConstraint(
                fields=["blueprint_slug", "item"], name="certification_exposure_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.blueprint_slug}: {self.item_id} {self.administrations}"


class CompetenceEstimate(models.Model):
    """The level measured for one competence in one completed attempt."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="estimates"
    )
    competence = models.ForeignKey(
        "lms.Competence", on_delete=models.PROTECT, related_name="+"
    )
    theta = models.FloatField()
    se = models.FloatField()
    n_items = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=2, choices=LEVEL_CHOICES)
    confidence = models.FloatField()
    range_low = models.CharField(max_length=2, choices=LEVEL_CHOICES)
    range_high = models.CharField(max_length=2, choices=LEVEL_CHOICES)
    is_precise = models.BooleanField(default=True)
    has_provisional_cuts = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("niveau mesuré")
        verbose_name_plural = _("niveaux mesurés")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "competence"], name="certification_estimate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competence_id}: {self.level}"


class Campaign(TimeStampedModel):
    """A self-test campaign run by an organisation: IFPC, a tutor's cohort or a
    school (spec B7). Participants join with ``code``; results reach the
    organisation only when a participant shares them."""

    class Scope(models.TextChoices):
        IFPC = "ifpc", _("IFPC")
        COHORT = "cohort", _("cohorte")
        ESTABLISHMENT = "establishment", _("établissement")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=9, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)
    landing_text = models.TextField(_("texte d'accueil"), blank=True)
    scope = models.CharField(_("organisation"), max_length=16, choices=Scope.choices)
    cohort = models.ForeignKey(
        "tutoring.Cohort",
        verbose_name=_("cohorte"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="selftest_campaigns",
    )
    establishment = models.ForeignKey(
        "lms.Establishment",
        verbose_name=_("établissement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="selftest_campaigns",
    )
    blueprint = models.ForeignKey(
        Blueprint,
        verbose_name=_("modèle de test"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    allow_retake = models.BooleanField(_("nouveau passage permis"), default=True)
    retake_min_days = models.PositiveSmallIntegerField(
        _("délai avant un nouveau passage (jours)"), default=4
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("taille minimale d'un groupe affiché"),
        default=5,
        validators=[MinValueValidator(5)],
    )
    # {"2.1": "B1"}: optional target level per competence.
    target_levels = models.JSONField(_("niveaux visés"), default=dict, blank=True)

    class Meta:
        verbose_name = _("campagne d'autotest")
        verbose_name_plural = _("campagnes d'autotest")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        scope="ifpc", cohort__isnull=True, establishment__isnull=True
                    )
                    | models.Q(
                        scope="cohort", cohort__isnull=False, establishment__isnull=True
                    )
                    | models.Q(
                        scope="establishment",
                        cohort__isnull=True,
                        establishment__isnull=False,
                    )
                ),
                name="certification_campaign_scope_matches",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class CampaignParticipation(TimeStampedModel):
    """A teacher in a campaign. ``shared`` only after explicit consent; deleting
    a participation anonymises it (``user`` and ``external_id`` emptied)."""

    class Status(models.TextChoices):
        STARTED = "started", _("commencée")
        TO_SHARE = "to_share", _("terminée, non partagée")
        SHARED = "shared", _("résultats partagés")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="participations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="selftest_participations",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.STARTED
    )
    shared_at = models.DateTimeField(_("partagée le"), null=True, blank=True)
    is_improved = models.BooleanField(
        _("remplacée par un nouveau passage"), default=False
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participation à une campagne")
        verbose_name_plural = _("participations à une campagne")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "user"],
                condition=models.Q(is_improved=False, user__isnull=False),
                name="certification_one_current_participation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} — {self.get_status_display()}"


class CalibrationRun(models.Model):
    """One re-estimation of item parameters from responses (spec B10), with its
    report (item statistics, promotions, flags)."""

    class State(models.TextChoices):
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminée")
        FAILED = "failed", _("échec")

    started_at = models.DateTimeField(_("commencée le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.RUNNING
    )
    method = models.CharField(_("méthode"), max_length=40)
    n_items = models.PositiveIntegerField(_("items"), default=0)
    n_persons = models.PositiveIntegerField(_("personnes"), default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.method} {self.started_at:%Y-%m-%d}"


class RecommendationDismissal(models.Model):
    """A teacher hid a recommended training (not shown again for 90 days)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    training = models.ForeignKey(
        "catalogue.TrainingPage", on_delete=models.CASCADE, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recommandation masquée")
        verbose_name_plural = _("recommandations masquées")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "training"], name="certification_dismissal_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} — {self.training_id}"
