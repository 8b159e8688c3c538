"""Source data of the self-test's demonstration item bank (``data/demo_items.json``).

The items below were written for Tremplin's demonstration only (``is_demo``):
realistic situations and knowledge questions a teacher in French-speaking
Belgium meets, one list per DigCompEdu competence, spread over A1–C2. They are
neither validated nor calibrated on real teachers, copy no Pix or CheckIn item,
and must be replaced by reviewed items before any real use.

Parameters are expert seeds: ``b`` near the seed difficulty of the authored
level (``SEED_DIFFICULTY``) ± 0.5 and ``a`` in 0.7–2.0, drawn reproducibly from
each item's uid; about one item in ten is left in pretest.

Regenerate the JSON after an edit (items keep their uid: append new items at
the end of a competence's list, never insert or reorder)::

    .venv/bin/python -m certification.selftest.demo_content
"""

from __future__ import annotations

import hashlib
import html
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_items.json"
FORMAT = "tremplin-selftest-items"
FORMAT_VERSION = 1

# Kept here (not imported from the models) so the generator runs without Django;
# a test checks that it matches ``certification.models.selftest.SEED_DIFFICULTY``.
SEED_DIFFICULTY = {"A1": -2.0, "A2": -1.0, "B1": 0.0, "B2": 1.0, "C1": 2.0, "C2": 3.0}

SINGLE = "single_choice"
MULTIPLE = "multiple_choice"
ORDERING = "ordering"
NUMERIC = "numeric"


@dataclass(frozen=True)
class DemoItem:
    """One authored item: options hold the right ones first (choice items) or
    the authored order (ordering items); the generator mixes choice options."""

    level: str
    kind: str
    stem: str
    options: tuple[str, ...] = ()
    n_correct: int = 0
    answer: str | None = None
    tolerance: str = "0"
    unit: str = ""
    family: str | None = None
    seconds: int = 60


def single(
    level: str, stem: str, right: str, *wrong: str, family: str | None = None
) -> DemoItem:
    """A single-choice item: one right option, then the distractors."""
    return DemoItem(level, SINGLE, stem, (right, *wrong), 1, family=family)


def multiple(
    level: str,
    stem: str,
    right: tuple[str, ...],
    wrong: tuple[str, ...],
    *,
    family: str | None = None,
) -> DemoItem:
    """A multiple-choice item (all-or-nothing): the right options, then the others."""
    return DemoItem(
        level, MULTIPLE, stem, (*right, *wrong), len(right), family=family, seconds=90
    )


def ordering(level: str, stem: str, *steps: str, family: str | None = None) -> DemoItem:
    """An ordering item: the steps in the right order."""
    return DemoItem(level, ORDERING, stem, steps, family=family, seconds=90)


def numeric(
    level: str,
    stem: str,
    answer: str,
    tolerance: str = "0",
    unit: str = "",
    *,
    family: str | None = None,
) -> DemoItem:
    """A numeric item: the expected value and its absolute tolerance."""
    return DemoItem(
        level,
        NUMERIC,
        stem,
        answer=answer,
        tolerance=tolerance,
        unit=unit,
        family=family,
        seconds=90,
    )


ITEMS: dict[str, list[DemoItem]] = {}

ITEMS["1.1"] = [
    single(
        "A1",
        "Vous devez informer tous les parents de votre classe d'une sortie scolaire par courriel. Comment éviter que chaque parent voie les adresses des autres ?",
        "Mettre les adresses en copie cachée (Cci)",
        "Mettre les adresses en copie (Cc)",
        "Mettre toutes les adresses dans le champ « À »",
        "Envoyer le message depuis votre adresse personnelle",
        family="demo-cci-parents",
    ),
    single(
        "A1",
        "L'école a choisi une plateforme officielle pour communiquer avec les familles. Un parent vous écrit sur votre compte personnel d'un réseau social à propos des devoirs. Que faites-vous ?",
        "Vous l'invitez poliment à utiliser le canal officiel de l'école et vous lui répondez par ce canal",
        "Vous répondez sur le réseau social, c'est plus rapide",
        "Vous ignorez le message sans autre explication",
        "Vous publiez votre réponse sur votre profil pour que tous les parents la voient",
    ),
    multiple(
        "A2",
        "Quelles informations ont leur place dans un message collectif envoyé à tous les parents d'une classe ?",
        (
            "La date et l'heure de la réunion de parents",
            "Le matériel à prévoir pour l'excursion",
        ),
        (
            "Le résultat d'un élève au dernier contrôle",
            "Le motif médical de l'absence d'un élève",
        ),
    ),
    single(
        "A2",
        "Vous envoyez un courriel important aux parents. Quel objet de message est le plus efficace ?",
        "« Excursion du 14 mars : autorisation à rendre pour le 7 mars »",
        "« Info »",
        "« Message de l'école »",
        "« URGENT !!! »",
    ),
    numeric(
        "A2",
        "La plateforme de l'école limite les pièces jointes d'un message à 10 Mo au total. Vous joignez déjà un PDF de 2,5 Mo. Combien de photos de 1,8 Mo chacune pouvez-vous ajouter au maximum dans le même message ?",
        "4",
        "0",
        "photos",
    ),
    single(
        "B1",
        "Votre direction souhaite réduire le nombre de messages reçus par les familles. Quelle solution est la plus adaptée ?",
        "Regrouper les informations non urgentes dans une lettre d'information périodique publiée sur la plateforme de l'école",
        "Envoyer chaque information dès qu'elle est connue",
        "Faire passer toutes les communications par SMS",
        "Remplacer les communications écrites par des appels téléphoniques",
    ),
    single(
        "B1",
        "Un parent vous envoie un message agressif à 23 h. Quelle réaction est la plus professionnelle ?",
        "Attendre le lendemain, répondre de façon factuelle et courtoise, proposer un rendez-vous et informer la direction si nécessaire",
        "Répondre immédiatement sur le même ton pour clarifier les choses",
        "Transférer le message à toute l'équipe pédagogique",
        "Publier une capture d'écran anonymisée dans un groupe de collègues",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre les étapes pour mettre en place un nouveau canal de communication numérique avec les familles.",
        "Identifier les besoins de communication de l'école et des familles",
        "Choisir l'outil avec la direction en vérifiant sa conformité au RGPD",
        "Informer les familles et leur expliquer comment l'utiliser",
        "Recueillir leur avis après quelques semaines et ajuster",
    ),
    multiple(
        "B2",
        "Vous rédigez une charte de communication numérique entre l'école et les familles. Quels éléments y inclure ?",
        (
            "Les canaux officiels et l'usage prévu de chacun",
            "Les délais de réponse raisonnables et les plages horaires d'envoi",
            "Une solution de repli pour les familles sans accès au numérique",
        ),
        ("Le numéro de téléphone personnel de chaque enseignant·e",),
    ),
    single(
        "B2",
        "Une partie des familles ne lit pas les messages de la plateforme. Quelle démarche est la plus pertinente ?",
        "Chercher qui ne lit pas et pourquoi (accès, langue, habitudes), puis proposer des canaux complémentaires adaptés",
        "Envoyer chaque message deux fois",
        "Considérer que l'information est transmise puisqu'elle est publiée",
        "Abandonner la plateforme",
    ),
    numeric(
        "B2",
        "Sur la plateforme, 168 des 240 familles ont ouvert le dernier message. Quel est le taux d'ouverture ?",
        "70",
        "0.5",
        "%",
    ),
    single(
        "C1",
        "Vous coordonnez la communication numérique de l'école. Comment savoir si la nouvelle organisation fonctionne ?",
        "Définir dès le départ quelques indicateurs (taux de lecture, délais de réponse, satisfaction des familles) et les comparer avant et après, avec les équipes",
        "Compter le nombre de messages envoyés par les enseignant·es",
        "Se fier à l'absence de plaintes",
        "Demander à l'éditeur de l'outil son rapport d'utilisation",
    ),
    multiple(
        "C1",
        "Pour communiquer avec des familles qui maîtrisent peu le français, quelles pratiques sont pertinentes ?",
        (
            "Rédiger des messages courts en langage clair",
            "Accompagner les informations clés de pictogrammes",
            "Faire vérifier les informations importantes traduites automatiquement par une personne-relais",
        ),
        ("Envoyer uniquement des documents PDF longs et détaillés",),
    ),
    single(
        "C2",
        "L'école envisage de remplacer sa plateforme par un outil gratuit financé par la publicité ciblée. Quel argument devez-vous porter en priorité auprès du pouvoir organisateur ?",
        "Le modèle économique repose sur l'exploitation de données : une analyse d'impact et l'avis du délégué à la protection des données sont indispensables avant toute décision",
        "La gratuité suffit à justifier le changement",
        "La publicité distrait mais n'a pas d'autre conséquence",
        "Seule l'ergonomie de l'outil doit guider le choix",
    ),
]

ITEMS["1.2"] = [
    single(
        "A1",
        "Vous voulez rédiger une planification avec un·e collègue sans vous envoyer dix versions du fichier. Quel outil convient le mieux ?",
        "Un document partagé en ligne que vous modifiez tous les deux",
        "Une clé USB que vous vous passez",
        "Un courriel avec le fichier en pièce jointe à chaque modification",
        "Une impression annotée à la main",
    ),
    single(
        "A1",
        "Dans un document partagé, que permet l'historique des versions ?",
        "Voir qui a modifié quoi et revenir à une version antérieure",
        "Empêcher toute modification du document",
        "Traduire le document dans une autre langue",
        "Envoyer automatiquement le document aux élèves",
    ),
    single(
        "A2",
        "Vous partagez un dossier de ressources avec votre équipe de section. Quel droit d'accès donner à des collègues qui doivent seulement consulter les fichiers ?",
        "Lecture seule",
        "Modification",
        "Propriétaire",
        "Accès public à toute personne disposant du lien",
    ),
    multiple(
        "A2",
        "Quels usages d'un espace en ligne d'équipe (canal, forum) facilitent la collaboration entre collègues ?",
        (
            "Regrouper les échanges par thème ou par projet",
            "Partager les comptes rendus de réunion au même endroit",
        ),
        (
            "Y discuter de la situation familiale d'un élève en le nommant",
            "Y transférer tous ses courriels personnels",
        ),
    ),
    numeric(
        "A2",
        "Une équipe de 6 enseignant·es se répartit la création de 18 capsules vidéo de façon égale. Combien de capsules chaque personne réalise-t-elle ?",
        "3",
        "0",
        "capsules",
    ),
    single(
        "B1",
        "Deux collègues modifient en même temps le même paragraphe d'un document partagé et se contredisent. Quelle pratique évite ce problème ?",
        "Se répartir les sections et utiliser les commentaires ou le mode suggestion pour proposer des changements",
        "Interdire l'accès au document à l'un des deux",
        "Travailler chacun sur une copie et fusionner à la main à la fin de l'année",
        "Désactiver l'historique des versions",
    ),
    single(
        "B1",
        "Vous souhaitez échanger des pratiques avec des enseignant·es d'autres écoles de la Fédération Wallonie-Bruxelles. Quelle démarche est la plus adaptée ?",
        "Rejoindre une communauté de pratique en ligne (réseau d'enseignant·es, groupe thématique) et y partager vos retours d'expérience",
        "Copier les cours publiés par d'autres écoles sans les contacter",
        "Attendre une formation en présentiel",
        "Envoyer vos préparations à toutes les adresses d'écoles trouvées sur internet",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre les étapes d'un projet de séquence coconstruite en équipe avec un outil collaboratif.",
        "Convenir de l'objectif et du calendrier en réunion",
        "Créer l'espace partagé et répartir les rôles",
        "Rédiger chacun sa partie dans l'espace partagé",
        "Relire ensemble et harmoniser la séquence",
        "Tester la séquence en classe et noter les ajustements",
    ),
    multiple(
        "B2",
        "Vous organisez un projet eTwinning avec une école partenaire à l'étranger. Quelles précautions prendre ?",
        (
            "Se mettre d'accord sur les outils et le calendrier avec l'enseignant·e partenaire",
            "Vérifier les autorisations de publication des productions et des images des élèves",
        ),
        (
            "Ouvrir l'espace du projet à tout internaute pour plus de visibilité",
            "Utiliser les comptes personnels des élèves sur des réseaux sociaux",
        ),
    ),
    single(
        "B2",
        "Une collègue partage une séquence sous licence CC BY-SA. Vous l'améliorez et voulez la rediffuser. Que devez-vous faire ?",
        "La créditer et rediffuser votre version sous la même licence CC BY-SA",
        "La rediffuser sous la licence de votre choix, en la créditant",
        "La rediffuser sans la créditer puisque vous l'avez modifiée",
        "Lui demander de renoncer à ses droits",
    ),
    numeric(
        "B2",
        "Dans la banque de ressources partagée de votre réseau, 45 des 180 ressources ont été déposées par votre école. Quelle part cela représente-t-il ?",
        "25",
        "0.5",
        "%",
    ),
    single(
        "C1",
        "Vous animez une équipe qui partage peu ses ressources. Quelle initiative a le plus de chances de changer les pratiques ?",
        "Montrer l'exemple, proposer une structure de dépôt simple et organiser de courts moments d'échange où chacun présente une ressource utile",
        "Imposer un nombre minimal de dépôts par personne",
        "Créer un espace de stockage et attendre que les collègues l'utilisent",
        "Publier la liste des collègues qui ne partagent pas",
    ),
    multiple(
        "C1",
        "Vous coordonnez une communauté de pratique en ligne entre écoles. Quels choix favorisent sa durée de vie ?",
        (
            "Des rôles d'animation tournants",
            "Des règles de fonctionnement connues de tous",
            "Des synthèses régulières des échanges utiles",
        ),
        ("Des échanges uniquement en messages privés",),
    ),
    single(
        "C2",
        "Votre réseau d'écoles souhaite mutualiser des ressources à grande échelle. Quel modèle est le plus pérenne ?",
        "Un dépôt commun de ressources éducatives libres, avec métadonnées, relecture par les pairs et licences explicites, évalué et amélioré dans le temps",
        "Un dossier partagé sans règles où chacun dépose ce qu'il veut",
        "Un achat de manuels numériques identiques pour toutes les écoles",
        "Un groupe de messagerie où circulent les fichiers",
    ),
]

