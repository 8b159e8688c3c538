"""The denormalised search and facet row of each live training."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingSearchEntry(models.Model):
    """What search and facets read for one live training, rebuilt by ``catalogue.search``.

    A row exists only while its training is live; it is refreshed when the page is
    published and when one of its sessions changes, and deleted on unpublication.
    Multi-valued facets are stored twice: as ``|a|b|`` strings (readable, and
    for months beyond the bit window) and as bit sets (``*_bits``, positions
    from ``catalogue.search.FACET_BITS``), so that counting every facet value
    is one pass of integer tests, portable to SQLite.
    ``search_vector`` is filled on PostgreSQL only; ``document`` (accent-folded
    words and their light stems) is what the SQLite fallback matches.
    """

    training = models.OneToOneField(
        "catalogue.TrainingPage",
        verbose_name=_("formation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    title = models.CharField(_("titre"), max_length=255)
    document = models.TextField(_("texte normalisé"), blank=True)
    title_document = models.TextField(_("titre normalisé"), blank=True)
    search_vector = SearchVectorField(null=True, blank=True)
    modality = models.CharField(_("modalité"), max_length=16)
    hours_bucket = models.CharField(_("tranche d'heures"), max_length=8)
    total_hours = models.DecimalField(_("heures"), max_digits=6, decimal_places=1)
    levels = models.CharField(_("niveaux"), max_length=255, blank=True)
    audiences = models.CharField(_("publics"), max_length=255, blank=True)
    areas = models.CharField(_("domaines"), max_length=64, blank=True)
    competences = models.CharField(_("compétences"), max_length=255, blank=True)
    months = models.TextField(_("mois des sessions à venir"), blank=True)
    provinces = models.CharField(_("provinces"), max_length=255, blank=True)
    level_bits = models.IntegerField(_("niveaux (bits)"), default=0)
    audience_bits = models.IntegerField(_("publics (bits)"), default=0)
    area_bits = models.IntegerField(_("domaines (bits)"), default=0)
    competence_bits = models.IntegerField(_("compétences (bits)"), default=0)
    province_bits = models.IntegerField(_("provinces (bits)"), default=0)
    month_bits = models.BigIntegerField(_("mois (bits)"), default=0)
    next_session_on = models.DateField(_("prochaine session"), null=True, blank=True)
    open_from = models.DateTimeField(_("inscriptions ouvertes dès"), null=True)
    open_until = models.DateTimeField(_("inscriptions ouvertes jusqu'au"), null=True)
    refreshed_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("entrée de recherche du catalogue")
        verbose_name_plural = _("entrées de recherche du catalogue")
        indexes = [
            models.Index(
                fields=["next_session_on", "title"], name="catalogue_search_next_idx"
            ),
            models.Index(fields=["modality"], name="catalogue_search_modality_idx"),
        ]

    def __str__(self) -> str:
        return self.title
