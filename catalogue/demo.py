"""Demo catalogue for ``seed_demo``: about thirty IFPC trainings and the
high-expertise track in techno-pedagogy.

The trainings cover every modality, education level and DigCompEdu area, each
with one to three sessions in the coming months in Brussels and Wallonia or
online; a few sessions are full (filled by demo accounts) and a few need the
IFPC's approval. The track "Parcours de haute expertise en techno-pédagogie"
chains four hybrid trainings, each with one fixed session: ten days in all,
open to CTP, DCO and internal trainers.

Idempotent: pages are looked up by code and sessions by session code, and are
only created when missing (dates are computed from the day of the first run
and never shifted afterwards), so running ``seed_demo`` twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from lms.models import Competence, User

from .models import (
    Audience,
    AudienceFunction,
    CatalogueIndexPage,
    EducationLevel,
    Level,
    Modality,
    Session,
    SessionDay,
    TrackPage,
    TrackStep,
    TrainingPage,
    TrainingResourceLink,
)
from .reference import ensure_reference_rows, site_root

logger = logging.getLogger(__name__)

INDEX_SLUG = "formations"
MANAGER = "catalogue@demo.tremplin.test"
#: Demo accounts who fill the sessions meant to show as full.
FULL_SESSION_PARTICIPANTS = (
    "enseignante@demo.tremplin.test",
    "direction@demo.tremplin.test",
)
TRACK_CODE = "PAR-HE-TECHNOPEDA"
TRACK_TITLE = "Parcours de haute expertise en techno-pédagogie"
COURSE_TRAINING_CODE = "NUM-27-001"

ALL_LEVELS = tuple(Level.values)
SEC = (Level.SECONDAIRE_INFERIEUR, Level.SECONDAIRE_SUPERIEUR)
T = Audience.TEACHER
D = Audience.DIRECTOR
E = Audience.EDUCATOR


@dataclass(frozen=True)
class Place:
    venue: str
    address: str
    postal_code: str
    city: str


PLACES = [
    Place("IFPC — Centre de formation de Namur", "Rue Dewez 14", "5000", "Namur"),
    Place("Campus de formation d'Ixelles", "Avenue Buyl 87", "1050", "Ixelles"),
    Place(
        "Centre de formation de Liège", "Boulevard de la Sauvenière 73", "4000", "Liège"
    ),
    Place("Espace formation de Charleroi", "Boulevard Tirou 130", "6000", "Charleroi"),
    Place("Maison de l'enseignement de Mons", "Rue de Nimy 45", "7000", "Mons"),
    Place(
        "Centre de formation de Wavre", "Place de l'Hôtel de Ville 1", "1300", "Wavre"
    ),
    Place(
        "Athénée royal d'Arlon — salle de formation",
        "Rue de Sesselich 2",
        "6700",
        "Arlon",
    ),
    Place("Centre de formation de Tournai", "Rue des Carmes 6", "7500", "Tournai"),
    Place("Centre de formation de Verviers", "Rue du Collège 20", "4800", "Verviers"),
    Place(
        "Auditoires des Sciences", "Place des Sciences 2", "1348", "Louvain-la-Neuve"
    ),
]


@dataclass(frozen=True)
class DemoTraining:
    code: str
    title: str
    modality: str
    levels: tuple[str, ...]
    audiences: tuple[str, ...]
    competences: tuple[str, ...]
    sync_hours: int
    async_hours: int
    summary: str
    objectives: tuple[str, ...]


TRAININGS = [
    DemoTraining("NUM-27-001", "Intégrer le numérique en classe", Modality.HYBRID, (Level.PRIMAIRE, *SEC), (T,), ("3.1", "2.1", "6.1"), 12, 8,
                 "Deux journées en présentiel et un parcours en ligne pour construire des activités où le numérique sert vraiment les apprentissages.",
                 ("situer ses usages avec le modèle SAMR", "choisir des ressources d'e-classe adaptées", "concevoir une activité numérique et l'évaluer")),
    DemoTraining("NUM-27-002", "Premiers pas dans l'environnement numérique de l'école", Modality.IN_PERSON, (Level.MATERNEL, Level.PRIMAIRE), (T, E), ("1.1", "1.2"), 6, 0,
                 "Une journée pour prendre en main la plateforme de l'école, la messagerie et le partage de documents avec les collègues.",
                 ("utiliser la messagerie et l'agenda de l'école", "partager et ranger des documents en équipe")),
    DemoTraining("NUM-27-003", "Évaluer avec des outils numériques", Modality.REMOTE, SEC, (T,), ("4.1", "4.3"), 6, 2,
                 "Trois classes virtuelles pour concevoir des évaluations formatives en ligne et donner un retour rapide aux élèves.",
                 ("concevoir un questionnaire formatif", "exploiter les résultats pour ajuster son enseignement")),
    DemoTraining("NUM-27-004", "Les traces d'apprentissage au service de la remédiation", Modality.ONLINE, (Level.PRIMAIRE, Level.SECONDAIRE_INFERIEUR), (T,), ("4.2", "4.3"), 0, 8,
                 "Un module en autonomie pour lire les données des plateformes d'exercices et organiser la remédiation.",
                 ("interpréter un tableau de bord d'élèves", "planifier une remédiation différenciée")),
    DemoTraining("NUM-27-005", "Créer des ressources pédagogiques accessibles", Modality.HYBRID, (Level.SPECIALISE, Level.PRIMAIRE), (T,), ("5.1", "2.2"), 6, 6,
                 "Rendre ses documents, diaporamas et vidéos accessibles à tous les élèves, y compris ceux qui utilisent des aides techniques.",
                 ("appliquer les règles d'accessibilité des documents", "sous-titrer une vidéo", "vérifier le contraste et la structure")),
    DemoTraining("NUM-27-006", "Différencier ses pratiques grâce au numérique", Modality.IN_PERSON, (Level.PRIMAIRE, Level.SECONDAIRE_INFERIEUR), (T,), ("5.2", "3.2"), 12, 0,
                 "Deux journées d'ateliers pour proposer des parcours différenciés avec des outils simples et gratuits.",
                 ("identifier les besoins des élèves", "construire des parcours à plusieurs niveaux")),
    DemoTraining("NUM-27-007", "Classe inversée : concevoir et animer", Modality.HYBRID, (Level.SECONDAIRE_SUPERIEUR, Level.PROMOTION_SOCIALE), (T,), ("3.4", "2.2"), 6, 6,
                 "Préparer des capsules et transformer le temps de classe en moments d'activité et d'accompagnement.",
                 ("scénariser une séquence inversée", "réaliser une capsule courte", "animer la séance en classe")),
    DemoTraining("NUM-27-008", "Éducation aux médias et à l'information", Modality.IN_PERSON, SEC, (T, E), ("6.1", "6.4"), 12, 0,
                 "Aider les élèves à vérifier une information, reconnaître une infox et comprendre les algorithmes des réseaux sociaux.",
                 ("mener une activité de vérification de l'information", "aborder les bulles de filtres")),
    DemoTraining("NUM-27-009", "Apprendre à coder en maternelle et en primaire", Modality.IN_PERSON, (Level.MATERNEL, Level.PRIMAIRE), (T,), ("6.5", "6.3"), 12, 0,
                 "Activités débranchées, robots de sol et premiers programmes par blocs pour développer la pensée informatique.",
                 ("animer des activités débranchées", "utiliser un robot de sol", "programmer par blocs")),
    DemoTraining("NUM-27-010", "Citoyenneté numérique et prévention du cyberharcèlement", Modality.REMOTE, (*SEC, Level.SPECIALISE), (E, T, D), ("6.4", "3.2"), 6, 0,
                 "Repérer, prévenir et traiter les situations de harcèlement en ligne avec l'équipe éducative.",
                 ("reconnaître les signes de cyberharcèlement", "construire un protocole d'établissement")),
    DemoTraining("NUM-27-011", "Protéger les données personnelles à l'école (RGPD)", Modality.ONLINE, ALL_LEVELS, (D, T), ("2.3", "6.4"), 0, 6,
                 "Les bons réflexes pour choisir des outils respectueux des données des élèves et informer les familles.",
                 ("appliquer les principes du RGPD", "évaluer un outil en ligne")),
    DemoTraining("NUM-27-012", "Piloter la transition numérique de l'établissement", Modality.IN_PERSON, ALL_LEVELS, (D, Audience.DRN), ("1.1", "1.4"), 12, 0,
                 "Pour les directions et les référents : construire un plan d'action numérique réaliste avec l'équipe.",
                 ("établir un état des lieux", "fixer des priorités dans le plan de pilotage")),
    DemoTraining("NUM-27-013", "Communauté d'apprentissage des référents numériques", Modality.COMMUNITY, ALL_LEVELS, (Audience.DRN, Audience.CTP), ("1.2", "1.3", "1.4"), 15, 10,
                 "Une année d'échanges entre référents numériques : retours d'expérience, analyse de pratiques et ressources partagées.",
                 ("partager des pratiques entre écoles", "analyser des situations professionnelles")),
    DemoTraining("NUM-27-014", "Communauté de pratique : le numérique en maternelle", Modality.COMMUNITY, (Level.MATERNEL,), (T,), ("1.2", "1.3"), 9, 6,
                 "Des rencontres régulières entre enseignant·es de maternelle pour essayer, documenter et partager.",
                 ("expérimenter en classe entre deux rencontres", "documenter ses essais")),
    DemoTraining("NUM-27-015", "Collaborer en ligne avec ses collègues", Modality.REMOTE, ALL_LEVELS, (T, D), ("1.2", "1.1"), 3, 3,
                 "Documents partagés, espaces d'équipe et réunions à distance : travailler ensemble sans se noyer.",
                 ("co-écrire un document", "organiser un espace d'équipe")),
    DemoTraining("NUM-27-016", "Podcasts et capsules vidéo en classe", Modality.HYBRID, SEC, (T,), ("2.2", "6.3"), 6, 6,
                 "Faire créer des podcasts et des vidéos par les élèves : écriture, prise de son, montage et diffusion.",
                 ("scénariser un projet audio", "monter un podcast simple")),
    DemoTraining("NUM-27-017", "Apprentissage collaboratif avec des outils partagés", Modality.IN_PERSON, (Level.PRIMAIRE, Level.SECONDAIRE_INFERIEUR), (T,), ("3.3", "6.2"), 6, 0,
                 "Organiser des travaux de groupe où chaque élève contribue, avec des murs collaboratifs et des documents partagés.",
                 ("structurer un travail de groupe", "suivre les contributions de chacun")),
    DemoTraining("NUM-27-018", "Une rétroaction efficace avec le numérique", Modality.REMOTE, (Level.SECONDAIRE_SUPERIEUR, Level.PROMOTION_SOCIALE), (T,), ("4.3", "3.2"), 4, 2,
                 "Commentaires audio, grilles critériées et annotations : des retours qui font progresser.",
                 ("formuler une rétroaction utile", "utiliser une grille critériée en ligne")),
    DemoTraining("NUM-27-019", "Intelligence artificielle générative : comprendre et encadrer", Modality.HYBRID, (Level.SECONDAIRE_SUPERIEUR, Level.PROMOTION_SOCIALE), (T, D), ("6.4", "2.1", "1.3"), 6, 6,
                 "Comprendre le fonctionnement des IA génératives, leurs limites, et définir un usage encadré en classe.",
                 ("expliquer le fonctionnement d'un modèle de langage", "rédiger une charte d'usage")),
    DemoTraining("NUM-27-020", "Sélectionner des ressources libres sur e-classe", Modality.ONLINE, ALL_LEVELS, (T,), ("2.1", "2.3"), 0, 4,
                 "Trouver, évaluer et réutiliser des ressources éducatives libres en respectant les licences.",
                 ("chercher efficacement sur e-classe", "comprendre les licences Creative Commons")),
    DemoTraining("NUM-27-021", "Tableaux interactifs et écrans partagés", Modality.IN_PERSON, (Level.MATERNEL, Level.PRIMAIRE), (T,), ("3.1",), 6, 0,
                 "Tirer parti de l'écran de la classe pour des activités interactives avec tous les élèves.",
                 ("préparer une séance interactive", "faire manipuler les élèves au tableau")),
    DemoTraining("NUM-27-022", "Enseignement spécialisé : outils d'aide à la communication", Modality.IN_PERSON, (Level.SPECIALISE,), (T, E), ("5.1", "5.2"), 12, 0,
                 "Tablettes, pictogrammes et synthèse vocale au service de la communication des élèves à besoins spécifiques.",
                 ("choisir une aide à la communication", "adapter un support avec des pictogrammes")),
    DemoTraining("NUM-27-023", "Engager activement les élèves : la ludification", Modality.HYBRID, (Level.SECONDAIRE_INFERIEUR,), (T,), ("5.3", "3.1"), 6, 4,
                 "Escape games, quiz et défis : des mécaniques de jeu pour motiver sans perdre les objectifs d'apprentissage.",
                 ("concevoir un jeu d'évasion pédagogique", "équilibrer jeu et apprentissages")),
    DemoTraining("NUM-27-024", "Former les adultes à distance en promotion sociale", Modality.REMOTE, (Level.PROMOTION_SOCIALE,), (T, Audience.INTERNAL_TRAINER), ("3.1", "3.4", "5.3"), 9, 3,
                 "Animer des cours à distance pour des adultes : rythme, interactions et suivi des apprenants.",
                 ("animer une classe virtuelle", "maintenir l'engagement à distance")),
    DemoTraining("NUM-27-025", "Accompagner l'autonomie des élèves (apprentissage autorégulé)", Modality.ONLINE, SEC, (T,), ("3.4", "5.2"), 0, 10,
                 "Des outils pour que les élèves planifient, suivent et évaluent eux-mêmes leur travail.",
                 ("proposer des outils de planification", "faire pratiquer l'auto-évaluation")),
    DemoTraining("NUM-27-026", "Pratique réflexive et portfolio numérique", Modality.COMMUNITY, ALL_LEVELS, (T, Audience.INTERNAL_TRAINER), ("1.3", "1.4"), 6, 6,
                 "Tenir un portfolio de ses pratiques et l'analyser avec des pairs, au fil de l'année.",
                 ("documenter sa pratique", "analyser une situation avec des pairs")),
    DemoTraining("NUM-27-027", "Résoudre les problèmes techniques du quotidien", Modality.ONLINE, ALL_LEVELS, (T, E, Audience.DRN), ("6.5",), 0, 5,
                 "Projecteur muet, Wi-Fi capricieux, mise à jour bloquée : des fiches et vidéos pour se dépanner seul.",
                 ("diagnostiquer une panne courante", "savoir quand et comment demander de l'aide")),
    DemoTraining("NUM-27-028", "Communication entre l'école et les familles", Modality.IN_PERSON, (Level.MATERNEL, Level.PRIMAIRE), (D, T), ("1.1", "6.2"), 6, 0,
                 "Choisir les bons canaux pour informer les familles, sans exclure celles qui sont peu connectées.",
                 ("définir une stratégie de communication", "rédiger des messages clairs")),
    DemoTraining("NUM-27-029", "Créer des évaluations adaptatives", Modality.REMOTE, (Level.SECONDAIRE_SUPERIEUR,), (T,), ("4.1", "4.2", "5.2"), 6, 4,
                 "Concevoir des tests qui s'adaptent au niveau de l'élève et exploiter leurs résultats.",
                 ("construire une banque de questions par niveau", "lire les résultats d'un test adaptatif")),
    DemoTraining("NUM-27-030", "Robotique pédagogique au secondaire", Modality.IN_PERSON, SEC, (T,), ("6.3", "6.5", "3.3"), 12, 0,
                 "Cartes programmables et robots : des projets interdisciplinaires en sciences, mathématiques et technologie.",
                 ("mener un projet de robotique", "évaluer un projet interdisciplinaire")),
    DemoTraining("NUM-27-031", "Inclusion numérique des élèves à besoins spécifiques", Modality.HYBRID, (Level.PRIMAIRE, Level.SECONDAIRE_INFERIEUR, Level.SPECIALISE), (T, E), ("5.1", "5.2"), 6, 4,
                 "Aménagements raisonnables et outils numériques pour les élèves dyslexiques, dyspraxiques ou malvoyants.",
                 ("choisir un aménagement numérique", "mettre en place un outil de compensation")),
]  # fmt: skip

#: The four hybrid trainings of the high-expertise track, with their number of days.
TRACK_AUDIENCES = (Audience.CTP, Audience.DCO, Audience.INTERNAL_TRAINER)
TRACK_TRAININGS = [
    (DemoTraining("HE-27-001", "Haute expertise 1 — Accompagner la transformation numérique des écoles", Modality.HYBRID, ALL_LEVELS, TRACK_AUDIENCES, ("1.1", "1.2", "1.4"), 18, 6,
                  "Première session du parcours : diagnostiquer la maturité numérique d'une école et accompagner son équipe.",
                  ("conduire un diagnostic numérique", "accompagner une équipe éducative")), 3),
    (DemoTraining("HE-27-002", "Haute expertise 2 — Concevoir des dispositifs de formation hybrides", Modality.HYBRID, ALL_LEVELS, TRACK_AUDIENCES, ("3.1", "3.4", "2.2"), 18, 6,
                  "Deuxième session : scénariser des formations hybrides pour des enseignant·es, du présentiel à l'autonomie.",
                  ("scénariser un dispositif hybride", "produire des ressources de formation")), 3),
    (DemoTraining("HE-27-003", "Haute expertise 3 — Évaluation et données d'apprentissage", Modality.HYBRID, ALL_LEVELS, TRACK_AUDIENCES, ("4.1", "4.2"), 12, 6,
                  "Troisième session : accompagner les équipes dans l'évaluation numérique et l'usage raisonné des données.",
                  ("conseiller des stratégies d'évaluation", "analyser des données d'apprentissage")), 2),
    (DemoTraining("HE-27-004", "Haute expertise 4 — Animer des communautés de pratique", Modality.HYBRID, ALL_LEVELS, TRACK_AUDIENCES, ("1.3", "6.2"), 12, 6,
                  "Dernière session : lancer et faire vivre une communauté de pratique entre écoles.",
                  ("animer une communauté de pratique", "évaluer l'impact d'un accompagnement")), 2),
]  # fmt: skip

PROGRAMME = (
    "<p>Alternance d'apports, d'ateliers pratiques et d'échanges entre participant·es.</p>"
    "<ul><li>Matin : découverte et démonstrations.</li>"
    "<li>Après-midi : mise en pratique sur vos propres supports.</li>"
    "<li>Entre les journées : essai en classe et partage d'expérience.</li></ul>"
)
E_CLASSE = "https://www.e-classe.be/"


def demo_index() -> CatalogueIndexPage:
    """The live catalogue index at ``/formations/`` (created on first use)."""
    index = CatalogueIndexPage.objects.first()
    if index is not None:
        return index
    index = CatalogueIndexPage(
        title="Catalogue des formations",
        slug=INDEX_SLUG,
        intro=(
            "<p>Les formations de l'IFPC pour développer la compétence numérique "
            "des membres du personnel de l'enseignement.</p>"
        ),
    )
    site_root().add_child(instance=index)
    index.save_revision().publish()
    return index


def _objectives_html(objectives: tuple[str, ...]) -> str:
    items = "".join(f"<li>{escape(o)}</li>" for o in objectives)
    return f"<p>À l'issue de la formation, vous pourrez :</p><ul>{items}</ul>"


def _training(
    index: CatalogueIndexPage, data: DemoTraining, manager: User | None
) -> TrainingPage:
    existing = TrainingPage.objects.filter(code=data.code).first()
    if existing is not None:
        return existing
    page = TrainingPage(
        title=data.title,
        code=data.code,
        summary=data.summary,
        objectives=_objectives_html(data.objectives),
        programme=PROGRAMME,
        modality=data.modality,
        sync_hours=Decimal(data.sync_hours),
        async_hours=Decimal(data.async_hours),
        prerequisites=(
            "Aucun prérequis technique : apportez un ordinateur portable ou une tablette."
        ),
        organiser="IFPC",
        contact_name="Secrétariat des formations numériques",
        contact_email="formations-numeriques@demo.tremplin.test",
        owner=manager,
        live=False,
    )
    page.levels = list(EducationLevel.objects.filter(code__in=data.levels))
    page.audiences = list(AudienceFunction.objects.filter(code__in=data.audiences))
    page.competences = list(Competence.objects.filter(code__in=data.competences))
    page.resource_links = [
        TrainingResourceLink(
            title="Ressources associées sur e-classe", url=E_CLASSE, sort_order=0
        )
    ]
    index.add_child(instance=page)
    page.save_revision(user=manager).publish()
    page.refresh_from_db()
    return page


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _session(
    training: TrainingPage,
    code: str,
    *,
    starts_on: dt.date,
    days: list[tuple[dt.date, str]],
    place: Place | None,
    capacity: int,
    policy: str = Session.Policy.AUTOMATIC,
    status: str = Session.Status.OPEN,
    ends_on: dt.date | None = None,
) -> Session:
    """Create the session ``code`` with its days unless it already exists."""
    existing = Session.objects.filter(code=code).first()
    if existing is not None:
        return existing
    closes = _aware(starts_on - dt.timedelta(days=3), 23, 0)
    opens = None
    if status == Session.Status.PLANNED:
        opens = closes - dt.timedelta(days=30)
    session = Session(
        training=training,
        code=code,
        starts_on=starts_on,
        ends_on=ends_on or (days[-1][0] if days else starts_on),
        is_online=place is None,
        venue=place.venue if place else "",
        address=place.address if place else "",
        postal_code=place.postal_code if place else "",
        city=place.city if place else "",
        capacity=capacity,
        has_waitlist=True,
        registration_opens_at=opens,
        registration_closes_at=closes,
        status=status,
        policy=policy,
        notes="Accueil dès 8 h 45. Un lunch est prévu les jours en présentiel."
        if place
        else "",
    )
    session.derive_place()
    session.full_clean()
    session.save()
    for day, kind in days:
        in_person = kind == SessionDay.Kind.IN_PERSON
        SessionDay.objects.create(
            session=session,
            date=day,
            start_time=dt.time(9, 0) if in_person else dt.time(13, 30),
            end_time=dt.time(16, 0) if in_person else dt.time(16, 30),
            kind=kind,
        )
    return session


def _weekday(day: dt.date) -> dt.date:
    """The same day, or the next Tuesday when it falls on a weekend or Monday."""
    while day.weekday() in (0, 5, 6):
        day += dt.timedelta(days=1)
    return day


def _sessions_for(
    position: int, training: TrainingPage, data: DemoTraining, today: dt.date
) -> list[Session]:
    """One to three sessions of a regular training, in the coming months."""
    sessions = []
    count = 1 + position % 3
    in_person, virtual = SessionDay.Kind.IN_PERSON, SessionDay.Kind.VIRTUAL
    for number in range(count):
        start = _weekday(today + dt.timedelta(days=21 + position * 4 + number * 42))
        code = f"{data.code}-S{number + 1}"
        place: Place | None = PLACES[(position + number * 3) % len(PLACES)]
        ends_on = None
        if data.modality == Modality.IN_PERSON:
            length = 2 if data.sync_hours >= 12 else 1
            days = [
                (_weekday(start + dt.timedelta(days=7 * i)), in_person)
                for i in range(length)
            ]
        elif data.modality == Modality.HYBRID:
            days = [
                (start, in_person),
                (_weekday(start + dt.timedelta(days=14)), virtual),
            ]
        elif data.modality == Modality.REMOTE:
            place = None
            days = [
                (_weekday(start + dt.timedelta(days=7 * i)), virtual) for i in range(3)
            ]
        elif data.modality == Modality.COMMUNITY:
            days = [
                (
                    _weekday(start + dt.timedelta(days=28 * i)),
                    in_person if i % 2 == 0 else virtual,
                )
                for i in range(3)
            ]
        else:  # asynchronous online: an open session lasting a term, no live day
            place = None
            days = []
            ends_on = start + dt.timedelta(days=90)
        policy = Session.Policy.AUTOMATIC
        if position % 4 == 1:
            policy = Session.Policy.MANUAL
        elif position % 7 == 3:
            policy = Session.Policy.MANUAL_PRIORITY
        status = Session.Status.PLANNED if number == 2 else Session.Status.OPEN
        capacity = (
            2 if (number == 0 and position % 10 == 2) else 16 + (position % 4) * 4
        )
        if data.modality == Modality.ONLINE:
            capacity = 200
        sessions.append(
            _session(
                training,
                code,
                starts_on=start,
                days=days,
                place=place,
                capacity=capacity,
                policy=policy,
                status=status,
                ends_on=ends_on,
            )
        )  # fmt: skip
    return sessions


def _fill(session: Session) -> None:
    """Fill a small automatic session with demo accounts so it shows as full."""
    from .errors import RegistrationError
    from .services import register_for_session

    if session.registrations.exists() or session.policy != Session.Policy.AUTOMATIC:
        return
    for user in User.objects.filter(email__in=FULL_SESSION_PARTICIPANTS):
        try:
            register_for_session(user, session)
        except RegistrationError as error:
            logger.warning("demo registration to %s refused: %s", session.code, error)


def _track(
    index: CatalogueIndexPage, manager: User | None, today: dt.date
) -> TrackPage:
    """The high-expertise track: four hybrid trainings with one fixed session each."""
    in_person, virtual = SessionDay.Kind.IN_PERSON, SessionDay.Kind.VIRTUAL
    steps = []
    start = _weekday(today + dt.timedelta(days=35))
    for position, (data, day_count) in enumerate(TRACK_TRAININGS):
        training = _training(index, data, manager)
        first = _weekday(start + dt.timedelta(days=position * 35))
        days = []
        for i in range(day_count):
            kind = virtual if i == day_count - 1 else in_person
            days.append((_weekday(first + dt.timedelta(days=7 * i)), kind))
        session = _session(
            training,
            f"{data.code}-S1",
            starts_on=first,
            days=days,
            place=PLACES[0] if position % 2 == 0 else PLACES[2],
            capacity=24,
            policy=Session.Policy.MANUAL_PRIORITY,
        )
        steps.append((training, session))

    existing = TrackPage.objects.filter(code=TRACK_CODE).first()
    if existing is not None:
        return existing
    track = TrackPage(
        title=TRACK_TITLE,
        code=TRACK_CODE,
        summary=(
            "Dix journées en quatre sessions hybrides pour les conseiller·ères "
            "techno-pédagogiques, les DCO et les formateur·rices internes : "
            "accompagner les écoles dans leur transformation numérique."
        ),
        description=(
            "<p>Le parcours mène à une attestation unique. Chaque session alterne "
            "journées en présentiel, classe virtuelle et travail en autonomie.</p>"
        ),
        owner=manager,
        live=False,
    )
    track.eligible_audiences = list(
        AudienceFunction.objects.filter(code__in=TRACK_AUDIENCES)
    )
    track.steps = [
        TrackStep(training=training, session=session, sort_order=i)
        for i, (training, session) in enumerate(steps)
    ]
    index.add_child(instance=track)
    track.save_revision(user=manager).publish()
    return track


def _attach_course_template(training: TrainingPage) -> None:
    """Give the demo course template to its training (if the courses demo ran)."""
    from courses.demo import TEMPLATE_CODE
    from courses.models import Course

    if training.course_template_id:
        return
    template = Course.objects.filter(code=TEMPLATE_CODE, source__isnull=True).first()
    if template is None:
        return
    training.course_template = template
    training.save_revision().publish()


@transaction.atomic
def seed_demo_catalogue() -> None:
    """Create the demo catalogue when missing (see the module docstring)."""
    ensure_reference_rows()
    from .workflow import ensure_catalogue_moderation

    manager = User.objects.filter(email__iexact=MANAGER).first()
    index = demo_index()
    ensure_catalogue_moderation()
    today = timezone.localdate()
    for position, data in enumerate(TRAININGS):
        training = _training(index, data, manager)
        sessions = _sessions_for(position, training, data, today)
        if sessions and sessions[0].capacity == 2:
            _fill(sessions[0])
        if data.code == COURSE_TRAINING_CODE:
            _attach_course_template(training)
    _track(index, manager, today)
    logger.info("demo catalogue ready: %s trainings", TrainingPage.objects.count())


#: A second catalogue manager, so that the moderation workflow can be tried in the
#: demo: one manager submits, the other approves.
SECOND_MANAGER = "catalogue-relecture@demo.tremplin.test"


def register() -> None:
    """Add the demo catalogue to ``manage.py seed_demo`` (after the demo course),
    and a second catalogue manager to the demo accounts."""
    from lms.demo import DEMO_ACCOUNTS, DemoAccount, register_step
    from lms.roles import Role

    if all(account.email != SECOND_MANAGER for account in DEMO_ACCOUNTS):
        DEMO_ACCOUNTS.append(
            DemoAccount(
                SECOND_MANAGER,
                "Hugo",
                "Delvaux",
                (Role.CATALOGUE_MANAGER,),
                "second gestionnaire du catalogue (approuve les publications)",
            )
        )
    register_step(seed_demo_catalogue)