ITEMS["1.3"] = [
    single(
        "A1",
        "Après avoir utilisé un quiz en ligne en classe pour la première fois, quelle question est la plus utile pour faire le point ?",
        "L'outil a-t-il aidé mes élèves à atteindre l'objectif de la leçon ?",
        "L'outil est-il à la mode ?",
        "Combien de collègues utilisent déjà cet outil ?",
        "L'outil a-t-il de jolies couleurs ?",
    ),
    single(
        "A1",
        "Qu'est-ce qu'une pratique réflexive dans l'usage du numérique en classe ?",
        "Analyser régulièrement ce qui a fonctionné ou non pour l'améliorer",
        "Utiliser le plus d'outils possible",
        "Refuser tout nouvel outil",
        "Suivre toujours la même procédure sans la modifier",
    ),
    single(
        "A2",
        "Vous voulez savoir ce que vos élèves pensent des activités numériques menées ce trimestre. Quel moyen est le plus simple ?",
        "Un court questionnaire en ligne anonyme",
        "Un examen écrit",
        "Une interrogation orale individuelle",
        "Un courriel aux parents",
    ),
    multiple(
        "A2",
        "Quelles traces peuvent nourrir votre réflexion sur une séquence utilisant le numérique ?",
        (
            "Les résultats des élèves aux activités",
            "Vos notes prises juste après la séance",
        ),
        (
            "Le nombre de « j'aime » de l'outil sur les réseaux sociaux",
            "Le prix de l'abonnement",
        ),
    ),
    numeric(
        "A2",
        "Dans votre questionnaire de fin de séquence, 15 élèves sur 25 disent que la capsule vidéo les a aidés. Quel pourcentage cela représente-t-il ?",
        "60",
        "0.5",
        "%",
    ),
    single(
        "B1",
        "Une activité sur tablettes a pris deux fois plus de temps que prévu. Quelle réaction témoigne d'une pratique réflexive ?",
        "Identifier les causes (consignes, connexions, manipulation) et adapter la préparation de la prochaine séance",
        "Conclure que les tablettes ne conviennent pas à vos élèves",
        "Réduire le temps consacré à la matière suivante",
        "Ne plus jamais utiliser l'activité",
    ),
    single(
        "B1",
        "Vous tenez un journal de bord de vos usages numériques. Quelle entrée est la plus utile ?",
        "« Mur collaboratif en 3e : bonne participation, mais trop de messages hors sujet. Essayer des consignes par rôle la prochaine fois. »",
        "« Utilisé le mur collaboratif aujourd'hui. »",
        "« Les élèves ont aimé. »",
        "« Le wifi a fonctionné. »",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre un cycle de pratique réflexive appliqué à un nouvel outil.",
        "Décrire ce qui s'est passé en classe",
        "Analyser les causes des réussites et des difficultés",
        "Décider de ce que vous changerez",
        "Essayer la nouvelle version et observer à nouveau",
    ),
    multiple(
        "B2",
        "Vous invitez un·e collègue à observer votre cours utilisant le numérique. Quelles conditions rendent l'observation utile ?",
        (
            "Convenir à l'avance des points à observer",
            "Prévoir un temps d'échange après la séance",
        ),
        (
            "Demander une note chiffrée de votre cours",
            "Filmer les élèves sans autorisation pour revoir la séance",
        ),
    ),
    single(
        "B2",
        "Vous comparez deux façons d'utiliser un quiz en ligne (en début ou en fin de leçon). Quelle démarche permet de conclure prudemment ?",
        "Essayer chaque façon sur plusieurs séances, noter les mêmes indicateurs et tenir compte des différences entre groupes",
        "Essayer chaque façon une fois et garder celle qui a donné les meilleures notes",
        "Demander l'avis d'un seul élève",
        "Choisir la façon recommandée par l'éditeur du quiz",
    ),
    numeric(
        "B2",
        "Avec la première version d'une activité, la moyenne de la classe était de 11 sur 20 ; avec la version révisée, de 13,5 sur 20. De combien de points la moyenne a-t-elle augmenté ?",
        "2.5",
        "0",
        "points",
    ),
    single(
        "C1",
        "Votre école veut faire le point sur ses pratiques numériques. Quelle démarche collective est la plus adaptée ?",
        "Utiliser un outil d'autoréflexion d'établissement, en discuter les résultats en équipe et en tirer un plan d'action partagé",
        "Demander à chaque enseignant·e la liste de ses logiciels",
        "Confier l'analyse à un prestataire externe sans impliquer les équipes",
        "Comparer le nombre d'ordinateurs avec celui d'autres écoles",
    ),
    multiple(
        "C1",
        "Vous accompagnez des collègues dans l'analyse de leurs pratiques numériques. Quelles postures sont adaptées ?",
        (
            "Poser des questions ouvertes plutôt que donner des solutions toutes faites",
            "Partager vos propres essais ratés et ce que vous en avez appris",
            "Aider à relier les constats à des objectifs d'apprentissage",
        ),
        ("Classer publiquement les collègues selon leur niveau",),
    ),
    single(
        "C2",
        "Vous menez une recherche-action sur l'effet des podcasts élèves sur l'expression orale. Quelle étape garantit la crédibilité de vos conclusions ?",
        "Définir la question et les critères d'observation avant l'expérimentation, recueillir des données de plusieurs sources et soumettre l'analyse à des pairs",
        "Sélectionner après coup les productions les plus réussies",
        "Publier les conclusions avant la fin de l'expérimentation",
        "Se limiter à votre impression générale",
    ),
]

ITEMS["1.4"] = [
    single(
        "A1",
        "Vous souhaitez vous former au numérique éducatif. Quelle ressource est la plus fiable pour commencer ?",
        "Le catalogue de formations de l'institut de formation continue ou une plateforme institutionnelle",
        "Un forum anonyme sans modération",
        "Une publicité pour un logiciel",
        "Une chaîne vidéo choisie au hasard",
    ),
    single(
        "A1",
        "Qu'est-ce qu'un MOOC ?",
        "Un cours en ligne ouvert à un grand nombre de participant·es",
        "Un logiciel de traitement de texte",
        "Un réseau social réservé aux élèves",
        "Un format de fichier vidéo",
    ),
    single(
        "A2",
        "Vous suivez une formation en ligne à votre rythme. Quelle habitude vous aide le plus à la terminer ?",
        "Bloquer des plages régulières dans votre agenda et vous fixer des étapes",
        "Attendre d'avoir une journée entière de libre",
        "Regarder toutes les vidéos en vitesse accélérée la veille de l'échéance",
        "Suivre plusieurs formations en même temps",
    ),
    multiple(
        "A2",
        "Quels signes indiquent qu'une ressource en ligne de formation professionnelle est sérieuse ?",
        (
            "Les auteur·es et leur institution sont identifiés",
            "Les sources et références sont citées",
        ),
        (
            "Elle promet des résultats garantis en une heure",
            "Elle demande vos identifiants de la plateforme de l'école",
        ),
    ),
    numeric(
        "A2",
        "Une formation en ligne compte 6 modules de 45 minutes. Combien d'heures dure-t-elle au total ?",
        "4.5",
        "0",
        "heures",
    ),
    single(
        "B1",
        "Vous voulez organiser une veille sur le numérique éducatif sans y passer des heures. Quelle méthode convient ?",
        "S'abonner à quelques sources fiables (lettres d'information, flux) et réserver un moment fixe par semaine pour les parcourir",
        "Suivre le plus grand nombre de comptes possible sur les réseaux sociaux",
        "Lire toutes les nouveautés des éditeurs de logiciels",
        "Attendre que des collègues vous signalent les nouveautés",
    ),
    single(
        "B1",
        "Après une formation en ligne, quelle action favorise le transfert dans votre pratique ?",
        "Planifier une mise en œuvre concrète en classe puis en faire le bilan avec un·e collègue",
        "Archiver l'attestation",
        "Regarder à nouveau toutes les vidéos",
        "Recommander la formation sans l'appliquer",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre les étapes pour construire votre plan de développement professionnel au numérique.",
        "Faire le point sur vos compétences (autopositionnement)",
        "Choisir une ou deux priorités liées à vos besoins en classe",
        "Sélectionner les formations et ressources correspondantes",
        "Mettre en pratique et évaluer les progrès",
    ),
    multiple(
        "B2",
        "Quels dispositifs de développement professionnel s'appuient sur le numérique ?",
        (
            "Une communauté de pratique en ligne",
            "Un webinaire suivi d'un atelier d'application",
            "Un portfolio numérique de formation",
        ),
        ("La lecture d'un règlement d'ordre intérieur imprimé",),
    ),
    single(
        "B2",
        "Un autopositionnement vous situe à un niveau faible en évaluation numérique. Quelle suite est la plus pertinente ?",
        "Choisir une formation ciblée sur cette compétence et prévoir de mesurer à nouveau vos progrès après l'avoir mise en pratique",
        "Refaire immédiatement le test jusqu'à obtenir un meilleur niveau",
        "Ignorer le résultat puisqu'il est indicatif",
        "Suivre toutes les formations du catalogue",
    ),
    numeric(
        "B2",
        "Vous consacrez 40 minutes par semaine à votre veille pendant 36 semaines. Combien d'heures cela représente-t-il sur l'année ?",
        "24",
        "0",
        "heures",
    ),
    single(
        "C1",
        "Vous êtes référent·e numérique et souhaitez soutenir la formation de vos collègues. Quelle démarche est la plus efficace ?",
        "Recenser leurs besoins, proposer des formats courts liés à la classe et faciliter le partage entre pairs après les formations",
        "Envoyer chaque semaine la liste de toutes les formations disponibles",
        "Organiser une seule formation longue pour toute l'école",
        "Former uniquement les collègues déjà à l'aise",
    ),
    multiple(
        "C1",
        "Vous concevez un court module en ligne pour vos collègues. Quels choix le rendent efficace ?",
        (
            "Des objectifs explicites et des exemples tirés de la classe",
            "Des activités d'application avec retour",
            "Un espace d'échange entre participant·es",
        ),
        ("Une longue vidéo unique sans découpage",),
    ),
    single(
        "C2",
        "Votre établissement veut évaluer l'impact de son plan de formation au numérique. Quelle approche est la plus solide ?",
        "Relier les formations suivies à des changements observables de pratiques et à des effets sur les élèves, sur plusieurs années, avec des données qualitatives et quantitatives",
        "Compter le nombre d'heures de formation suivies",
        "Mesurer la satisfaction à la fin de chaque formation",
        "Comparer le budget de formation avec celui des autres écoles",
    ),
]

ITEMS["2.1"] = [
    single(
        "A1",
        "Vous cherchez une vidéo pour illustrer le cycle de l'eau. Quel premier critère vérifier ?",
        "Que son contenu est exact et adapté à l'âge de vos élèves",
        "Qu'elle a beaucoup de vues",
        "Qu'elle est la plus longue possible",
        "Qu'elle a été publiée cette semaine",
    ),
    single(
        "A1",
        "Sur un site de ressources, que signifie le logo « CC » accompagnant un document ?",
        "Le document est diffusé sous une licence Creative Commons qui précise les usages permis",
        "Le document est gratuit et libre de toute condition",
        "Le document est protégé et ne peut pas être utilisé en classe",
        "Le document a été contrôlé par l'administration",
        family="demo-logo-cc",
    ),
    single(
        "A2",
        "Vous trouvez une fiche d'exercices sur un blog. Quel indice vous aide le plus à juger de sa fiabilité ?",
        "L'auteur·e est identifié·e et ses sources sont indiquées",
        "Le blog a un design moderne",
        "La fiche est en couleur",
        "Le blog affiche de nombreuses publicités",
    ),
    multiple(
        "A2",
        "Quels critères prendre en compte pour choisir une application d'exercices pour votre classe ?",
        (
            "L'adéquation avec vos objectifs d'apprentissage",
            "Le traitement des données des élèves",
            "La possibilité de l'utiliser sur le matériel de l'école",
        ),
        ("Le nombre d'étoiles attribué dans la boutique d'applications uniquement",),
    ),
    numeric(
        "A2",
        "Une vidéo de 12 minutes doit s'insérer dans une activité de 50 minutes comprenant 10 minutes de consignes et 15 minutes d'échange. Combien de minutes restent pour le travail individuel ?",
        "13",
        "0",
        "minutes",
    ),
    single(
        "B1",
        "Vous hésitez entre deux simulations en ligne pour un cours de physique. Quelle démarche est la plus adaptée ?",
        "Les tester vous-même avec la tâche prévue pour vos élèves et vérifier qu'elles ciblent bien le concept visé",
        "Choisir celle qui propose le plus de fonctionnalités",
        "Choisir celle que les élèves connaissent déjà pour les jeux",
        "Choisir celle dont la page d'accueil est la plus attrayante",
    ),
    single(
        "B1",
        "Pour trouver des ressources réutilisables librement, quel filtre de recherche utiliser ?",
        "Le filtre par type de licence (par exemple « réutilisation autorisée »)",
        "Le filtre par date",
        "Le filtre par taille d'image",
        "Le filtre par langue uniquement",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une démarche de sélection d'une ressource numérique.",
        "Préciser l'objectif d'apprentissage et le public",
        "Rechercher des ressources dans des sources fiables",
        "Évaluer la qualité, l'accessibilité et la licence des ressources trouvées",
        "Tester la ressource retenue et prévoir son usage en classe",
    ),
    multiple(
        "B2",
        "Une application éducative gratuite vous plaît. Quelles vérifications faire avant de l'utiliser avec des élèves de 10 ans ?",
        (
            "Lire sa politique de confidentialité et les données collectées",
            "Vérifier si elle affiche de la publicité ou des achats intégrés",
            "Consulter la direction sur sa conformité au RGPD",
        ),
        ("Demander aux élèves de créer un compte avec leur adresse personnelle",),
    ),
    single(
        "B2",
        "Deux ressources couvrent le même contenu : l'une est interactive mais inaccessible aux lecteurs d'écran, l'autre est un texte structuré accessible. Un élève de la classe est malvoyant. Que faites-vous ?",
        "Prévoir une alternative équivalente accessible pour tous ou choisir la ressource accessible, en gardant l'objectif commun",
        "Utiliser la ressource interactive pour tous et dispenser l'élève",
        "Abandonner la leçon",
        "Demander à l'élève de se faire aider par un camarade en permanence",
    ),
    numeric(
        "B2",
        "Vous évaluez 8 applications avec une grille. 3 ne respectent pas le RGPD et 2 ne fonctionnent pas sur les tablettes de l'école. Aucune n'a les deux défauts. Combien d'applications restent candidates ?",
        "3",
        "0",
        "applications",
    ),
    single(
        "C1",
        "Votre équipe veut constituer une liste de ressources recommandées. Quelle méthode est la plus robuste ?",
        "Établir une grille de critères commune (pertinence, fiabilité, accessibilité, licence, données), faire évaluer chaque ressource par au moins deux collègues et réviser la liste chaque année",
        "Retenir les ressources les plus téléchargées",
        "Laisser chacun ajouter ses favoris sans critère",
        "Acheter une liste toute faite à un éditeur",
    ),
    multiple(
        "C1",
        "Un éditeur propose un outil d'IA générative qui « produit des exercices sur mesure ». Quels points examiner avant de le recommander ?",
        (
            "L'exactitude des contenus produits, à vérifier systématiquement",
            "Le traitement des données saisies",
            "La valeur ajoutée pédagogique par rapport à vos ressources actuelles",
        ),
        ("Le nombre d'abonnés de l'éditeur sur les réseaux sociaux",),
    ),
    single(
        "C2",
        "Vous êtes sollicité·e pour aider votre réseau à choisir une plateforme de ressources pour toutes ses écoles. Quelle exigence est la plus structurante à long terme ?",
        "Des formats ouverts et des licences claires qui permettent d'exporter, d'adapter et de partager les ressources sans dépendre d'un seul fournisseur",
        "Le plus grand nombre de ressources au lancement",
        "Le prix le plus bas la première année",
        "Un design identique à celui de la plateforme actuelle",
    ),
]

