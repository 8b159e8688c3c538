"""Fixed vocabularies of the catalogue: modalities, levels, audiences, places.

Multi-valued vocabularies (levels, audiences) live in small lookup tables so that
training pages can point at them with a many-to-many relation and facets can
count them with one grouped query; their labels come from the ``TextChoices``
here (translated), never from the database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.models import Establishment
from lms.roles import Role


class Modality(models.TextChoices):
    IN_PERSON = "presentiel", _("Présentiel")
    REMOTE = "a_distance", _("À distance (synchrone)")
    ONLINE = "en_ligne", _("En ligne (asynchrone)")
    HYBRID = "hybride", _("Hybride")
    COMMUNITY = "communaute", _("Communauté d'apprentissage")


class Level(models.TextChoices):
    MATERNEL = "maternel", _("Maternel")
    PRIMAIRE = "primaire", _("Primaire")
    SECONDAIRE_INFERIEUR = "secondaire_inferieur", _("Secondaire inférieur")
    SECONDAIRE_SUPERIEUR = "secondaire_superieur", _("Secondaire supérieur")
    SPECIALISE = "specialise", _("Spécialisé")
    PROMOTION_SOCIALE = "promotion_sociale", _("Promotion sociale")


class Audience(models.TextChoices):
    TEACHER = "enseignant", _("Enseignant·es")
    DIRECTOR = "directeur", _("Directions")
    EDUCATOR = "educateur", _("Éducateur·rices")
    CTP = "ctp", _("Conseiller·ères techno-pédagogiques (CTP)")
    DCO = "dco", _("Délégué·es au contrat d'objectifs (DCO)")
    DRN = "drn", _("Délégué·es référent·es au numérique (DRN)")
    INTERNAL_TRAINER = "formateur_interne", _("Formateur·rices internes")


#: The audience each role belongs to, to compare a registrant with a
#: training's targeted audience (a user may hold several roles).
AUDIENCE_OF_ROLE: dict[str, str] = {
    Role.TEACHER: Audience.TEACHER,
    Role.SCHOOL_DIRECTOR: Audience.DIRECTOR,
    Role.CTP: Audience.CTP,
    Role.DCO: Audience.DCO,
    Role.INTERNAL_TRAINER: Audience.INTERNAL_TRAINER,
}


class NetworkScope(models.TextChoices):
    INTER_NETWORK = "interreseaux", _("Interréseaux")
    WBE = Establishment.Network.WBE.value, Establishment.Network.WBE.label
    OFFICIEL_SUBVENTIONNE = (
        Establishment.Network.OFFICIEL_SUBVENTIONNE.value,
        Establishment.Network.OFFICIEL_SUBVENTIONNE.label,
    )
    LIBRE_CONFESSIONNEL = (
        Establishment.Network.LIBRE_CONFESSIONNEL.value,
        Establishment.Network.LIBRE_CONFESSIONNEL.label,
    )
    LIBRE_NON_CONFESSIONNEL = (
        Establishment.Network.LIBRE_NON_CONFESSIONNEL.value,
        Establishment.Network.LIBRE_NON_CONFESSIONNEL.label,
    )


class TrainingLanguage(models.TextChoices):
    FR = "fr", _("Français")
    EN = "en", _("Anglais")
    NL = "nl", _("Néerlandais")
    DE = "de", _("Allemand")


class Province(models.TextChoices):
    BRUXELLES = "bruxelles", _("Bruxelles-Capitale")
    BRABANT_WALLON = "brabant_wallon", _("Brabant wallon")
    HAINAUT = "hainaut", _("Hainaut")
    LIEGE = "liege", _("Liège")
    LUXEMBOURG = "luxembourg", _("Luxembourg")
    NAMUR = "namur", _("Namur")
    FLANDRE = "flandre", _("Flandre")
    ONLINE = "en_ligne", _("En ligne")


#: Belgian postal code ranges (first code, last code) → province.
_POSTAL_RANGES: list[tuple[int, int, str]] = [
    (1000, 1299, Province.BRUXELLES),
    (1300, 1499, Province.BRABANT_WALLON),
    (4000, 4999, Province.LIEGE),
    (5000, 5999, Province.NAMUR),
    (6000, 6599, Province.HAINAUT),
    (6600, 6999, Province.LUXEMBOURG),
    (7000, 7999, Province.HAINAUT),
]


def province_for_postal_code(postal_code: str) -> str:
    """The province of a Belgian postal code ("" if it is not a valid code)."""
    if not (len(postal_code) == 4 and postal_code.isdigit()):
        return ""
    number = int(postal_code)
    if number < 1000:
        return ""
    for first, last, province in _POSTAL_RANGES:
        if first <= number <= last:
            return province
    return Province.FLANDRE


class EducationLevel(models.Model):
    """Lookup row for one ``Level`` (seeded by migration)."""

    code = models.CharField(
        _("code"), max_length=32, unique=True, choices=Level.choices
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("niveau d'enseignement")
        verbose_name_plural = _("niveaux d'enseignement")
        ordering = ["position"]

    def __str__(self) -> str:
        return str(self.get_code_display())


class AudienceFunction(models.Model):
    """Lookup row for one ``Audience`` (seeded by migration)."""

    code = models.CharField(
        _("code"), max_length=32, unique=True, choices=Audience.choices
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("public cible")
        verbose_name_plural = _("publics cibles")
        ordering = ["position"]

    def __str__(self) -> str:
        return str(self.get_code_display())
