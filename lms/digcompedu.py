"""The DigCompEdu reference framework: 6 areas, 22 competences, levels A1–C2.

The source data (``lms/data/digcompedu.json``) is the European Commission's
framework (JRC, 2017), reused with attribution. No official French translation
of the names exists: the French names below are Tremplin's own translation and
are shown as "adapté de" the framework, together with ``ATTRIBUTION``.
The ``Competence`` and ``CompetenceArea`` tables mirror this module (loaded by
a data migration) so that trainings and self-test items can point at them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

DATA_FILE = Path(__file__).resolve().parent / "data" / "digcompedu.json"

ATTRIBUTION = _(
    "Adapté du Cadre européen pour la compétence numérique des enseignants "
    "(DigCompEdu) — Redecker, C., Punie, Y. (éd.), JRC, EUR 28775 EN, 2017, "
    "doi:10.2760/159770. © Union européenne, 2017. Traduction française : "
    "Tremplin (non officielle). Ni la Commission européenne ni le JRC "
    "n'approuvent ce service."
)

AREA_NAMES_FR: dict[str, str] = {
    "1": "Engagement professionnel",
    "2": "Ressources numériques",
    "3": "Enseignement et apprentissage",
    "4": "Évaluation",
    "5": "Autonomisation des apprenants",
    "6": "Développement de la compétence numérique des apprenants",
}

COMPETENCE_NAMES_FR: dict[str, str] = {
    "1.1": "Communication organisationnelle",
    "1.2": "Collaboration professionnelle",
    "1.3": "Pratique réflexive",
    "1.4": "Développement professionnel continu par le numérique",
    "2.1": "Sélection de ressources numériques",
    "2.2": "Création et modification de contenus numériques",
    "2.3": "Gestion, protection et partage des ressources numériques",
    "3.1": "Enseignement",
    "3.2": "Accompagnement",
    "3.3": "Apprentissage collaboratif",
    "3.4": "Apprentissage autorégulé",
    "4.1": "Stratégies d'évaluation",
    "4.2": "Analyse des traces d'apprentissage",
    "4.3": "Rétroaction et planification",
    "5.1": "Accessibilité et inclusion",
    "5.2": "Différenciation et personnalisation",
    "5.3": "Engagement actif des apprenants",
    "6.1": "Maîtrise de l'information et des médias",
    "6.2": "Communication et collaboration numériques",
    "6.3": "Création de contenus numériques",
    "6.4": "Usage responsable",
    "6.5": "Résolution de problèmes numériques",
}

LEVEL_NAMES_FR: dict[str, str] = {
    "A1": "Nouveau venu",
    "A2": "Explorateur",
    "B1": "Intégrateur",
    "B2": "Expert",
    "C1": "Leader",
    "C2": "Pionnier",
}


FRAMEWORK_CODE = "digcompedu-2017"
FRAMEWORK_NAME_FR = (
    "Cadre européen pour la compétence numérique des enseignants (DigCompEdu)"
)

# Tremplin's own short descriptions (not a translation of the JRC text).
# >>> descriptions (written by the self-test content part)
COMPETENCE_DESCRIPTIONS_FR: dict[str, str] = {
    "1.1": (
        "Utiliser les outils numériques de l'établissement pour communiquer avec "
        "les élèves, les familles et les partenaires, de façon claire et adaptée, "
        "et contribuer à améliorer ces canaux."
    ),
    "1.2": (
        "Travailler avec des collègues grâce au numérique : partager des "
        "ressources, coconstruire des séquences et échanger des pratiques, dans "
        "l'école comme au-delà."
    ),
    "1.3": (
        "Prendre du recul sur sa propre pratique numérique et sur celle de "
        "l'équipe, en s'appuyant sur des constats, pour l'ajuster et la faire "
        "évoluer."
    ),
    "1.4": (
        "Se former tout au long de sa carrière en tirant parti des formations en "
        "ligne, des communautés et des ressources numériques, et en organisant "
        "sa propre veille."
    ),
    "2.1": (
        "Trouver des ressources numériques, juger de leur qualité, de leur "
        "fiabilité et de leurs conditions d'utilisation, et choisir celles qui "
        "conviennent à l'objectif, au public et au contexte de la classe."
    ),
    "2.2": (
        "Adapter des ressources existantes lorsque leur licence le permet et "
        "concevoir ses propres contenus numériques, seul·e ou à plusieurs, au "
        "service d'une intention pédagogique."
    ),
    "2.3": (
        "Organiser et partager ses ressources avec les élèves, les familles et "
        "les collègues, protéger les données sensibles et respecter le droit "
        "d'auteur, la vie privée et les licences libres."
    ),
    "3.1": (
        "Planifier et conduire des activités où le numérique apporte une réelle "
        "plus-value, gérer la classe équipée et expérimenter de nouveaux "
        "formats d'enseignement."
    ),
    "3.2": (
        "Rester en contact avec les élèves, en classe et à distance, pour les "
        "soutenir au bon moment et de façon ciblée, individuellement ou en "
        "groupe."
    ),
    "3.3": (
        "Faire travailler les élèves ensemble avec des outils numériques "
        "(documents partagés, murs collaboratifs, projets en ligne) pour qu'ils "
        "construisent des savoirs en commun."
    ),
    "3.4": (
        "Aider les élèves à piloter leurs apprentissages : se fixer des "
        "objectifs, suivre leurs progrès, garder des traces et réfléchir à leur "
        "manière d'apprendre."
    ),
    "4.1": (
        "Recourir au numérique pour évaluer, de manière formative comme "
        "certificative, et diversifier les formats d'évaluation en veillant à "
        "leur pertinence."
    ),
    "4.2": (
        "Recueillir et interpréter avec esprit critique les traces que laissent "
        "les élèves dans les outils numériques, afin d'éclairer les décisions "
        "d'enseignement."
    ),
    "4.3": (
        "Donner aux élèves une rétroaction rapide et utile grâce au numérique, "
        "ajuster son enseignement d'après les données recueillies et aider "
        "élèves et parents à les comprendre."
    ),
    "5.1": (
        "Rendre les ressources et les activités numériques accessibles à tous les "
        "élèves, y compris ceux à besoins spécifiques, en tenant compte de leurs "
        "contraintes matérielles, physiques ou cognitives."
    ),
    "5.2": (
        "Tirer parti du numérique pour que chaque élève avance à son rythme, à "
        "son niveau et selon un parcours adapté à ses besoins."
    ),
    "5.3": (
        "Mobiliser le numérique pour rendre les élèves acteurs : enquêter, "
        "créer, résoudre des problèmes concrets et relier les apprentissages au "
        "monde réel."
    ),
    "6.1": (
        "Amener les élèves à chercher, trier et analyser l'information en ligne, "
        "et à évaluer la crédibilité des sources et des médias."
    ),
    "6.2": (
        "Proposer aux élèves des activités où ils communiquent et collaborent en "
        "ligne de manière efficace, respectueuse et citoyenne."
    ),
    "6.3": (
        "Faire produire aux élèves des contenus numériques variés et leur "
        "apprendre à citer leurs sources et à respecter le droit d'auteur et "
        "les licences."
    ),
    "6.4": (
        "Veiller au bien-être physique, psychologique et social des élèves dans "
        "leurs usages numériques et les rendre capables de gérer les risques "
        "(données personnelles, harcèlement, temps d'écran)."
    ),
    "6.5": (
        "Proposer des situations où les élèves identifient et résolvent des "
        "problèmes techniques et transfèrent leurs connaissances numériques à "
        "des situations nouvelles."
    ),
}
LEVEL_DESCRIPTORS_FR: dict[str, str] = {
    "A1": (
        "Perçoit l'intérêt du numérique mais l'utilise encore peu, surtout pour "
        "préparer ses cours ou pour des tâches administratives ; a besoin "
        "d'accompagnement pour aller plus loin."
    ),
    "A2": (
        "A commencé à utiliser le numérique dans certains domaines, sans approche "
        "encore cohérente ; progresse grâce aux exemples et aux conseils de "
        "collègues."
    ),
    "B1": (
        "Essaie le numérique dans des situations variées et l'intègre dans de "
        "nombreuses pratiques ; cherche encore quel outil convient le mieux à "
        "quelle situation."
    ),
    "B2": (
        "Utilise un large éventail d'outils avec assurance, créativité et esprit "
        "critique ; choisit ses outils à dessein en pesant leurs avantages et "
        "leurs limites."
    ),
    "C1": (
        "Dispose d'une approche cohérente et complète du numérique, puise dans un "
        "répertoire étendu de stratégies et inspire ses collègues."
    ),
    "C2": (
        "Remet en question les pratiques établies, expérimente des approches "
        "novatrices et fait progresser l'innovation pédagogique autour de lui."
    ),
}
# <<< descriptions


@dataclass(frozen=True)
class AreaData:
    code: str
    name_fr: str
    name_en: str


@dataclass(frozen=True)
class CompetenceData:
    code: str
    area: str
    name_fr: str
    name_en: str
    description_en: str


@dataclass(frozen=True)
class LevelData:
    code: str
    rank: int
    name_fr: str
    name_en: str
    descriptor_fr: str = ""
    descriptor_en: str = ""


@cache
def _raw() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def areas() -> list[AreaData]:
    """The 6 areas, in framework order."""
    return [
        AreaData(a["id"], AREA_NAMES_FR[a["id"]], a["name_en"]) for a in _raw()["areas"]
    ]


def competences() -> list[CompetenceData]:
    """The 22 competences, in framework order."""
    return [
        CompetenceData(
            c["id"],
            c["area"],
            COMPETENCE_NAMES_FR[c["id"]],
            c["name_en"],
            c.get("description_en") or "",
        )
        for c in _raw()["competences"]
    ]


def levels() -> list[LevelData]:
    """The 6 proficiency levels A1–C2, by rank."""
    return sorted(
        (
            LevelData(
                lv["code"],
                lv["rank"],
                LEVEL_NAMES_FR[lv["code"]],
                lv["name_en"],
                LEVEL_DESCRIPTORS_FR.get(lv["code"], ""),
                lv.get("descriptor_en") or "",
            )
            for lv in _raw()["levels"]
        ),
        key=lambda lv: lv.rank,
    )


def competence_codes() -> frozenset[str]:
    """Valid competence codes ("1.1" … "6.5")."""
    return frozenset(c.code for c in competences())


def load_framework(
    area_model: Any,
    competence_model: Any,
    framework_model: Any = None,
    level_model: Any = None,
) -> None:
    """Create or update the framework, level, area and competence rows (migration
    and demo reset).

    Takes the models as arguments so a data migration can pass its historical ones.
    """
    framework = None
    if framework_model is not None:
        meta = _raw()["framework"]
        framework, _created = framework_model.objects.update_or_create(
            code=FRAMEWORK_CODE,
            defaults={
                "name_fr": FRAMEWORK_NAME_FR,
                "name_en": meta["name_en"],
                "version": str(meta["year"]),
                "citation": meta["citation"],
                "web_url": meta.get("web") or "",
            },
        )
        if level_model is not None:
            for level in levels():
                level_model.objects.update_or_create(
                    framework=framework,
                    code=level.code,
                    defaults={
                        "rank": level.rank,
                        "name_fr": level.name_fr,
                        "name_en": level.name_en,
                        "descriptor_fr": level.descriptor_fr,
                        "descriptor_en": level.descriptor_en,
                    },
                )
    has_french_description = any(
        field.name == "description_fr" for field in competence_model._meta.get_fields()
    )
    areas_by_code = {}
    for area in areas():
        defaults = {"name_fr": area.name_fr, "name_en": area.name_en}
        if framework is not None:
            defaults["framework"] = framework
        areas_by_code[area.code], _created = area_model.objects.update_or_create(
            code=area.code, defaults=defaults
        )
    for competence in competences():
        competence_model.objects.update_or_create(
            code=competence.code,
            defaults={
                "area": areas_by_code[competence.area],
                "name_fr": competence.name_fr,
                "name_en": competence.name_en,
                "description_en": competence.description_en,
                # Older migrations pass a historical model without this field.
                **(
                    {
                        "description_fr": COMPETENCE_DESCRIPTIONS_FR.get(
                            competence.code, ""
                        )
                    }
                    if has_french_description
                    else {}
                ),
            },
        )