ITEMS["2.2"] = [
    single(
        "A1",
        "Vous créez une présentation pour vos élèves. Quelle pratique la rend plus lisible ?",
        "Peu de texte par diapositive, une police lisible et un bon contraste",
        "Beaucoup de texte pour que tout soit écrit",
        "Des animations sur chaque mot",
        "Une couleur de fond différente à chaque diapositive",
    ),
    single(
        "A1",
        "Vous voulez modifier une fiche trouvée en ligne et la distribuer à vos élèves. Que vérifiez-vous d'abord ?",
        "Que sa licence autorise les modifications",
        "Qu'elle est au format PDF",
        "Qu'elle est en couleur",
        "Qu'elle a été publiée récemment",
        family="demo-modifier-fiche",
    ),
    single(
        "A2",
        "Une ressource est sous licence CC BY-ND. Que pouvez-vous en faire ?",
        "La partager telle quelle en citant l'auteur·e, mais pas diffuser une version modifiée",
        "La modifier et diffuser votre version",
        "La vendre sans condition",
        "L'utiliser sans citer l'auteur·e",
    ),
    multiple(
        "A2",
        "Vous enregistrez une capsule vidéo explicative. Quels choix améliorent sa qualité pédagogique ?",
        (
            "Une durée courte centrée sur une seule notion",
            "Un son clair, sans bruit de fond",
        ),
        ("Une lecture mot à mot d'un long texte", "Une musique forte en continu"),
    ),
    numeric(
        "A2",
        "Votre capsule dure 7 min 30 s. Vous coupez 2 min 45 s d'hésitations. Combien de secondes dure la version finale ?",
        "285",
        "0",
        "secondes",
    ),
    single(
        "B1",
        "Vous adaptez un exercice interactif créé par une collègue (licence CC BY). Comment la créditer correctement ?",
        "Indiquer son nom, le titre de la ressource, la licence et préciser que vous l'avez modifiée",
        "Indiquer seulement « d'après internet »",
        "Aucune mention n'est nécessaire entre collègues",
        "Mettre uniquement votre nom puisque vous l'avez modifiée",
    ),
    single(
        "B1",
        "Vous créez un questionnaire interactif. Quel réglage favorise l'apprentissage plutôt que le seul contrôle ?",
        "Afficher une explication après chaque réponse, juste ou fausse",
        "Masquer les réponses correctes définitivement",
        "Limiter le temps à 5 secondes par question",
        "N'autoriser qu'une seule tentative sans retour",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre les étapes de création d'une capsule vidéo pédagogique.",
        "Définir l'objectif et le message clé",
        "Écrire un script ou un plan",
        "Enregistrer",
        "Monter et ajouter les sous-titres",
        "Tester auprès de quelques élèves et ajuster",
    ),
    multiple(
        "B2",
        "Vous combinez plusieurs ressources libres dans un nouveau dossier. Quelles combinaisons de licences posent problème ?",
        (
            "Intégrer une ressource CC BY-SA dans un dossier que vous voulez diffuser sous CC BY-NC",
            "Modifier une image CC BY-ND pour l'insérer dans votre dossier",
        ),
        (
            "Intégrer une image CC0 sans condition",
            "Intégrer un texte CC BY en le créditant",
        ),
    ),
    single(
        "B2",
        "Vous préparez un module pour la plateforme de l'école. Quelle structure favorise l'autonomie des élèves ?",
        "Des étapes courtes avec objectifs, activités, retours et une synthèse, dans un ordre clair",
        "Un seul long document à lire en entier",
        "Une liste de liens sans consigne",
        "Toutes les ressources disponibles en même temps sans ordre",
    ),
    numeric(
        "B2",
        "Une photo de 4 000 × 3 000 pixels doit être réduite pour le web à une largeur de 1 200 pixels en gardant ses proportions. Quelle sera sa hauteur en pixels ?",
        "900",
        "0",
        "pixels",
    ),
    single(
        "C1",
        "Vous coordonnez la création d'un manuel numérique par une équipe. Quel choix facilite sa réutilisation par d'autres écoles ?",
        "Le publier sous licence ouverte, dans un format modifiable, avec des sources des médias et des crédits clairs",
        "Le publier en PDF protégé par mot de passe",
        "Le réserver aux enseignant·es de l'école",
        "Le publier sans licence pour éviter les contraintes",
    ),
    multiple(
        "C1",
        "Vous utilisez une IA générative pour produire une première version d'un texte de lecture. Quelles pratiques sont responsables ?",
        (
            "Relire et corriger le contenu avant toute utilisation",
            "Vérifier que le texte ne reproduit pas une œuvre protégée",
            "Mentionner l'usage de l'outil dans la conception",
        ),
        ("Y saisir les noms et difficultés de vos élèves pour personnaliser le texte",),
    ),
    single(
        "C2",
        "Vous concevez une ressource destinée à être enrichie par de nombreux enseignant·es. Quel modèle de conception est le plus adapté ?",
        "Une ressource modulaire sous licence ouverte, avec un dépôt versionné, des règles de contribution et une relecture par les pairs",
        "Un document unique modifiable par tous sans historique",
        "Une ressource figée, mise à jour par une seule personne",
        "Des copies individuelles que chacun adapte sans partage",
    ),
]

ITEMS["2.3"] = [
    single(
        "A1",
        "Où enregistrer de préférence les documents de cours que vous partagez avec vos élèves ?",
        "Sur l'espace prévu par l'école (plateforme ou stockage institutionnel)",
        "Sur une clé USB que vous prêtez",
        "Sur votre messagerie personnelle",
        "Sur le bureau de l'ordinateur de la classe",
    ),
    single(
        "A1",
        "Quel mot de passe protège le mieux votre compte sur la plateforme de l'école ?",
        "Une longue phrase de passe unique, que vous n'utilisez nulle part ailleurs",
        "Votre date de naissance",
        "Le même mot de passe que pour vos autres comptes",
        "Le nom de l'école suivi de 123",
        family="demo-mot-de-passe",
    ),
    single(
        "A2",
        "Combien de temps dure en principe la protection par le droit d'auteur dans l'Union européenne ?",
        "70 ans après la mort de l'auteur·e",
        "20 ans après la publication",
        "Tant que l'œuvre est vendue",
        "50 ans après la création",
    ),
    multiple(
        "A2",
        "Quelles informations sont des données à caractère personnel d'un élève ?",
        (
            "Son nom et son prénom",
            "Une photo où il est reconnaissable",
            "Ses résultats scolaires",
        ),
        ("La date de la rentrée scolaire",),
    ),
    numeric(
        "A2",
        "Une œuvre dont l'auteur est mort en 1950 entre dans le domaine public le 1er janvier de quelle année (protection de 70 ans après la mort) ?",
        "2021",
        "0",
        "",
    ),
    single(
        "B1",
        "Vous voulez partager un dossier de notes d'élèves avec la direction. Quelle solution est la plus sûre ?",
        "Un partage sur l'espace institutionnel réservé à la personne concernée",
        "Un lien public envoyé par courriel",
        "Une pièce jointe sur une messagerie personnelle",
        "Une impression laissée en salle des professeurs",
    ),
    single(
        "B1",
        "Vous souhaitez publier sur le site de l'école des photos d'élèves prises lors d'une activité. Que faut-il ?",
        "L'autorisation préalable des parents (ou de l'élève selon son âge) pour cette publication",
        "Rien, puisque l'activité est scolaire",
        "Flouter seulement les élèves qui le demandent après publication",
        "L'accord oral de la classe",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre l'organisation d'un espace de stockage de cours partagé avec vos élèves.",
        "Définir une arborescence simple (par chapitre ou par semaine)",
        "Nommer les fichiers de façon cohérente",
        "Régler les droits d'accès (lecture pour les élèves)",
        "Communiquer aux élèves où trouver les documents",
    ),
    multiple(
        "B2",
        "Vous quittez l'école en fin d'année. Que devez-vous faire avec les données des élèves que vous gérez ?",
        (
            "Transmettre à l'école ce qui doit être conservé",
            "Supprimer les copies personnelles que vous n'avez plus le droit de garder",
        ),
        (
            "Les garder sur votre ordinateur personnel au cas où",
            "Les partager avec votre future école",
        ),
    ),
    single(
        "B2",
        "Vous découvrez que vous avez envoyé par erreur un tableau de notes nominatif à tous les parents de la classe. Que faites-vous ?",
        "Prévenir immédiatement la direction et le délégué à la protection des données pour traiter la fuite de données",
        "Envoyer un second message demandant d'ignorer le premier, sans prévenir personne",
        "Attendre de voir si des parents réagissent",
        "Supprimer le message de votre boîte d'envoi",
    ),
    numeric(
        "B2",
        "Selon le RGPD, dans quel délai maximal (en heures) une violation de données présentant un risque doit-elle être notifiée à l'autorité de protection des données ?",
        "72",
        "0",
        "heures",
    ),
    single(
        "C1",
        "En Belgique, l'exception pédagogique au droit d'auteur permet, sous conditions, d'utiliser des extraits d'œuvres pour illustrer l'enseignement. Quelle condition est essentielle ?",
        "Un usage non commercial, limité à ce que l'illustration demande, avec la source citée, dans un environnement sécurisé réservé aux élèves et aux enseignant·es",
        "Un usage libre dès lors que l'école est publique",
        "La publication de l'œuvre entière sur le site de l'école",
        "L'absence de mention de la source pour ne pas alourdir le document",
    ),
    multiple(
        "C1",
        "Votre école rédige ses règles de partage de ressources. Quelles mesures protègent à la fois les droits et les données ?",
        (
            "Préférer les ressources sous licence ouverte et indiquer les crédits",
            "Distinguer les espaces publics et les espaces réservés aux élèves",
            "Limiter la durée de conservation des productions contenant des données personnelles",
        ),
        ("Publier toutes les productions d'élèves sur un site public",),
    ),
    single(
        "C2",
        "Votre réseau veut publier en libre accès les productions d'enseignant·es. Quel dispositif est le plus complet ?",
        "Une politique de licence explicite, un accord de cession ou de licence signé par les auteur·es, une vérification des droits des médias intégrés et une procédure de retrait",
        "Publier tout sous CC0 sans demander l'avis des auteur·es",
        "Publier sans licence et répondre aux plaintes au cas par cas",
        "Réserver les ressources aux membres payants",
    ),
]

ITEMS["3.1"] = [
    single(
        "A1",
        "Vous projetez une vidéo au tableau interactif. Quelle précaution prendre avant le cours ?",
        "Vérifier que la vidéo se lance, que le son fonctionne et prévoir une solution si la connexion échoue",
        "Aucune, le matériel fonctionne toujours",
        "Demander aux élèves d'apporter leurs écouteurs",
        "Télécharger la vidéo sur la clé d'un élève",
    ),
    single(
        "A1",
        "Quel est le meilleur point de départ pour intégrer un outil numérique dans une leçon ?",
        "L'objectif d'apprentissage que l'outil doit servir",
        "L'outil le plus récent",
        "L'outil préféré des élèves",
        "L'outil que l'école vient d'acheter",
    ),
    single(
        "A2",
        "Vous utilisez pour la première fois des tablettes avec une classe. Quelle organisation limite les difficultés ?",
        "Donner des consignes courtes et affichées, prévoir un temps de prise en main et des règles d'usage claires",
        "Distribuer les tablettes et laisser les élèves découvrir seuls",
        "Expliquer toutes les fonctions avant de commencer",
        "Interdire toute question pendant l'activité",
    ),
    multiple(
        "A2",
        "Quels usages du numérique apportent une réelle plus-value à une leçon de géographie ?",
        (
            "Explorer une carte interactive pour comparer des territoires",
            "Analyser des images satellites à différentes dates",
        ),
        (
            "Recopier à l'ordinateur un résumé dicté",
            "Projeter le manuel scanné à la place du livre",
        ),
    ),
    numeric(
        "A2",
        "Vous avez 24 élèves et 8 tablettes. Combien d'élèves par tablette pour que tout le monde travaille en même temps ?",
        "3",
        "0",
        "élèves",
    ),
    single(
        "B1",
        "Vous souhaitez essayer la classe inversée. Quel dispositif correspond à cette approche ?",
        "Les élèves découvrent la notion à la maison avec une courte capsule, et le temps en classe est consacré aux exercices et aux échanges",
        "Les élèves enseignent à la place de l'enseignant·e tout le cours",
        "Le cours est donné entièrement en ligne sans rencontre",
        "Les élèves corrigent les devoirs de l'enseignant·e",
    ),
    single(
        "B1",
        "Pendant une activité sur ordinateurs, plusieurs élèves sont bloqués par un problème technique. Quelle gestion de classe est adaptée ?",
        "Prévoir des élèves-ressources et une tâche de repli pour ne pas interrompre toute la classe",
        "Arrêter l'activité pour tout le monde",
        "Régler chaque problème vous-même pendant que la classe attend",
        "Demander aux élèves bloqués de rentrer chez eux",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une séance utilisant des stations de travail (dont une numérique).",
        "Présenter l'objectif et le fonctionnement des stations",
        "Former les groupes et lancer la première rotation",
        "Faire tourner les groupes entre les stations",
        "Faire une mise en commun des apprentissages",
    ),
    multiple(
        "B2",
        "Selon le modèle SAMR, quels usages relèvent de la « modification » ou de la « redéfinition » d'une tâche ?",
        (
            "Des élèves coécrivent un texte en ligne et le commentent entre eux en temps réel",
            "Des élèves réalisent un reportage diffusé à un public extérieur à la classe",
        ),
        (
            "Des élèves tapent à l'ordinateur un texte écrit au préalable sur papier",
            "Des élèves lisent un texte en PDF au lieu du papier",
        ),
    ),
    single(
        "B2",
        "Vous constatez qu'un outil interactif captive les élèves sans améliorer leurs apprentissages. Que faites-vous ?",
        "Revoir la tâche demandée pour que l'outil serve l'activité cognitive visée, ou en changer",
        "Garder l'outil puisqu'il motive",
        "Augmenter le temps passé sur l'outil",
        "Ajouter des récompenses dans l'outil",
    ),
    numeric(
        "B2",
        "Une séance de 50 minutes comprend 3 rotations de 12 minutes et 2 transitions de 2 minutes. Combien de minutes restent pour l'introduction et la synthèse ?",
        "10",
        "0",
        "minutes",
    ),
    single(
        "C1",
        "Vous voulez aider vos collègues à passer d'usages ponctuels à une intégration cohérente du numérique. Quelle approche est la plus pertinente ?",
        "Coconstruire avec eux des scénarios pédagogiques où le numérique répond à un besoin identifié, les tester et les documenter",
        "Distribuer une liste d'outils recommandés",
        "Imposer un quota d'heures de cours avec le numérique",
        "Organiser une démonstration des nouveaux équipements",
    ),
    multiple(
        "C1",
        "Vous concevez un cours hybride (présence et distance). Quels principes appliquer ?",
        (
            "Articuler clairement ce qui se fait en présence et à distance",
            "Prévoir des moments de suivi pendant les phases à distance",
            "Réserver la présence aux activités qui profitent le plus de l'interaction",
        ),
        ("Reproduire à distance exactement le cours magistral",),
    ),
    single(
        "C2",
        "Vous souhaitez tester un dispositif d'enseignement très nouveau (réalité virtuelle en sciences). Quelle démarche est la plus rigoureuse ?",
        "Le piloter à petite échelle avec des objectifs et des indicateurs définis, comparer avec une approche habituelle et partager les résultats, positifs ou non",
        "Le généraliser à toutes les classes dès la rentrée",
        "L'utiliser uniquement lors des journées portes ouvertes",
        "Attendre que d'autres écoles l'aient adopté",
    ),
]

