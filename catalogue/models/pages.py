"""Wagtail pages of the catalogue: the index, trainings and tracks.

Training and track pages go through Wagtail's moderated workflow; only their
live (published) version is ever shown to teachers or listed by search.
Sessions are not page content (they carry registrations and change state as
seats fill), so they live in their own table (``catalogue.models.sessions``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .taxonomy import Modality, NetworkScope, TrainingLanguage

HOURS_FIELD = {
    "max_digits": 5,
    "decimal_places": 1,
    "default": Decimal("0"),
    "validators": [MinValueValidator(Decimal("0"))],
}


class CatalogueIndexPage(Page):
    """The root of the catalogue: lists and searches live trainings and tracks."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["catalogue.TrainingPage", "catalogue.TrackPage"]
    max_count = 1

    class Meta:
        verbose_name = _("index du catalogue")
        verbose_name_plural = _("index du catalogue")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Search results, facets and pagination for the GET parameters."""
        from ..views.catalogue_index import catalogue_index_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_index_context(self, request))
        return context


class TrainingPage(Page):
    """A training (formation) of the IFPC catalogue."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Code IFPC de la formation, p. ex. « NUM-2027-014 »."),
    )
    summary = models.TextField(_("résumé"), max_length=600)
    objectives = RichTextField(_("objectifs"), blank=True)
    programme = RichTextField(_("programme"), blank=True)
    audiences = ParentalManyToManyField(
        "catalogue.AudienceFunction",
        verbose_name=_("publics cibles"),
        related_name="trainings",
        blank=True,
    )
    levels = ParentalManyToManyField(
        "catalogue.EducationLevel",
        verbose_name=_("niveaux d'enseignement"),
        related_name="trainings",
        blank=True,
    )
    network_scope = models.CharField(
        _("réseau"),
        max_length=32,
        choices=NetworkScope.choices,
        default=NetworkScope.INTER_NETWORK,
    )
    modality = models.CharField(_("modalité"), max_length=16, choices=Modality.choices)
    competences = ParentalManyToManyField(
        "lms.Competence",
        verbose_name=_("compétences DigCompEdu visées"),
        related_name="trainings",
        blank=True,
    )
    sync_hours = models.DecimalField(_("heures synchrones"), **HOURS_FIELD)
    async_hours = models.DecimalField(_("heures asynchrones"), **HOURS_FIELD)
    language = models.CharField(
        _("langue"),
        max_length=2,
        choices=TrainingLanguage.choices,
        default=TrainingLanguage.FR,
    )
    prerequisites = models.TextField(_("prérequis"), blank=True)
    organiser = models.CharField(_("organisateur"), max_length=200, default="IFPC")
    contact_name = models.CharField(
        _("personne de contact"), max_length=200, blank=True
    )
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(
        _("texte alternatif de l'image"),
        max_length=250,
        blank=True,
        help_text=_("Décrit l'image pour les personnes qui ne la voient pas."),
    )
    course_template = models.ForeignKey(
        "courses.Course",
        verbose_name=_("modèle de cours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trainings",
        limit_choices_to={"source__isnull": True, "is_archived": False},
        help_text=_("Cours en ligne suivi par les cohortes de cette formation."),
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("code"), FieldPanel("modality")]),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        FieldPanel("programme"),
        MultiFieldPanel(
            [
                FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
                FieldPanel("levels", widget=forms.CheckboxSelectMultiple),
                FieldPanel("network_scope"),
                FieldPanel("competences", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Public et compétences"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("sync_hours"), FieldPanel("async_hours")]),
                FieldPanel("language"),
                FieldPanel("prerequisites"),
            ],
            heading=_("Organisation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("organiser"),
                FieldRowPanel(
                    [FieldPanel("contact_name"), FieldPanel("contact_email")]
                ),
            ],
            heading=_("Contact"),
        ),
        MultiFieldPanel(
            [FieldPanel("image"), FieldPanel("image_alt")], heading=_("Illustration")
        ),
        InlinePanel("resource_links", label=_("Ressources e-classe liées")),
        InlinePanel(
            "competence_targets",
            label=_("Progression visée par compétence (recommandations de l'autotest)"),
        ),
        FieldPanel("course_template"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("code"),
        index.SearchField("summary"),
        index.SearchField("objectives"),
        index.SearchField("programme"),
        index.FilterField("modality"),
    ]

    parent_page_types = ["catalogue.CatalogueIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def total_hours(self) -> Decimal:
        return (self.sync_hours or 0) + (self.async_hours or 0)

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Sessions, competences by area and the DigCompEdu attribution."""
        from lms.digcompedu import ATTRIBUTION

        from ..page_selectors import competence_groups, upcoming_sessions

        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = upcoming_sessions(self)
        context["competence_groups"] = competence_groups(self)
        context["digcompedu_attribution"] = ATTRIBUTION
        return context

    def clean(self) -> None:
        super().clean()
        if self.image_id and not self.image_alt.strip():
            raise ValidationError(
                {"image_alt": _("Décrivez l'image : le texte alternatif est requis.")}
            )


LEVEL_CODES = [(code, code) for code in ("A1", "A2", "B1", "B2", "C1", "C2")]


class TrainingCompetenceTarget(Orderable):
    """The training helps move a competence from one DigCompEdu level to another:
    the self-test recommends it to teachers at ``level_from`` ≤ level < ``level_to``
    (spec selftest B5)."""

    page = ParentalKey(
        "catalogue.TrainingPage",
        on_delete=models.CASCADE,
        related_name="competence_targets",
    )
    competence = models.ForeignKey(
        "lms.Competence",
        verbose_name=_("compétence"),
        on_delete=models.PROTECT,
        related_name="training_targets",
    )
    level_from = models.CharField(
        _("à partir du niveau"), max_length=2, choices=LEVEL_CODES
    )
    level_to = models.CharField(_("jusqu'au niveau"), max_length=2, choices=LEVEL_CODES)
    weight = models.DecimalField(
        _("poids"),
        max_digits=3,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )

    panels = [
        FieldRowPanel(
            [FieldPanel("competence"), FieldPanel("level_from"), FieldPanel("level_to")]
        ),
        FieldPanel("weight"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("progression visée")
        verbose_name_plural = _("progressions visées")

    def __str__(self) -> str:
        return f"{self.competence_id}: {self.level_from} → {self.level_to}"

    def clean(self) -> None:
        super().clean()
        if self.level_from and self.level_to and self.level_from >= self.level_to:
            raise ValidationError(
                {
                    "level_to": _(
                        "Le niveau visé doit être au-dessus du niveau de départ."
                    )
                }
            )


class TrainingResourceLink(Orderable):
    """A related e-classe resource (or other open resource) shown on a training."""

    page = ParentalKey(
        TrainingPage, on_delete=models.CASCADE, related_name="resource_links"
    )
    title = models.CharField(_("titre"), max_length=200)
    url = models.URLField(_("adresse"), max_length=500)

    panels = [FieldPanel("title"), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("ressource liée")
        verbose_name_plural = _("ressources liées")


class TrackPage(Page):
    """A track (parcours): an ordered list of trainings leading to one attestation."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    summary = models.TextField(_("résumé"), max_length=600)
    description = RichTextField(_("description"), blank=True)
    eligible_audiences = ParentalManyToManyField(
        "catalogue.AudienceFunction",
        verbose_name=_("publics admis"),
        related_name="tracks",
        blank=True,
        help_text=_("Laissez vide si le parcours est ouvert à tous."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("code"),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("eligible_audiences", widget=forms.CheckboxSelectMultiple),
        InlinePanel("steps", label=_("Étapes"), min_num=1),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("code"),
        index.SearchField("summary"),
    ]

    parent_page_types = ["catalogue.CatalogueIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("parcours")
        verbose_name_plural = _("parcours")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Ordered steps with their trainings and sessions, total hours and days."""
        from ..page_selectors import track_figures, track_steps

        context = super().get_context(request, *args, **kwargs)
        steps = track_steps(self)
        context["steps"] = steps
        context.update(track_figures(steps))
        return context

    @property
    def total_hours(self) -> Decimal:
        """Sum of the hours of the trainings of every step."""
        return sum(
            (step.training.total_hours for step in self.steps.all()), Decimal("0")
        )


class TrackStep(Orderable):
    """One step of a track: a training, optionally with a fixed session."""

    track = ParentalKey(TrackPage, on_delete=models.CASCADE, related_name="steps")
    training = models.ForeignKey(
        TrainingPage,
        verbose_name=_("formation"),
        on_delete=models.PROTECT,
        related_name="track_steps",
    )
    session = models.ForeignKey(
        "catalogue.Session",
        verbose_name=_("session imposée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="track_steps",
    )

    panels = [FieldPanel("training"), FieldPanel("session")]

    class Meta(Orderable.Meta):
        verbose_name = _("étape du parcours")
        verbose_name_plural = _("étapes du parcours")

    def clean(self) -> None:
        super().clean()
        if (
            self.session_id
            and self.training_id
            and self.session.training_id != self.training_id
        ):
            raise ValidationError(
                {"session": _("La session choisie n'appartient pas à cette formation.")}
            )