ITEMS["3.2"] = [
    single(
        "A1",
        "Un élève absent une semaine vous demande comment rattraper. Quelle réponse numérique est la plus utile ?",
        "Lui indiquer dans la plateforme de l'école les documents et tâches de la semaine, avec les priorités",
        "Lui dire de demander les cahiers à un camarade",
        "Lui envoyer toutes les photos du tableau sans explication",
        "Lui dire qu'il verra à son retour",
    ),
    single(
        "A1",
        "Quel est l'intérêt d'un forum de questions sur la plateforme du cours ?",
        "Les élèves posent leurs questions et profitent des réponses données aux autres",
        "Remplacer toutes les explications en classe",
        "Noter la participation de chaque élève",
        "Publier les résultats des évaluations",
    ),
    single(
        "A2",
        "Vous fixez des règles pour les questions des élèves par la messagerie de l'école. Quelle règle est raisonnable ?",
        "Annoncer vos plages de réponse (par exemple en semaine avant 18 h) et un délai de réponse",
        "Répondre à toute heure pour montrer votre disponibilité",
        "Ne jamais répondre aux messages",
        "Répondre seulement aux meilleurs élèves",
    ),
    multiple(
        "A2",
        "Quelles pratiques permettent de guider les élèves pendant un travail à distance ?",
        (
            "Publier des consignes claires avec un calendrier",
            "Prévoir un moment de questions en visioconférence",
        ),
        (
            "Envoyer le travail sans échéance ni consigne",
            "Vérifier uniquement le résultat final",
        ),
    ),
    numeric(
        "A2",
        "Vous prévoyez un rendez-vous de suivi en ligne de 10 minutes pour chacun de vos 18 élèves. Combien d'heures cela représente-t-il au total ?",
        "3",
        "0",
        "heures",
    ),
    single(
        "B1",
        "Les traces de la plateforme montrent qu'une élève ne s'est pas connectée depuis deux semaines. Quelle réaction est adaptée ?",
        "La contacter de façon bienveillante pour comprendre la situation et lui proposer un plan de reprise",
        "Lui mettre zéro à toutes les activités",
        "Signaler son absence à toute la classe",
        "Attendre qu'elle se manifeste",
    ),
    single(
        "B1",
        "Pendant un exercice en ligne, vous voyez en direct les réponses des élèves. Comment en tirer parti ?",
        "Repérer les erreurs fréquentes et intervenir auprès des élèves concernés pendant l'activité",
        "Attendre la fin pour corriger toutes les copies",
        "Afficher au tableau les erreurs de chaque élève avec son nom",
        "Empêcher les élèves de continuer en cas d'erreur",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre l'organisation d'une permanence en ligne pour aider les élèves avant un examen.",
        "Annoncer la date et l'objet de la permanence",
        "Recueillir à l'avance les questions dans un formulaire",
        "Animer la permanence en traitant les questions regroupées",
        "Publier une synthèse des réponses pour tous",
    ),
    multiple(
        "B2",
        "Vous accompagnez à distance des élèves en stage. Quels dispositifs numériques favorisent un suivi de qualité ?",
        (
            "Un carnet de bord en ligne que vous commentez",
            "Des points réguliers en visioconférence",
            "Un espace de questions entre stagiaires",
        ),
        ("Un courriel unique en fin de stage",),
    ),
    single(
        "B2",
        "Un élève vous écrit tard le soir qu'il se sent dépassé et angoissé. Que faites-vous ?",
        "Lui répondre avec bienveillance, l'orienter vers les personnes-ressources (centre PMS, éducateur, direction) et en informer selon les procédures de l'école",
        "Ignorer le message car il est hors horaire",
        "Lui conseiller de travailler davantage",
        "Partager son message avec la classe pour qu'on le soutienne",
    ),
    numeric(
        "B2",
        "Sur 120 questions posées dans le forum du cours, 90 ont reçu une réponse d'élèves avant la vôtre. Quel pourcentage cela représente-t-il ?",
        "75",
        "0.5",
        "%",
    ),
    single(
        "C1",
        "Votre école veut améliorer l'accompagnement des élèves en difficulté grâce au numérique. Quelle proposition est la plus solide ?",
        "Mettre en place un suivi partagé entre enseignant·es (indicateurs simples, alertes, plan d'aide) avec des règles claires de confidentialité",
        "Donner à chaque élève un accès illimité à des vidéos en ligne",
        "Envoyer automatiquement les notes aux parents chaque jour",
        "Confier le suivi à une application sans intervention humaine",
    ),
    multiple(
        "C1",
        "Vous formez des élèves de dernière année au tutorat en ligne de plus jeunes. Quels points préparer ?",
        (
            "Le rôle du tuteur et les limites de ce qu'il doit faire",
            "Des règles de communication respectueuse",
            "Un moyen de vous signaler une difficulté",
        ),
        ("L'accès aux notes des élèves tutorés",),
    ),
    single(
        "C2",
        "Un outil d'IA propose de répondre automatiquement aux questions des élèves sur votre cours. Quelle position est la plus défendable ?",
        "L'expérimenter dans un cadre limité, en contrôlant la justesse des réponses, en informant les élèves de ses limites et en gardant un accompagnement humain",
        "Le déployer immédiatement pour libérer votre temps",
        "L'interdire par principe sans l'examiner",
        "Le laisser choisir par les élèves eux-mêmes",
    ),
]

ITEMS["3.3"] = [
    single(
        "A1",
        "Quel outil permet à un groupe d'élèves d'écrire un texte ensemble en même temps ?",
        "Un traitement de texte en ligne partagé",
        "Une calculatrice",
        "Un lecteur de PDF",
        "Un logiciel de retouche photo",
    ),
    single(
        "A1",
        "Sur un mur collaboratif en ligne, que peuvent faire les élèves ?",
        "Déposer des idées, des images ou des liens visibles par le groupe",
        "Corriger automatiquement leurs fautes d'orthographe",
        "Consulter les notes de toute la classe",
        "Installer des logiciels sur l'ordinateur de l'école",
    ),
    single(
        "A2",
        "Dans un travail de groupe en ligne, comment savoir qui a contribué à quoi ?",
        "Consulter l'historique des versions ou les contributions signées dans l'outil",
        "Demander au groupe de désigner le meilleur élément",
        "Se fier à l'élève qui rend le travail",
        "C'est impossible avec un outil numérique",
    ),
    multiple(
        "A2",
        "Quelles consignes favorisent une vraie collaboration dans un document partagé ?",
        (
            "Attribuer un rôle à chaque élève",
            "Demander de commenter la partie d'un camarade",
        ),
        (
            "Laisser un élève tout rédiger pour aller plus vite",
            "Interdire les commentaires",
        ),
    ),
    numeric(
        "A2",
        "Vous formez des groupes de 4 dans une classe de 26 élèves. Combien de groupes de 4 pouvez-vous former au maximum ?",
        "6",
        "0",
        "groupes",
    ),
    single(
        "B1",
        "Un groupe se plaint qu'un membre ne participe pas au projet en ligne. Quelle réponse est la plus constructive ?",
        "Examiner avec le groupe les contributions visibles dans l'outil, reclarifier les rôles et fixer un point d'étape",
        "Retirer l'élève du groupe immédiatement",
        "Donner la même note à tous sans discuter",
        "Demander au groupe de faire le travail à sa place",
    ),
    single(
        "B1",
        "Vous voulez faire débattre la classe en ligne sur une question d'actualité. Quelle préparation est essentielle ?",
        "Fixer des règles de respect, une question précise et un rôle de modération",
        "Ouvrir un fil sans consigne pour laisser la discussion libre",
        "Utiliser un réseau social public",
        "Autoriser les messages anonymes sans modération",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre les étapes d'un projet collaboratif en ligne.",
        "Présenter la tâche, les rôles et les critères d'évaluation",
        "Former les groupes et créer les espaces partagés",
        "Laisser les groupes produire en suivant leur avancement",
        "Organiser une relecture entre groupes",
        "Présenter les productions et évaluer",
    ),
    multiple(
        "B2",
        "Comment évaluer équitablement un travail collaboratif réalisé en ligne ?",
        (
            "Combiner une note de groupe et une part individuelle",
            "S'appuyer sur les traces de contribution de l'outil",
            "Prévoir une auto-évaluation et une évaluation par les pairs",
        ),
        ("Donner la note du groupe uniquement à l'élève qui a rendu le travail",),
    ),
    single(
        "B2",
        "Deux classes de deux écoles différentes veulent collaborer sur un projet. Quel choix d'outil est le plus judicieux ?",
        "Un espace commun sécurisé, accessible avec les comptes scolaires, dont les règles d'accès sont validées par les deux écoles",
        "Un groupe sur une messagerie grand public avec les numéros des élèves",
        "Un document public accessible par lien",
        "Des échanges par courriels personnels des élèves",
    ),
    numeric(
        "B2",
        "Dans un wiki de classe, 5 groupes ont rédigé chacun 3 pages, puis chaque page a été relue par 2 autres groupes. Combien de relectures ont eu lieu ?",
        "30",
        "0",
        "relectures",
    ),
    single(
        "C1",
        "Vous concevez une activité de construction collective de connaissances. Quel dispositif va au-delà de la simple juxtaposition de contributions ?",
        "Un wiki où les élèves doivent confronter, relier et réviser les contributions des autres, avec une synthèse argumentée",
        "Un dossier où chaque élève dépose son exposé",
        "Un questionnaire individuel en ligne",
        "Un diaporama dont chaque élève réalise une diapositive sans lien avec les autres",
    ),
    multiple(
        "C1",
        "Quels rôles pouvez-vous confier aux élèves pour structurer une discussion en ligne ?",
        (
            "Modérateur ou modératrice",
            "Synthétiseur ou synthétiseuse",
            "Vérificateur ou vérificatrice des sources",
        ),
        ("Correcteur ou correctrice des notes de la classe",),
    ),
    single(
        "C2",
        "Vous voulez développer une collaboration entre élèves à l'échelle de plusieurs pays. Quel scénario est le plus abouti ?",
        "Une enquête commune où les classes collectent des données locales, les comparent et coproduisent une publication ouverte, avec un dispositif d'échange interculturel",
        "Un échange de cartes postales numériques",
        "Une visioconférence unique de présentation",
        "Un concours de la meilleure présentation par classe",
    ),
]

ITEMS["3.4"] = [
    single(
        "A1",
        "Quel outil aide un élève à suivre lui-même ses progrès ?",
        "Un tableau de bord ou une liste de compétences qu'il coche au fil des activités",
        "Le bulletin de fin d'année uniquement",
        "Un jeu vidéo sans lien avec le cours",
        "Le carnet de notes de l'enseignant·e, non consultable",
    ),
    single(
        "A1",
        "Un élève veut réviser de façon autonome. Quelle ressource numérique est la plus adaptée ?",
        "Des exercices en ligne avec correction et explications",
        "Un diaporama sans texte",
        "Une vidéo divertissante sans rapport avec le cours",
        "Un forum sans modération",
    ),
    single(
        "A2",
        "Qu'est-ce qu'un portfolio numérique d'élève ?",
        "Un espace où l'élève rassemble ses productions et réfléchit à ses apprentissages",
        "Un dossier administratif géré par le secrétariat",
        "Un logiciel de calcul de moyenne",
        "Un réseau social de l'école",
    ),
    multiple(
        "A2",
        "Quelles fonctions d'une plateforme aident un élève à planifier son travail ?",
        ("Un calendrier des échéances", "Une liste des tâches à faire"),
        (
            "Un classement public des élèves",
            "Un chronomètre qui bloque l'accès après 5 minutes",
        ),
    ),
    numeric(
        "A2",
        "Un élève planifie 15 minutes de révision par jour pendant 12 jours. Combien d'heures cela fait-il ?",
        "3",
        "0",
        "heures",
    ),
    single(
        "B1",
        "Vous souhaitez que les élèves se fixent des objectifs pour un projet. Quel outil numérique soutient cette démarche ?",
        "Un formulaire où chacun note ses objectifs, puis revient les compléter à mi-parcours et à la fin",
        "Une feuille de calcul de notes à remplir par l'enseignant·e",
        "Une vidéo de présentation du projet",
        "Un questionnaire à choix multiple sur la matière",
    ),
    single(
        "B1",
        "Après un test en ligne, quel réglage favorise l'autorégulation ?",
        "Permettre à l'élève de revoir ses erreurs avec des pistes de remédiation",
        "Afficher seulement le score",
        "Masquer le test après la première tentative",
        "Comparer le score avec celui de toute la classe",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre les phases d'un apprentissage autorégulé soutenu par un carnet de bord numérique.",
        "Se fixer un objectif et planifier",
        "Réaliser les activités en notant ses stratégies",
        "Comparer le résultat à l'objectif",
        "Ajuster ses stratégies pour la suite",
    ),
    multiple(
        "B2",
        "Quels éléments d'un parcours en ligne favorisent l'autonomie des élèves ?",
        (
            "Des objectifs explicites au début de chaque module",
            "Des auto-évaluations avec retour immédiat",
            "Des choix entre plusieurs activités pour atteindre un même objectif",
        ),
        ("Une progression entièrement bloquée sans explication",),
    ),
    single(
        "B2",
        "Un élève passe beaucoup de temps sur la plateforme mais ses résultats ne progressent pas. Comment l'aider à s'autoréguler ?",
        "Analyser avec lui ses traces et ses stratégies (relecture passive, exercices trop faciles) et l'aider à choisir des stratégies plus efficaces",
        "Lui demander de passer encore plus de temps sur la plateforme",
        "Lui retirer l'accès à la plateforme",
        "Lui conseiller de copier les réponses d'un camarade",
    ),
    numeric(
        "B2",
        "Un élève s'est fixé 80 % de réussite. Il a réussi 34 questions sur 40. Combien de points de pourcentage dépasse-t-il son objectif ?",
        "5",
        "0",
        "points",
    ),
    single(
        "C1",
        "Vous mettez en place des portfolios numériques dans toute l'école. Quelle condition est décisive pour qu'ils soutiennent l'autorégulation ?",
        "Prévoir des moments réguliers de réflexion guidée où l'élève sélectionne et commente ses traces, pas seulement de l'archivage",
        "Imposer un nombre minimum de fichiers déposés",
        "Choisir l'outil avec le plus de fonctions",
        "Les rendre visibles de tous les élèves de l'école",
    ),
    multiple(
        "C1",
        "Quelles questions de métacognition pouvez-vous intégrer à la fin d'un module en ligne ?",
        (
            "Qu'as-tu trouvé le plus difficile et pourquoi ?",
            "Quelle stratégie as-tu utilisée et l'utiliserais-tu encore ?",
            "Que vas-tu faire pour progresser ?",
        ),
        ("Quelle note penses-tu mériter par rapport à tes camarades ?",),
    ),
    single(
        "C2",
        "Une plateforme adaptative choisit automatiquement les exercices de chaque élève. Quel risque pour l'autorégulation devez-vous anticiper ?",
        "L'élève peut déléguer entièrement ses choix à l'algorithme : il faut lui rendre visibles les raisons des propositions et lui laisser des choix",
        "Aucun, l'algorithme connaît mieux l'élève que lui-même",
        "Le seul risque est le coût de la licence",
        "L'élève risque de faire trop d'exercices",
    ),
]

ITEMS["4.1"] = [
    single(
        "A1",
        "Quel est l'intérêt principal d'un quiz en ligne rapide en début de leçon ?",
        "Vérifier ce que les élèves savent déjà pour adapter la leçon",
        "Attribuer une note pour le bulletin",
        "Occuper les élèves pendant que vous préparez le matériel",
        "Classer les élèves du meilleur au moins bon",
    ),
    single(
        "A1",
        "Qu'est-ce qu'une évaluation formative ?",
        "Une évaluation qui sert à guider l'apprentissage, sans viser d'abord la note",
        "Un examen de fin d'année",
        "Une évaluation réservée aux élèves en difficulté",
        "Un test standardisé externe",
    ),
    single(
        "A2",
        "Vous créez un quiz en ligne. Quel type de question permet de vérifier la compréhension d'un raisonnement plutôt que la mémoire ?",
        "Une question qui demande d'appliquer la notion à une situation nouvelle",
        "Une question qui demande de recopier une définition",
        "Une question vrai/faux sur une date",
        "Une question dont la réponse figure dans l'énoncé",
    ),
    multiple(
        "A2",
        "Quels formats d'évaluation le numérique permet-il de diversifier ?",
        (
            "Un enregistrement audio pour évaluer l'expression orale",
            "Une carte mentale numérique pour évaluer l'organisation des idées",
        ),
        (
            "Une copie manuscrite scannée à l'identique",
            "Une interrogation orale devant la classe",
        ),
    ),
    numeric(
        "A2",
        "Un quiz comporte 15 questions d'une minute et demie chacune. Combien de minutes faut-il prévoir au minimum ?",
        "22.5",
        "0",
        "minutes",
    ),
    single(
        "B1",
        "Vous utilisez des boîtiers de vote ou une application de réponse en classe. Quelle utilisation est la plus formative ?",
        "Poser une question, observer la répartition des réponses, faire discuter les élèves en binôme puis revoter",
        "Noter chaque réponse dans le bulletin",
        "Afficher le nom des élèves qui se sont trompés",
        "Ne poser que des questions très faciles pour motiver",
    ),
    single(
        "B1",
        "Vous préparez un test en ligne certificatif. Quelle mesure limite la fraude tout en restant équitable ?",
        "Tirer les questions dans une banque de questions équivalentes et mélanger l'ordre des propositions",
        "Réduire la durée à 2 minutes",
        "Interdire le retour à une question précédente sans prévenir",
        "Surveiller les élèves par webcam à leur domicile sans cadre",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre la conception d'une évaluation en ligne.",
        "Définir les compétences et critères à évaluer",
        "Choisir le format d'évaluation adapté",
        "Rédiger les questions et les réponses attendues",
        "Tester l'évaluation sur un petit groupe ou un·e collègue",
        "Administrer l'évaluation et analyser les résultats",
    ),
    multiple(
        "B2",
        "Vous évaluez un projet vidéo d'élèves. Quels outils numériques soutiennent une évaluation valide ?",
        (
            "Une grille critériée partagée avec les élèves avant le projet",
            "Des commentaires horodatés sur la vidéo",
            "Une autoévaluation des élèves avec la même grille",
        ),
        ("Une note globale attribuée à l'impression",),
    ),
    single(
        "B2",
        "Un outil de détection de plagiat signale 35 % de similitude dans un travail. Que faites-vous ?",
        "Examiner les passages signalés (citations correctement référencées, expressions courantes) avant toute conclusion et en parler avec l'élève",
        "Attribuer automatiquement zéro",
        "Ignorer le rapport",
        "Transmettre le rapport aux parents sans lecture",
    ),
    numeric(
        "B2",
        "Une évaluation compte 40 points : 24 pour la partie en ligne et le reste pour l'oral. Quel pourcentage de la note représente l'oral ?",
        "40",
        "0.5",
        "%",
    ),
    single(
        "C1",
        "Votre équipe veut harmoniser l'évaluation des compétences numériques des élèves d'une année. Quelle démarche est la plus solide ?",
        "Construire ensemble des tâches et une grille communes, corriger en double quelques copies pour aligner les jugements, puis ajuster",
        "Adopter le premier test trouvé en ligne",
        "Laisser chaque enseignant·e évaluer comme il ou elle l'entend",
        "Évaluer uniquement par un QCM automatique",
    ),
    multiple(
        "C1",
        "Vous introduisez une évaluation par les pairs en ligne. Quelles conditions améliorent sa fiabilité ?",
        (
            "Des critères précis et des exemples commentés",
            "Plusieurs évaluateurs ou évaluatrices par production",
            "Un contrôle de l'enseignant·e sur un échantillon",
        ),
        ("Des évaluations anonymes sans critère",),
    ),
    single(
        "C2",
        "Face aux outils d'IA générative, votre école repense l'évaluation des travaux écrits. Quelle orientation est la plus pertinente ?",
        "Faire évoluer les tâches vers des productions situées, accompagnées du processus (brouillons, oraux, réflexion), et expliciter les usages permis de l'IA",
        "Interdire tous les travaux à domicile",
        "Se fier à un détecteur d'IA pour sanctionner",
        "Ne rien changer",
    ),
]

ITEMS["4.2"] = [
    single(
        "A1",
        "Une plateforme affiche le taux de réussite de chaque question d'un quiz. À quoi cela vous sert-il ?",
        "Repérer les notions que la classe n'a pas comprises",
        "Classer les élèves",
        "Savoir quel élève a triché",
        "Calculer la moyenne de l'école",
    ),
    single(
        "A1",
        "Qu'appelle-t-on des « traces d'apprentissage » dans un environnement numérique ?",
        "Les données laissées par les élèves (réponses, temps, productions, connexions)",
        "Les cookies publicitaires",
        "Les fichiers temporaires de l'ordinateur",
        "Les mots de passe des élèves",
    ),
    numeric(
        "A1",
        "À une question d'un quiz, 12 élèves sur 16 ont répondu correctement. Quel est le taux de réussite de cette question ?",
        "75",
        "0.5",
        "%",
        family="demo-taux-reussite",
    ),
    multiple(
        "A2",
        "Quelles informations d'un quiz en ligne vous aident à préparer la remédiation ?",
        ("Les questions les plus échouées", "Les mauvaises réponses les plus choisies"),
        ("L'heure de connexion des élèves", "La marque de l'appareil utilisé"),
    ),
    numeric(
        "A2",
        "Cinq élèves ont obtenu 8, 12, 14, 15 et 16 sur 20. Quelle est la médiane des notes ?",
        "14",
        "0",
        "sur 20",
    ),
    single(
        "B1",
        "Les résultats d'un quiz montrent que 80 % des élèves ont choisi la même mauvaise réponse à une question. Quelle hypothèse examiner en premier ?",
        "Une conception erronée partagée ou une question ambiguë",
        "Une tricherie collective",
        "Un problème de connexion",
        "Un manque de motivation",
    ),
    single(
        "B1",
        "Un élève a terminé en 2 minutes un exercice prévu pour 20 minutes, avec toutes les réponses justes. Quelle interprétation est la plus prudente ?",
        "Plusieurs explications sont possibles (maîtrise, aide extérieure, exercice trop facile) : il faut d'autres indices avant de conclure",
        "Il a forcément triché",
        "L'exercice est forcément trop facile pour toute la classe",
        "Le chronométrage de la plateforme est forcément faux",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une démarche d'analyse des résultats d'un test en ligne.",
        "Exporter les résultats par question",
        "Repérer les questions à faible taux de réussite",
        "Examiner les réponses erronées fréquentes",
        "Décider des actions de remédiation",
    ),
    multiple(
        "B2",
        "Vous présentez des données de progression à un conseil de classe. Quelles précautions prendre ?",
        (
            "Rappeler les limites des données (ce qu'elles ne mesurent pas)",
            "Croiser avec d'autres observations",
            "Ne partager que les données nécessaires à la décision",
        ),
        ("Présenter le temps de connexion comme une mesure de l'effort",),
    ),
    single(
        "B2",
        "Une question de quiz est réussie autant par les élèves les plus faibles que par les plus forts du groupe. Que pouvez-vous en conclure ?",
        "La question discrimine mal : elle renseigne peu sur la maîtrise et doit être revue",
        "La question est parfaite",
        "Les élèves forts ont mal compris la consigne",
        "Il faut la compter double",
    ),
    numeric(
        "B2",
        "Une classe a obtenu une moyenne de 11,2 sur 20 au premier test et 13,0 au second. Quelle est la progression en pour cent par rapport au premier test (arrondie à l'unité) ?",
        "16",
        "0.5",
        "%",
    ),
    single(
        "C1",
        "Un tableau de bord d'apprentissage classe automatiquement des élèves « à risque ». Quelle attitude est la plus professionnelle ?",
        "Utiliser l'alerte comme point de départ d'un dialogue, vérifier les critères de l'algorithme et éviter d'étiqueter les élèves",
        "Informer les parents des élèves classés à risque",
        "Ignorer l'outil",
        "Réduire les exigences pour ces élèves",
    ),
    multiple(
        "C1",
        "Quels biais peuvent fausser l'interprétation des traces numériques d'une classe ?",
        (
            "Des élèves travaillent sur papier et laissent peu de traces",
            "Un accès inégal au numérique à la maison",
            "Des indicateurs mesurant l'activité plutôt que l'apprentissage",
        ),
        ("Le choix de la police de caractères de la plateforme",),
    ),
    numeric(
        "C2",
        "Sur 200 élèves, un outil signale 40 élèves « à risque ». Parmi eux, 24 décrochent vraiment ; au total 30 élèves décrochent. Quelle part des décrocheurs l'outil a-t-il repérés (en %) ?",
        "80",
        "0.5",
        "%",
    ),
]

ITEMS["4.3"] = [
    single(
        "A1",
        "Quel est l'avantage d'un quiz en ligne avec correction immédiate ?",
        "L'élève sait tout de suite s'il a compris et peut corriger son erreur",
        "L'enseignant·e n'a plus besoin d'expliquer",
        "Les élèves ne peuvent plus se tromper",
        "La note compte automatiquement dans le bulletin",
    ),
    single(
        "A1",
        "Quelle rétroaction écrite dans un document partagé est la plus utile à un élève ?",
        "« Ton introduction présente bien le sujet ; ajoute un exemple précis pour appuyer ton deuxième argument. »",
        "« Bien. »",
        "« À revoir. »",
        "« 12/20 »",
    ),
    single(
        "A2",
        "Vous commentez les productions d'élèves dans la plateforme. Quelle pratique est recommandée ?",
        "Des commentaires ciblés sur 2 ou 3 points à améliorer, avec une piste concrète",
        "Corriger toutes les fautes sans explication",
        "Un commentaire identique pour tous",
        "Aucun commentaire, seulement la note",
    ),
    multiple(
        "A2",
        "Quels outils numériques permettent de donner une rétroaction orale ?",
        (
            "Un commentaire audio dans la plateforme",
            "Une courte capsule vidéo de correction commune",
        ),
        ("Une note chiffrée", "Une case à cocher « vu »"),
    ),
    numeric(
        "A2",
        "Vous enregistrez un commentaire audio de 2 minutes pour chacun de vos 21 élèves. Combien de minutes d'enregistrement cela représente-t-il ?",
        "42",
        "0",
        "minutes",
    ),
    single(
        "B1",
        "Après un quiz, la plateforme montre que la moitié de la classe confond deux notions. Que faites-vous ?",
        "Prévoir une courte reprise ciblée de ces notions, puis une nouvelle vérification",
        "Passer à la suite du programme comme prévu",
        "Recommencer tout le chapitre",
        "Donner le même quiz jusqu'à ce que tous réussissent",
    ),
    single(
        "B1",
        "Comment présenter aux parents les résultats d'un élève issus d'une plateforme d'exercices ?",
        "Expliquer ce que mesurent les résultats, les points forts et les pistes de progrès, dans un langage clair",
        "Envoyer l'export brut des données",
        "Ne communiquer que la moyenne",
        "Comparer l'élève au reste de la classe",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une boucle de rétroaction soutenue par le numérique.",
        "Recueillir les réponses des élèves avec un outil en ligne",
        "Analyser les erreurs principales",
        "Donner une rétroaction ciblée",
        "Proposer une nouvelle tâche pour appliquer la rétroaction",
    ),
    multiple(
        "B2",
        "Vous utilisez des banques de commentaires pour corriger plus vite. Quelles pratiques gardent une rétroaction de qualité ?",
        (
            "Personnaliser chaque commentaire avec un élément propre à la copie",
            "Relier les commentaires aux critères de la grille",
        ),
        (
            "Coller les mêmes commentaires à toutes les copies",
            "Remplacer les commentaires par des émojis",
        ),
    ),
    single(
        "B2",
        "La rétroaction que vous donnez en ligne n'est presque jamais consultée. Quelle solution est la plus efficace ?",
        "Prévoir un temps en classe où les élèves lisent la rétroaction et l'appliquent à une révision",
        "Écrire des commentaires plus longs",
        "Envoyer les commentaires aux parents",
        "Arrêter de commenter",
    ),
    numeric(
        "B2",
        "Après la remédiation, le taux de réussite à une question passe de 45 % à 72 %. De combien de points de pourcentage a-t-il augmenté ?",
        "27",
        "0",
        "points",
    ),
    single(
        "C1",
        "Vous souhaitez aider les élèves à utiliser eux-mêmes les données de leurs tests pour planifier leurs révisions. Quel dispositif est adapté ?",
        "Un tableau de bord lisible par l'élève, accompagné d'un moment guidé où il en tire un plan de révision",
        "Un envoi automatique des scores chaque semaine",
        "Un classement de la classe affiché en ligne",
        "Un accès aux données brutes de la plateforme",
    ),
    multiple(
        "C1",
        "Quelles caractéristiques rendent une rétroaction efficace ?",
        (
            "Elle arrive pendant que la tâche est encore utile",
            "Elle porte sur la tâche et la démarche, pas sur la personne",
            "Elle indique comment progresser",
        ),
        ("Elle compare l'élève aux autres",),
    ),
    single(
        "C2",
        "Votre école souhaite utiliser les données de plusieurs plateformes pour ajuster ses dispositifs de remédiation. Quelle condition est la plus importante ?",
        "Un cadre clair sur les données utilisées, leur finalité et leur accès, et une analyse conjointe par les équipes pour décider d'actions évaluées ensuite",
        "Centraliser toutes les données possibles sans finalité définie",
        "Confier la décision à l'algorithme qui agrège les données",
        "Publier les résultats par classe sur le site de l'école",
    ),
]

ITEMS["5.1"] = [
    single(
        "A1",
        "Vous insérez une image informative dans un document numérique. Que faut-il ajouter pour les élèves qui utilisent un lecteur d'écran ?",
        "Un texte alternatif qui décrit ce que l'image apporte",
        "Une bordure colorée",
        "Un titre en gras au-dessus de l'image",
        "Rien, le lecteur d'écran décrit l'image tout seul",
    ),
    single(
        "A1",
        "Pourquoi ajouter des sous-titres à une vidéo utilisée en classe ?",
        "Pour la rendre accessible aux élèves sourds ou malentendants et aider ceux qui la regardent sans son",
        "Pour allonger la vidéo",
        "Pour empêcher son téléchargement",
        "Pour améliorer la qualité de l'image",
    ),
    single(
        "A2",
        "Dans un document, comment signaler une information importante de manière accessible ?",
        "Par un texte explicite (par exemple « Attention : ») et une mise en forme, pas uniquement par la couleur",
        "Uniquement en rouge",
        "Par une police très petite en bas de page",
        "Par une image du texte",
    ),
    multiple(
        "A2",
        "Quelles pratiques rendent un document texte plus accessible ?",
        (
            "Utiliser les styles de titres du traitement de texte",
            "Donner aux liens un intitulé explicite",
        ),
        (
            "Écrire les titres en gras et en grande taille sans style",
            "Écrire les liens sous la forme « cliquez ici »",
        ),
    ),
    numeric(
        "A2",
        "Les règles d'accessibilité (WCAG, niveau AA) demandent un rapport de contraste d'au moins combien pour du texte de taille normale ? (répondez par le nombre x du rapport « x : 1 »)",
        "4.5",
        "0",
        "",
    ),
    single(
        "B1",
        "Un élève dyslexique éprouve des difficultés à lire les longues consignes en ligne. Quel aménagement numérique est pertinent ?",
        "Proposer la synthèse vocale et des consignes découpées en étapes courtes",
        "Lui donner moins d'exercices sans explication",
        "Écrire les consignes en majuscules",
        "L'exclure des activités en ligne",
    ),
    single(
        "B1",
        "Vous partagez un PDF scanné d'un texte. Pourquoi pose-t-il un problème d'accessibilité ?",
        "C'est une image : le texte ne peut pas être lu par un lecteur d'écran ni agrandi proprement sans reconnaissance de caractères",
        "Les PDF sont interdits dans l'enseignement",
        "Il est trop léger",
        "Il ne peut pas être imprimé",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une vérification de l'accessibilité d'un document avant de le publier.",
        "Structurer le document avec des titres",
        "Ajouter les textes alternatifs aux images",
        "Vérifier les contrastes et les intitulés des liens",
        "Lancer le vérificateur d'accessibilité du logiciel et corriger",
    ),
    multiple(
        "B2",
        "Une élève malvoyante rejoint votre classe. Quelles adaptations numériques pouvez-vous prévoir ?",
        (
            "Des documents numériques structurés compatibles avec l'agrandissement et la synthèse vocale",
            "Des descriptions des schémas et images",
            "Une concertation avec l'élève et les services d'accompagnement sur ses besoins",
        ),
        ("Des documents uniquement sous forme d'images scannées",),
    ),
    single(
        "B2",
        "Certains élèves n'ont pas d'ordinateur ni de connexion stable à la maison. Comment organiser les devoirs en ligne ?",
        "Prévoir un accès à l'école (local informatique, prêt de matériel) et des alternatives hors ligne, sans pénaliser ces élèves",
        "Donner les devoirs uniquement en ligne, c'est la règle",
        "Dispenser ces élèves de devoirs",
        "Leur demander d'aller dans un lieu public avec wifi",
    ),
    numeric(
        "B2",
        "Un texte gris clair sur fond blanc a un rapport de contraste de 2,8 : 1. De combien ce rapport est-il inférieur au minimum AA de 4,5 : 1 pour du texte normal ?",
        "1.7",
        "0",
        "",
    ),
    single(
        "C1",
        "Votre école choisit une nouvelle plateforme d'apprentissage. Quelle exigence d'accessibilité inscrire dans le cahier des charges ?",
        "La conformité aux critères WCAG (niveau AA) vérifiée par un test, y compris la navigation au clavier et avec lecteur d'écran",
        "Une interface colorée",
        "La présence d'une application mobile",
        "La possibilité d'imprimer les pages",
    ),
    multiple(
        "C1",
        "Quelles idées reçues sur l'accessibilité numérique faut-il corriger auprès des collègues ?",
        (
            "« L'accessibilité ne concerne que les élèves aveugles »",
            "« Un document accessible doit être moins riche »",
            "« On s'en occupera quand un élève en aura besoin »",
        ),
        ("« Les sous-titres profitent aussi aux élèves qui apprennent le français »",),
    ),
    single(
        "C2",
        "Vous pilotez la politique d'accessibilité numérique d'un réseau d'écoles. Quelle approche est la plus durable ?",
        "Intégrer l'accessibilité dès la conception (conception universelle), former les équipes, auditer régulièrement et associer des élèves concernés",
        "Corriger les documents au cas par cas à la demande",
        "Confier l'accessibilité à un seul référent",
        "Acheter un outil qui corrige automatiquement tous les documents",
    ),
]

ITEMS["5.2"] = [
    single(
        "A1",
        "Qu'est-ce que la différenciation pédagogique avec le numérique ?",
        "Adapter les activités, le rythme ou le soutien aux besoins des élèves grâce aux outils numériques",
        "Donner un ordinateur différent à chaque élève",
        "Utiliser un logiciel différent à chaque cours",
        "Laisser chaque élève choisir s'il fait ou non le travail",
    ),
    single(
        "A1",
        "Un élève a terminé l'exercice en ligne bien avant les autres. Quelle proposition est adaptée ?",
        "Une activité d'approfondissement préparée à l'avance sur la même notion",
        "Le laisser jouer sur la tablette",
        "Lui faire refaire le même exercice",
        "Lui demander d'attendre en silence",
    ),
    single(
        "A2",
        "Une plateforme d'exercices propose plusieurs niveaux de difficulté. Comment l'utiliser pour différencier ?",
        "Orienter chaque élève vers le niveau adapté à ses besoins, en ajustant au fil des résultats",
        "Faire commencer tout le monde au niveau le plus difficile",
        "Attribuer le niveau selon l'ordre alphabétique",
        "Laisser le même niveau à chacun toute l'année",
    ),
    multiple(
        "A2",
        "Quels supports numériques permettent de varier les façons d'accéder à un même contenu ?",
        (
            "Une vidéo sous-titrée",
            "Un texte avec synthèse vocale",
            "Un schéma interactif",
        ),
        ("Une seule page de texte imprimée pour tous",),
    ),
    numeric(
        "A2",
        "Vous répartissez 27 élèves en 3 groupes de besoin de même taille sur la plateforme. Combien d'élèves par groupe ?",
        "9",
        "0",
        "élèves",
    ),
    single(
        "B1",
        "Vous préparez un plan de travail numérique. Quelle caractéristique favorise la personnalisation ?",
        "Des tâches obligatoires et des tâches au choix, avec des ressources d'aide accessibles selon les besoins",
        "Les mêmes tâches, dans le même ordre, pour tous",
        "Uniquement des tâches facultatives",
        "Une seule tâche longue notée",
    ),
    single(
        "B1",
        "Un test diagnostique en ligne révèle trois profils dans la classe. Que faites-vous ?",
        "Proposer des parcours distincts pour chaque profil, puis réévaluer pour faire évoluer les groupes",
        "Enseigner au profil majoritaire",
        "Former des groupes définitifs pour l'année",
        "Ignorer le test et suivre le programme",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre la mise en place d'un parcours différencié sur la plateforme.",
        "Évaluer les acquis au départ",
        "Définir les parcours et leurs ressources",
        "Attribuer les parcours aux élèves",
        "Suivre les progrès et réorienter si nécessaire",
    ),
    multiple(
        "B2",
        "Quelles limites des parcours adaptatifs automatiques faut-il garder en tête ?",
        (
            "Ils peuvent enfermer un élève dans un niveau faible",
            "Ils s'appuient sur des données partielles",
            "Ils réduisent parfois les interactions entre élèves",
        ),
        ("Ils remplacent entièrement l'évaluation de l'enseignant·e",),
    ),
    single(
        "B2",
        "Un élève à haut potentiel s'ennuie. Quelle personnalisation numérique est la plus riche ?",
        "Un projet d'approfondissement en ligne avec des ressources variées et des objectifs définis avec lui",
        "Plus d'exercices du même niveau",
        "Le rôle de correcteur des autres élèves en permanence",
        "Un accès libre à internet pendant le cours",
    ),
    numeric(
        "B2",
        "Un parcours comporte un tronc commun de 6 activités et 4 activités au choix parmi 10. Combien d'activités chaque élève réalise-t-il ?",
        "10",
        "0",
        "activités",
    ),
    single(
        "C1",
        "Vous accompagnez l'équipe dans la mise en place de la différenciation avec le numérique. Quel conseil est le plus pertinent ?",
        "Commencer par une séquence, partir d'un diagnostic et de quelques parcours simples, puis partager et améliorer ensemble",
        "Différencier toutes les activités dès la rentrée",
        "Acheter une plateforme adaptative qui fera le travail",
        "Différencier uniquement pour les élèves en difficulté",
    ),
    multiple(
        "C1",
        "Quelles informations utiliser pour personnaliser les apprentissages de façon éthique ?",
        (
            "Les acquis évalués par rapport aux objectifs",
            "Les préférences exprimées par l'élève",
            "Les besoins reconnus (aménagements raisonnables)",
        ),
        ("Le profil socio-économique déduit des données de connexion",),
    ),
    single(
        "C2",
        "Votre école étudie l'achat d'un système de personnalisation par IA. Quelle question est la plus importante ?",
        "Comment les recommandations sont-elles produites, peuvent-elles être expliquées et contestées, et quelles preuves d'efficacité existent pour des élèves comparables ?",
        "Combien d'exercices contient le système ?",
        "Le système a-t-il une mascotte ?",
        "Le système fonctionne-t-il sur téléphone ?",
    ),
]

ITEMS["5.3"] = [
    single(
        "A1",
        "Quelle activité numérique rend les élèves plus actifs qu'une simple projection ?",
        "Répondre à une question en direct sur une application et discuter des réponses",
        "Regarder un diaporama",
        "Copier le contenu du tableau interactif",
        "Écouter un podcast sans consigne",
    ),
    single(
        "A1",
        "Vous voulez que vos élèves créent quelque chose avec le numérique. Quelle activité convient ?",
        "Réaliser une courte bande dessinée numérique pour expliquer une notion",
        "Lire un article en ligne",
        "Regarder une vidéo",
        "Répondre à un questionnaire de satisfaction",
    ),
    single(
        "A2",
        "Quel usage d'un jeu éducatif favorise l'engagement et l'apprentissage ?",
        "Un jeu lié à l'objectif, suivi d'un échange sur ce qui a été appris",
        "Un jeu en fin de cours pour occuper les élèves",
        "Un jeu sans lien avec la matière pour récompenser",
        "Un jeu imposé à la maison sans suivi",
    ),
    multiple(
        "A2",
        "Quelles activités numériques mettent les élèves en situation de recherche active ?",
        (
            "Collecter des données avec des capteurs et les analyser",
            "Réaliser une enquête en ligne auprès des familles et en interpréter les résultats",
        ),
        (
            "Regarder une vidéo documentaire sans tâche",
            "Recopier une définition trouvée en ligne",
        ),
    ),
    numeric(
        "A2",
        "Une enquête de classe en ligne a reçu 96 réponses, dont 24 de parents. Quelle part des réponses vient des parents ?",
        "25",
        "0.5",
        "%",
    ),
    single(
        "B1",
        "Vous utilisez un tableau interactif. Quel usage engage le plus les élèves ?",
        "Les faire venir manipuler, classer ou annoter le contenu en expliquant leur raisonnement",
        "Y projeter vos notes de cours",
        "L'utiliser comme écran de cinéma",
        "Y afficher les résultats des évaluations",
    ),
    single(
        "B1",
        "Des élèves réalisent un podcast sur un thème d'histoire. Quel élément garantit l'apprentissage disciplinaire ?",
        "Une phase de recherche documentée et des critères qui portent sur le contenu historique, pas seulement sur la forme",
        "La qualité du micro utilisé",
        "Le nombre d'écoutes du podcast",
        "La durée maximale du podcast",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une démarche d'investigation scientifique utilisant des capteurs numériques.",
        "Formuler une question et une hypothèse",
        "Planifier l'expérience et les mesures",
        "Mesurer avec les capteurs",
        "Analyser les données et conclure",
    ),
    multiple(
        "B2",
        "Quelles conditions rendent une activité de ludification (points, badges) vraiment utile ?",
        (
            "Les récompenses sont liées à des apprentissages réels",
            "Les élèves reçoivent une rétroaction sur leur progression",
        ),
        (
            "Un classement public permanent de toute la classe",
            "Des points accordés pour le temps passé en ligne",
        ),
    ),
    single(
        "B2",
        "Vous voulez ouvrir la classe sur le monde réel avec le numérique. Quel projet est le plus riche ?",
        "Une collaboration en ligne avec une association locale où les élèves produisent une ressource utile à un vrai public",
        "Une recherche sur internet sur un thème au choix",
        "Une visite virtuelle regardée en classe",
        "Un quiz sur l'actualité",
    ),
    numeric(
        "B2",
        "Un capteur mesure une température de 18,5 °C à 8 h et de 23,3 °C à 14 h. De combien de degrés la température a-t-elle augmenté ?",
        "4.8",
        "0.05",
        "°C",
    ),
    single(
        "C1",
        "Vous conseillez une collègue qui utilise beaucoup d'applications ludiques, mais dont les élèves retiennent peu. Quelle piste proposer ?",
        "Faire produire, expliquer ou argumenter les élèves avec le numérique plutôt que de seulement consommer des activités ludiques",
        "Ajouter encore plus d'applications",
        "Supprimer le numérique",
        "Augmenter les récompenses",
    ),
    multiple(
        "C1",
        "Quelles approches pédagogiques le numérique peut-il soutenir pour développer la pensée critique et la créativité ?",
        (
            "L'apprentissage par projet",
            "La résolution de problèmes ouverts",
            "La création de prototypes ou de simulations",
        ),
        ("La mémorisation de listes par répétition seule",),
    ),
    single(
        "C2",
        "Vous concevez un projet interdisciplinaire où les élèves modélisent un phénomène local (pollution, mobilité) avec des outils numériques. Quel élément le rend exemplaire ?",
        "Les élèves formulent la question, collectent et modélisent des données réelles, confrontent leurs résultats à des experts et les communiquent publiquement",
        "Les élèves suivent un tutoriel pas à pas jusqu'au résultat attendu",
        "L'enseignant·e réalise la modélisation et la présente",
        "Le projet se limite à une recherche documentaire",
    ),
]

ITEMS["6.1"] = [
    single(
        "A1",
        "Un élève cite un site inconnu pour son exposé. Quelle première vérification lui apprendre ?",
        "Chercher qui publie le site et dans quel but",
        "Vérifier que le site a de belles images",
        "Vérifier que le site apparaît en premier dans le moteur de recherche",
        "Compter le nombre de pages du site",
    ),
    single(
        "A1",
        "Pourquoi les premiers résultats d'un moteur de recherche ne sont-ils pas forcément les plus fiables ?",
        "Le classement dépend d'algorithmes, de la popularité et parfois de la publicité, pas de la fiabilité",
        "Ils sont toujours faux",
        "Ils sont choisis par l'école",
        "Ils sont triés par ordre alphabétique",
    ),
    single(
        "A2",
        "Vous voulez apprendre aux élèves à affiner une recherche. Quelle technique leur montrer ?",
        "Utiliser des mots-clés précis et des guillemets pour une expression exacte",
        "Taper une phrase très longue avec des fautes",
        "Ne regarder que les images",
        "Cliquer sur le premier résultat",
    ),
    multiple(
        "A2",
        "Quels indices aident les élèves à repérer une information douteuse en ligne ?",
        (
            "Absence d'auteur et de date",
            "Titre sensationnaliste qui joue sur l'émotion",
        ),
        (
            "Présence de sources vérifiables",
            "Publication par un média reconnu avec un auteur identifié",
        ),
    ),
    numeric(
        "A2",
        "Un article publié en mars 2019 présente des statistiques de 2016. Vos élèves travaillent en 2025. Quel est l'âge des données, en années ?",
        "9",
        "0",
        "ans",
    ),
    single(
        "B1",
        "Une image choquante circule sur les réseaux sociaux. Quelle démarche enseigner pour vérifier son origine ?",
        "Faire une recherche d'image inversée pour retrouver sa première publication et son contexte",
        "Vérifier le nombre de partages",
        "Demander l'avis des camarades",
        "La repartager en demandant si elle est vraie",
    ),
    single(
        "B1",
        "Vous organisez une activité sur les infox. Quel objectif est le plus formateur ?",
        "Apprendre aux élèves une méthode de vérification transférable (source, date, recoupement, intention)",
        "Mémoriser une liste de sites interdits",
        "Se méfier de tout ce qui est en ligne",
        "Ne consulter que les manuels papier",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une démarche de recherche d'information que vous enseignez aux élèves.",
        "Définir son besoin d'information",
        "Choisir les mots-clés et les outils de recherche",
        "Évaluer la fiabilité des sources trouvées",
        "Organiser et synthétiser l'information en citant les sources",
    ),
    multiple(
        "B2",
        "Quelles activités développent la compréhension des algorithmes de recommandation par les élèves ?",
        (
            "Comparer les fils d'actualité de deux comptes différents",
            "Discuter des bulles de filtres à partir de leurs propres usages",
        ),
        (
            "Interdire les réseaux sociaux en classe sans discussion",
            "Apprendre par cœur les conditions d'utilisation",
        ),
    ),
    single(
        "B2",
        "Un graphique partagé en ligne exagère une hausse en tronquant l'axe vertical. Quel apprentissage en tirer avec les élèves ?",
        "Lire les échelles et les sources des graphiques avant d'interpréter une évolution",
        "Les graphiques sont toujours trompeurs",
        "Seuls les tableaux de chiffres sont fiables",
        "Il faut refaire tous les graphiques soi-même",
    ),
    numeric(
        "B2",
        "Un graphique montre une hausse de 200 à 210 cas, mais son axe commence à 195. La hausse réelle est de combien de pour cent ?",
        "5",
        "0",
        "%",
    ),
    single(
        "C1",
        "Vos élèves utilisent un agent conversationnel (IA) pour leurs recherches. Quelle compétence développer en priorité ?",
        "Vérifier les affirmations produites en remontant à des sources identifiables, car l'outil peut inventer des faits et des références",
        "Formuler des questions plus longues",
        "Utiliser uniquement la première réponse",
        "Copier la réponse en la reformulant",
    ),
    multiple(
        "C1",
        "Vous construisez une progression sur l'éducation aux médias sur plusieurs années. Quels éléments y intégrer ?",
        (
            "La vérification des sources et des images",
            "Le fonctionnement économique des médias et des plateformes",
            "La production de médias par les élèves",
        ),
        ("Une liste fixe de médias à croire sans examen",),
    ),
    single(
        "C2",
        "Vous menez avec vos élèves un projet de vérification de faits publié en ligne. Quelle exigence le rend exemplaire ?",
        "Une méthode documentée et transparente, des sources publiées, un droit de réponse et des corrections assumées",
        "La publication rapide avant les médias",
        "Le nombre de vues des articles",
        "Des articles signés par l'enseignant·e uniquement",
    ),
]

ITEMS["6.2"] = [
    single(
        "A1",
        "Quelle règle de netiquette rappeler aux élèves avant un échange sur le forum de la classe ?",
        "Écrire poliment, relire son message et respecter les avis différents",
        "Écrire en majuscules pour être lu",
        "Répondre le plus vite possible sans relire",
        "Utiliser un pseudonyme pour dire ce qu'on veut",
    ),
    single(
        "A1",
        "Un élève veut envoyer un courriel à son enseignant·e. Quel élément lui apprendre à ne pas oublier ?",
        "Un objet clair, une formule de politesse et sa signature",
        "Des émojis pour être sympathique",
        "Le message entièrement dans l'objet",
        "Une pièce jointe même inutile",
    ),
    single(
        "A2",
        "Lors d'une visioconférence de classe, quelle règle facilite les échanges ?",
        "Couper son micro quand on ne parle pas et demander la parole",
        "Parler tous en même temps",
        "Garder la caméra sur un autre écran",
        "Enregistrer la séance sans prévenir",
    ),
    multiple(
        "A2",
        "Quels comportements en ligne relèvent d'une communication respectueuse ?",
        (
            "Demander l'accord avant de publier la photo d'un camarade",
            "Répondre à un désaccord par des arguments",
        ),
        (
            "Partager une capture d'écran d'une conversation privée",
            "Exclure volontairement quelqu'un d'un groupe de discussion",
        ),
    ),
    numeric(
        "A2",
        "Une classe de 24 élèves est répartie en salles de sous-groupes de 3 lors d'une visioconférence. Combien de salles faut-il créer ?",
        "8",
        "0",
        "salles",
    ),
    single(
        "B1",
        "Vous organisez un échange avec une classe étrangère par visioconférence. Quelle préparation est la plus utile avec les élèves ?",
        "Préparer des questions, répartir les rôles et parler des différences culturelles de communication",
        "Les laisser improviser",
        "Leur demander d'écrire tout ce qu'ils diront et de le lire",
        "Laisser l'enseignant·e parler seul·e",
    ),
    single(
        "B1",
        "Un élève publie un commentaire blessant sur le forum de classe. Quelle réaction est la plus éducative ?",
        "Masquer le message, en parler avec l'élève et revenir avec la classe sur les règles et leurs raisons",
        "Supprimer le forum",
        "Publier une réponse moqueuse",
        "Ignorer le message",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre la préparation d'un débat en ligne avec la classe.",
        "Établir ensemble une charte de participation",
        "Présenter la question et les documents de départ",
        "Animer le débat en faisant respecter la charte",
        "Faire une synthèse des arguments avec la classe",
    ),
    multiple(
        "B2",
        "Quelles activités développent la participation citoyenne numérique des élèves ?",
        (
            "Rédiger une contribution argumentée à une consultation publique en ligne",
            "Créer une campagne d'information pour un projet de l'école",
        ),
        (
            "Liker le plus de publications possible",
            "Signer des pétitions sans les lire",
        ),
    ),
    single(
        "B2",
        "Vos élèves de 12 ans veulent créer un groupe de classe sur une messagerie grand public. Quelle réponse est la plus adaptée ?",
        "Rappeler les âges minimaux des services, proposer l'outil de l'école et discuter avec eux des règles d'un groupe",
        "Les laisser faire sans en parler",
        "Créer vous-même le groupe avec leurs numéros personnels",
        "Leur interdire tout groupe de discussion sans explication",
    ),
    numeric(
        "B2",
        "En Belgique, à partir de quel âge un mineur peut-il consentir seul au traitement de ses données par un service en ligne (âge du consentement numérique) ?",
        "13",
        "0",
        "ans",
    ),
    single(
        "C1",
        "Votre école veut former les élèves à gérer leur identité et leur communication en ligne. Quelle approche est la plus efficace ?",
        "Un programme progressif sur plusieurs années, fondé sur des situations réelles, impliquant élèves, familles et équipe",
        "Une conférence annuelle d'un expert",
        "Un règlement affiché dans les couloirs",
        "Une interdiction des téléphones sans autre action",
    ),
    multiple(
        "C1",
        "Vous préparez les élèves à collaborer dans un projet en ligne avec d'autres écoles. Quelles compétences de communication travailler ?",
        (
            "Adapter son registre au destinataire",
            "Donner une rétroaction constructive à des pairs",
            "Gérer un désaccord par écrit",
        ),
        ("Écrire le plus de messages possible",),
    ),
    single(
        "C2",
        "Vous animez un projet où les élèves modèrent eux-mêmes un espace de discussion public de l'école. Quel dispositif en garantit la qualité ?",
        "Des règles coconstruites, une formation des élèves modérateurs, une supervision adulte et une procédure d'escalade en cas de problème",
        "Une modération entièrement automatique",
        "L'absence de règles pour favoriser la liberté d'expression",
        "Une fermeture de l'espace au moindre incident",
    ),
]

ITEMS["6.3"] = [
    single(
        "A1",
        "Vos élèves réalisent un diaporama avec des images trouvées en ligne. Que doivent-ils indiquer ?",
        "La source de chaque image (auteur, site) et sa licence si elle est connue",
        "Rien, les images en ligne sont libres",
        "Uniquement le nom du moteur de recherche",
        "Le nombre d'images utilisées",
    ),
    single(
        "A1",
        "Quel outil permet à des élèves de créer facilement une affiche numérique ?",
        "Une application de mise en page ou de conception graphique",
        "Un tableur",
        "Un antivirus",
        "Un navigateur sans extension",
    ),
    single(
        "A2",
        "Un élève copie un paragraphe d'un site dans son travail. Que lui apprendre ?",
        "Mettre le passage entre guillemets et citer la source, ou le reformuler en citant la source",
        "Changer quelques mots pour ne pas avoir à citer",
        "Copier sans rien indiquer puisque c'est en ligne",
        "Copier seulement s'il s'agit de Wikipédia",
    ),
    multiple(
        "A2",
        "Quelles ressources vos élèves peuvent-ils réutiliser dans leur vidéo sans demander d'autorisation, en respectant les conditions ?",
        (
            "Une musique sous licence CC BY, en créditant l'auteur",
            "Une image versée dans le domaine public",
        ),
        (
            "Une chanson d'un artiste connu trouvée sur une plateforme de streaming",
            "Une photo d'un magazine en ligne",
        ),
    ),
    numeric(
        "A2",
        "Une vidéo d'élèves compte 5 plans de 12 secondes et 4 plans de 15 secondes. Combien de secondes dure-t-elle ?",
        "120",
        "0",
        "secondes",
    ),
    single(
        "B1",
        "Dans quel ordre présenter une référence de site web dans une bibliographie d'élève (style auteur-date) ?",
        "Auteur, année, titre, site, adresse, date de consultation",
        "Adresse, titre, auteur",
        "Titre, adresse, sans auteur ni date",
        "Date de consultation uniquement",
    ),
    single(
        "B1",
        "Vos élèves créent un site sur un projet de classe. Quel travail sur le droit d'auteur est le plus formateur ?",
        "Leur faire choisir une licence pour leurs propres productions et vérifier celle des médias qu'ils intègrent",
        "Leur interdire d'utiliser des médias extérieurs",
        "Leur dire que tout est permis dans un cadre scolaire",
        "Faire vérifier les droits par l'enseignant·e sans les impliquer",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre la réalisation d'une vidéo par des élèves.",
        "Écrire le scénario",
        "Préparer le story-board",
        "Tourner les plans",
        "Monter la vidéo et ajouter les crédits",
        "Diffuser et recueillir les retours",
    ),
    multiple(
        "B2",
        "Vos élèves veulent remixer des contenus pour une création. Quelles licences le permettent, sous conditions ?",
        ("CC BY", "CC BY-SA", "CC0"),
        ("CC BY-ND",),
    ),
    single(
        "B2",
        "Un groupe d'élèves a utilisé une IA pour générer les illustrations de son exposé. Quelle consigne donner ?",
        "Indiquer clairement l'outil utilisé et la nature générée des images, et vérifier qu'elles ne trompent pas le public",
        "Les présenter comme des photographies réelles",
        "Les interdire sans discussion",
        "Les attribuer à un auteur inventé",
    ),
    numeric(
        "B2",
        "Un élève doit réduire un texte de 750 mots de 20 % pour le publier sur le blog de classe. Combien de mots doit compter la version finale ?",
        "600",
        "0",
        "mots",
    ),
    single(
        "C1",
        "Vous concevez une évaluation de la création numérique des élèves. Quel critère reflète le mieux la compétence visée ?",
        "L'adéquation du média au message et au public, la qualité du contenu et le respect des droits, documentés par l'élève",
        "Le nombre d'effets spéciaux",
        "La durée de la production",
        "Le logiciel utilisé",
    ),
    multiple(
        "C1",
        "Quelles pratiques aident les élèves à devenir auteur·es responsables en ligne ?",
        (
            "Choisir consciemment une licence pour ses œuvres",
            "Créditer toutes les sources réutilisées",
            "Demander l'accord des personnes filmées",
        ),
        ("Publier sous le nom d'un camarade",),
    ),
    single(
        "C2",
        "Vos élèves publient une ressource éducative libre destinée à d'autres classes. Quel accompagnement est le plus complet ?",
        "Les guider de la conception à la publication : droits des contenus intégrés, choix de licence, accessibilité, métadonnées et prise en compte des retours d'utilisateurs",
        "Publier rapidement et corriger plus tard",
        "Limiter le projet à la création sans publication",
        "Publier au nom de l'école sans mentionner les élèves",
    ),
]

ITEMS["6.4"] = [
    single(
        "A1",
        "Quel conseil donner aux élèves pour protéger leurs comptes en ligne ?",
        "Utiliser un mot de passe différent et robuste pour chaque compte et ne le partager avec personne",
        "Utiliser le même mot de passe partout pour ne pas l'oublier",
        "Noter le mot de passe dans le cahier de classe",
        "Donner son mot de passe à son meilleur ami",
        family="demo-mot-de-passe-eleves",
    ),
    single(
        "A1",
        "Un élève vous confie recevoir des messages moqueurs répétés de camarades en ligne. Que faites-vous d'abord ?",
        "L'écouter, le rassurer, conserver les preuves avec lui et suivre la procédure de l'école contre le harcèlement",
        "Lui dire de supprimer ses comptes",
        "Confronter publiquement les auteurs devant la classe",
        "Lui conseiller de répondre sur le même ton",
    ),
    single(
        "A2",
        "Quelle règle ergonomique simple proposer aux élèves qui travaillent longtemps sur écran ?",
        "Faire régulièrement des pauses en regardant au loin",
        "Augmenter la luminosité au maximum",
        "Rapprocher l'écran le plus possible",
        "Travailler dans le noir",
    ),
    multiple(
        "A2",
        "Quelles informations un élève ne devrait-il pas publier sur un profil public ?",
        ("Son adresse", "Son numéro de téléphone", "Son emploi du temps"),
        ("Son intérêt pour le football",),
    ),
    numeric(
        "A2",
        "La règle « 20-20-20 » conseille, toutes les 20 minutes d'écran, de regarder au loin pendant combien de secondes ?",
        "20",
        "0",
        "secondes",
    ),
    single(
        "B1",
        "Un élève reçoit un message lui annonçant un gain et demandant ses identifiants. Quelle notion travailler avec lui ?",
        "L'hameçonnage : reconnaître les messages frauduleux et ne jamais communiquer ses identifiants",
        "Les cookies",
        "La sauvegarde",
        "La compression de fichiers",
    ),
    single(
        "B1",
        "Votre classe utilise une application qui demande l'accès aux contacts et à la localisation sans raison pédagogique. Que faites-vous ?",
        "Refuser ces autorisations ou choisir une autre application, et en discuter avec les élèves",
        "Accepter, c'est habituel",
        "Demander aux élèves de décider seuls",
        "Désinstaller toutes les applications de la tablette",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre la réaction recommandée face à un contenu choquant vu par un élève en ligne.",
        "Ne pas le partager",
        "En parler à un adulte de confiance",
        "Signaler le contenu sur la plateforme",
        "Revenir sur ce qui a été ressenti avec un adulte",
    ),
    multiple(
        "B2",
        "Quels signes peuvent indiquer qu'un élève est en difficulté avec ses usages numériques ?",
        (
            "Une fatigue importante liée à des nuits sur les écrans",
            "Un isolement progressif",
            "Une anxiété forte quand il n'a pas son téléphone",
        ),
        ("Le fait d'utiliser un ordinateur pour ses devoirs",),
    ),
    single(
        "B2",
        "Vous préparez une séance sur l'empreinte numérique avec des élèves de 14 ans. Quelle activité est la plus parlante ?",
        "Leur faire chercher ce qu'on trouve en ligne sur une personnalité fictive créée pour l'exercice, puis sur leurs propres réglages de confidentialité",
        "Chercher en classe ce qu'on trouve en ligne sur chaque élève",
        "Leur faire lire les conditions d'utilisation d'un réseau social en entier",
        "Leur montrer des faits divers effrayants",
    ),
    numeric(
        "B2",
        "Un élève dort en moyenne 7 h 15 par nuit et les recommandations pour son âge sont de 9 h. Combien de minutes de sommeil lui manque-t-il par nuit ?",
        "105",
        "0",
        "minutes",
    ),
    single(
        "C1",
        "Votre école veut une politique d'usage du téléphone portable. Quelle démarche est la plus pertinente ?",
        "Construire la politique avec élèves, parents et équipe, en combinant règles claires et éducation aux usages, puis l'évaluer",
        "Interdire tous les appareils sans explication",
        "Autoriser tous les usages sans cadre",
        "Copier la politique d'une autre école",
    ),
    multiple(
        "C1",
        "Quels éléments faut-il intégrer dans un dispositif de prévention du cyberharcèlement ?",
        (
            "Une procédure de signalement connue de tous",
            "Des activités sur l'empathie et le rôle des témoins",
            "Une collaboration avec les centres PMS et les familles",
        ),
        ("La publication des noms des auteurs sur le site de l'école",),
    ),
    numeric(
        "C2",
        "Une phrase de passe est formée de 4 mots tirés au hasard dans une liste de 7 776 mots. Combien de bits d'entropie offre-t-elle ? (log₂ 7 776 ≈ 12,925 ; arrondissez au dixième)",
        "51.7",
        "0.1",
        "bits",
    ),
]

ITEMS["6.5"] = [
    single(
        "A1",
        "Un élève ne parvient plus à se connecter au réseau wifi de l'école. Quelle première vérification lui apprendre ?",
        "Vérifier que le wifi de l'appareil est activé et que le bon réseau est choisi",
        "Réinstaller le système de l'appareil",
        "Acheter un nouvel appareil",
        "Attendre le lendemain",
    ),
    single(
        "A1",
        "Un logiciel ne répond plus. Quelle action tenter en premier ?",
        "Enregistrer si possible, fermer le logiciel puis le relancer",
        "Débrancher l'ordinateur de la prise",
        "Appuyer sur toutes les touches",
        "Supprimer le logiciel",
    ),
    single(
        "A2",
        "Un élève ne retrouve plus un fichier enregistré la veille. Quelle stratégie lui proposer ?",
        "Utiliser la recherche par nom ou consulter les fichiers récents",
        "Refaire le travail immédiatement",
        "Regarder dans la corbeille de tous les ordinateurs de l'école",
        "Demander à l'enseignant·e de le retrouver",
    ),
    multiple(
        "A2",
        "Quelles habitudes aident les élèves à ne pas perdre leur travail numérique ?",
        ("Enregistrer régulièrement", "Nommer clairement leurs fichiers"),
        (
            "Travailler uniquement sur le bureau d'un ordinateur partagé",
            "Ne jamais fermer le logiciel",
        ),
    ),
    numeric(
        "A2",
        "Une clé USB de 16 Go contient déjà 9,5 Go. Combien de vidéos de 1,2 Go un élève peut-il encore y copier ?",
        "5",
        "0",
        "vidéos",
    ),
    single(
        "B1",
        "Vous voulez développer l'autonomie des élèves face aux problèmes techniques. Quelle démarche est la plus formatrice ?",
        "Leur apprendre une méthode (décrire le problème, chercher une solution, tester, demander de l'aide) plutôt que résoudre à leur place",
        "Résoudre tous les problèmes vous-même rapidement",
        "Interdire les activités numériques en cas de panne",
        "Confier tous les problèmes au service informatique",
    ),
    single(
        "B1",
        "Quel type d'activité développe la pensée informatique des élèves ?",
        "Décomposer un problème en étapes et écrire un algorithme pour le résoudre",
        "Recopier un texte à l'ordinateur",
        "Regarder une vidéo sur l'histoire de l'informatique",
        "Installer un jeu",
    ),
    ordering(
        "B1",
        "Remettez dans l'ordre une démarche de résolution d'un problème technique que vous enseignez aux élèves.",
        "Décrire précisément le problème",
        "Émettre une hypothèse sur sa cause",
        "Tester une solution",
        "Vérifier que le problème est résolu, sinon essayer une autre piste",
    ),
    multiple(
        "B2",
        "Quelles activités amènent les élèves à transférer leurs connaissances numériques à des situations nouvelles ?",
        (
            "Adapter un programme existant à un autre problème",
            "Choisir et justifier un outil pour une tâche inédite",
        ),
        (
            "Répéter le même tutoriel plusieurs fois",
            "Mémoriser l'emplacement des menus d'un logiciel",
        ),
    ),
    single(
        "B2",
        "Un programme de robot écrit par des élèves ne fait pas ce qui est attendu. Quelle stratégie de débogage leur enseigner ?",
        "Exécuter le programme pas à pas et comparer chaque étape au comportement attendu",
        "Réécrire tout le programme",
        "Changer des instructions au hasard",
        "Abandonner et copier le programme d'un autre groupe",
    ),
    numeric(
        "B2",
        "Un programme fait avancer un robot de 15 cm par instruction « avancer ». Combien d'instructions faut-il pour parcourir 1,2 m ?",
        "8",
        "0",
        "instructions",
    ),
    single(
        "C1",
        "Vous concevez un défi où les élèves doivent trouver une solution numérique à un problème de l'école. Quelle caractéristique rend le défi formateur ?",
        "Un problème réel et ouvert, des contraintes explicites et une étape où les élèves testent et améliorent leur solution",
        "Une solution unique connue à l'avance",
        "Un tutoriel détaillé à suivre",
        "Un défi chronométré individuellement",
    ),
    multiple(
        "C1",
        "Quels éléments d'une démarche de conception itérative enseigner aux élèves ?",
        (
            "Prototyper rapidement",
            "Tester auprès d'utilisateurs",
            "Améliorer d'après les retours",
        ),
        ("Viser une solution parfaite dès le premier essai",),
    ),
    numeric(
        "C2",
        "Un algorithme de tri compare chaque paire d'éléments d'une liste une seule fois. Combien de comparaisons fait-il pour une liste de 30 éléments ?",
        "435",
        "0",
        "comparaisons",
    ),
]

# Near-duplicates (same family: never two in one attempt), appended so that the
# uids of the items above never change.
ITEMS["1.1"].append(
    single(
        "A1",
        "Vous envoyez depuis la messagerie de l'école une invitation à une réunion à 25 parents. Dans quel champ placer leurs adresses pour protéger leur vie privée ?",
        "Cci (copie cachée)",
        "Cc (copie)",
        "À",
        "Objet",
        family="demo-cci-parents",
    )
)
ITEMS["2.1"].append(
    single(
        "A1",
        "Une image porte la mention « CC BY ». Que devez-vous faire si vous l'utilisez dans une fiche pour vos élèves ?",
        "Citer son auteur·e et la licence",
        "Rien : elle est libre de tout droit",
        "Payer une redevance à l'auteur·e",
        "Obtenir une autorisation écrite préalable",
        family="demo-logo-cc",
    )
)
ITEMS["2.2"].append(
    single(
        "A2",
        "Vous voulez traduire en français une animation trouvée en ligne et la distribuer à vos élèves. Quelle licence le permet ?",
        "CC BY-SA",
        "CC BY-ND",
        "Tous droits réservés",
        "CC BY-NC-ND",
        family="demo-modifier-fiche",
    )
)
ITEMS["2.3"].append(
    single(
        "A1",
        "Parmi ces mots de passe, lequel est le plus robuste pour votre compte de l'école ?",
        "« Girafe-violon-pluie-Namur-42 »",
        "« Ecole2025 »",
        "« azerty123 »",
        "« CamilleDubois »",
        family="demo-mot-de-passe",
    )
)
ITEMS["4.2"].append(
    numeric(
        "A1",
        "Lors d'un exercice en ligne, 18 élèves sur 24 ont réussi la question 3. Quel est le taux de réussite de cette question ?",
        "75",
        "0.5",
        "%",
        family="demo-taux-reussite",
    )
)
ITEMS["6.4"].append(
    single(
        "A1",
        "Un élève vous demande s'il peut utiliser le même mot de passe pour la plateforme de l'école et pour un jeu en ligne. Que lui répondez-vous ?",
        "Non : si l'un des services est piraté, l'autre compte est exposé ; il faut un mot de passe par compte",
        "Oui, s'il est long",
        "Oui, si le jeu est connu",
        "Oui, à condition de le noter dans son agenda",
        family="demo-mot-de-passe-eleves",
    )
)


def _draw(uid: str) -> random.Random:
    """A generator seeded by the uid: parameters never change between runs."""
    digest = hashlib.sha256(uid.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 (demo data)


def _pretest_positions(rank: int, size: int) -> set[int]:
    """About one item in ten stays in pretest (served, not scored)."""
    positions = {(rank * 5 + 3) % size}
    if rank % 2 == 0:
        positions.add((rank * 5 + 10) % size)
    return positions


def _options(item: DemoItem, rng: random.Random) -> list[dict[str, Any]]:
    if item.kind == NUMERIC:
        return []
    if item.kind == ORDERING:
        return [{"text": text, "is_correct": False} for text in item.options]
    options = [
        {"text": text, "is_correct": index < item.n_correct}
        for index, text in enumerate(item.options)
    ]
    rng.shuffle(options)
    return options


def build_items() -> list[dict[str, Any]]:
    """Every demo item in the shared import format (``tremplin-selftest-items``)."""
    rows = []
    for rank, (code, items) in enumerate(ITEMS.items()):
        pretest = _pretest_positions(rank, len(items))
        for index, item in enumerate(items):
            uid = f"demo-{code.replace('.', '-')}-{index + 1:02d}"
            rng = _draw(uid)
            a = round(rng.uniform(0.7, 2.0), 2)
            b = round(SEED_DIFFICULTY[item.level] + rng.uniform(-0.5, 0.5), 2)
            rows.append(
                {
                    "uid": uid,
                    "competence": code,
                    "target_level": item.level,
                    "item_type": item.kind,
                    "stem": f"<p>{html.escape(item.stem, quote=False)}</p>",
                    "options": _options(item, rng),
                    "numeric_answer": item.answer,
                    "numeric_tolerance": item.tolerance,
                    "numeric_unit": item.unit,
                    "shuffle_options": True,
                    "family": item.family,
                    "status": "pretest" if index in pretest else "calibrated",
                    "a": a,
                    "b": b,
                    "c": 0.0,
                    "parameter_source": "expert_seed",
                    "is_demo": True,
                    "screen_reader_ok": True,
                    "keyboard_only_ok": True,
                    "colour_blind_ok": True,
                    "est_seconds": item.seconds,
                }
            )
    return rows


def document() -> dict[str, Any]:
    """The whole JSON document (import/export format, version 1)."""
    return {"format": FORMAT, "version": FORMAT_VERSION, "items": build_items()}


def load() -> dict[str, Any]:
    """The generated document as stored in ``data/demo_items.json``."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def write(path: Path = DATA_FILE) -> int:
    """Write the document to ``path``; return the number of items."""
    data = document()
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return len(data["items"])


if __name__ == "__main__":
    print(f"{write()} items → {DATA_FILE}")  # noqa: T201
