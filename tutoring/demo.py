"""Demo tutoring data for ``seed_demo``: a running cohort with the demo tutor as
lead tutor, about forty learners at varied progress in two groups, a few forum
threads (one pinned announcement) and a chat history.

The cohort is the one of the open session of the demo training that has the
demo course template (``catalogue.demo.COURSE_TRAINING_CODE``); without such a
session, a cohort without session follows the demo course run.

Idempotent: accounts, groups and threads are looked up by natural key, chat
messages by their fixed client ids, and progress is only recorded for learners
enrolled by this run, so ``seed_demo`` twice leaves the same rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

TUTOR = "tuteur@demo.tremplin.test"
TEACHER = "enseignante@demo.tremplin.test"
LEARNER_EMAIL = "apprenant{number:02d}@demo.tremplin.test"
LEARNER_COUNT = 40
STANDALONE_CODE = "DEMO-COHORTE-NUM"
GROUP_NAMES = ("Groupe A — Namur", "Groupe B — Liège")
#: The online part of the hybrid training opens five weeks before its first
#: day, so the demo cohort is running (learners ahead, behind, inactive).
ONLINE_LEAD_DAYS = 35
CHAT_NAMESPACE = uuid.UUID("5b0c7a1e-8f7e-4d5e-9a55-2f1f0c6d7e01")

FIRST_NAMES = (
    "Léa", "Hugo", "Emma", "Louis", "Chloé", "Nathan", "Manon", "Lucas", "Inès",
    "Théo", "Sarah", "Noah", "Camille", "Arthur", "Zoé", "Jules", "Lina", "Adam",
    "Julie", "Victor",
)  # fmt: skip
LAST_NAMES = (
    "Dupont", "Lambert", "Martin", "Dubois", "Peeters", "Janssens", "Leroy",
    "Renard", "Simon", "Laurent", "Lejeune", "Collignon", "Mertens", "François",
    "Claes", "Willems", "Goossens", "Hermans", "Lemaire", "Michaux",
)  # fmt: skip

THREADS = (
    {
        "title": "Bienvenue dans la cohorte !",
        "author": "tutor",
        "announcement": True,
        "posts": [
            (
                "tutor",
                "<p>Bonjour à toutes et à tous, et bienvenue ! Commencez par la page "
                "« Bienvenue dans le parcours », puis explorez les ressources "
                "d'e-classe. Je réponds à vos questions ici et dans le chat.</p>",
            )
        ],
    },
    {
        "title": "Question sur le modèle SAMR",
        "author": 3,
        "posts": [
            (
                3,
                "<p>Faut-il situer chaque activité à un seul niveau du modèle SAMR, "
                "ou peut-on hésiter entre deux niveaux ?</p>",
            ),
            (
                "tutor",
                "<p>Bonne question : une même activité peut relever de deux niveaux "
                "selon l'usage qu'en font les élèves. Justifiez simplement votre "
                "choix.</p>",
            ),
            (5, "<p>Merci, cela m'aide aussi pour le travail final.</p>"),
        ],
    },
    {
        "title": "Ressources e-classe pour le primaire",
        "author": 8,
        "posts": [
            (
                8,
                "<p>Je partage deux ressources d'e-classe utilisées en 5e primaire "
                "sur la lecture de graphiques : très bien accueillies.</p>",
            ),
            (12, "<p>Merci pour le partage, je les essaie la semaine prochaine.</p>"),
        ],
    },
    {
        "title": "Organisation de notre groupe",
        "author": 1,
        "group": 0,
        "posts": [
            (
                1,
                "<p>Proposition : on se retrouve en classe virtuelle jeudi à 16 h "
                "pour préparer la mise en pratique.</p>",
            ),
            (3, "<p>D'accord pour jeudi.</p>"),
        ],
    },
)

CHAT_LINES = (
    ("tutor", "Bonjour à toutes et à tous, le chat de la cohorte est ouvert."),
    (1, "Bonjour ! Où trouve-t-on le module interactif ?"),
    ("tutor", "Dans le module « Se former », après la page de bienvenue."),
    (1, "Merci, je l'ai trouvé."),
    (6, "Le quiz compte-t-il pour l'attestation ?"),
    ("tutor", "Oui : il faut au moins 70 % pour valider le module."),
    (9, "Bonjour, je commence seulement aujourd'hui."),
    ("tutor", "Bienvenue ! Vous avez encore largement le temps."),
    (14, "Est-ce que la classe virtuelle sera enregistrée ?"),
    ("tutor", "Oui, l'enregistrement sera disponible le lendemain."),
    (3, "Merci pour la réponse sur le forum."),
    (22, "Quelqu'un a-t-il testé les ressources pour le maternel ?"),
    (8, "Oui, j'en parle dans le fil sur les ressources e-classe."),
    (17, "Bonne soirée à tous !"),
    ("tutor", "Bonne soirée, à jeudi pour la classe virtuelle."),
)


def _demo_cohort(tutor: Any) -> Any:
    """The demo cohort (created when missing), or None without a demo course."""
    from catalogue.demo import COURSE_TRAINING_CODE
    from catalogue.models import Session
    from courses.demo import RUN_CODE
    from courses.models import Course

    from . import cohorts
    from .models import Cohort

    session = (
        Session.objects.filter(
            training__code=COURSE_TRAINING_CODE,
            training__course_template__isnull=False,
            status__in=cohorts.COHORT_SESSION_STATUSES,
        )
        .select_related("training")
        .order_by("starts_on", "pk")
        .first()
    )
    if session is not None:
        cohort = cohorts.ensure_cohort_for_session(session)
        if cohort is not None and cohort.course_id:
            return cohort
    cohort = Cohort.objects.filter(code=STANDALONE_CODE).first()
    if cohort is not None:
        return cohort
    run = Course.objects.filter(code=RUN_CODE).first()
    if run is None:
        logger.warning("no demo course run: demo cohort skipped")
        return None
    today = timezone.localdate()
    return cohorts.create_cohort(
        code=STANDALONE_CODE,
        title=run.title[:255],
        starts_on=today - dt.timedelta(days=ONLINE_LEAD_DAYS),
        ends_on=today + dt.timedelta(days=60),
        course=run,
        by=tutor,
    )


def _learners() -> list[Any]:
    from lms.models import User
    from lms.roles import Role
    from lms.services import grant_role

    people = []
    for number in range(1, LEARNER_COUNT + 1):
        email = LEARNER_EMAIL.format(number=number)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                settings.DEMO_PASSWORD,
                first_name=FIRST_NAMES[(number - 1) % len(FIRST_NAMES)],
                last_name=LAST_NAMES[(number * 7) % len(LAST_NAMES)],
            )
        grant_role(user, Role.TEACHER)
        people.append(user)
    return people


def _record_progress(
    cohort: Any, user: Any, index: int, activities: list[Any], now: dt.datetime
) -> None:
    """Varied progress: not started, a first page, halfway, quiz failed or passed;
    some learners inactive for weeks. Aggregates are rebuilt right away (the
    completion events arrive after commit and then find nothing new)."""
    from courses.models import Activity
    from courses.progress import record_progress

    from . import aggregates
    from .models import Enrolment

    level = index % 6  # 0: not started … 5: quiz passed
    required = [a for a in activities if a.is_required]
    viewable = [
        a for a in required if a.kind in (Activity.Kind.PAGE, Activity.Kind.LINK)
    ]
    quiz = next((a for a in required if a.kind == Activity.Kind.SCORM), None)
    if level == 0:
        return
    for activity in viewable[: min(level, len(viewable))]:
        record_progress(user, activity, viewed=True)
    if quiz is not None and level >= 4:
        passed = level == 5
        record_progress(
            user,
            quiz,
            viewed=True,
            completed=True,
            passed=passed,
            score_percent=70 + index % 30 if passed else 35 + index % 20,
        )
    enrolment = Enrolment.objects.get(cohort=cohort, user=user)
    aggregates.rebuild_enrolment(enrolment)
    # Every fifth learner stopped weeks ago; the others were active lately.
    days_ago = 20 + index % 10 if index % 5 == 1 else index % 6
    last = now - dt.timedelta(days=days_ago, hours=index % 9)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        last_activity_at=last, started_at=last - dt.timedelta(days=3 + index % 5)
    )


def _threads(cohort: Any, tutor: Any, learners: list[Any], groups: list[Any]) -> None:
    from .models import Post, Thread

    now = timezone.now()
    for position, data in enumerate(THREADS):

        def person(key: Any) -> Any:
            return tutor if key == "tutor" else learners[key]

        group = groups[data["group"]] if "group" in data else None
        if Thread.objects.filter(cohort=cohort, title=data["title"]).exists():
            continue
        posts = data["posts"]
        last_at = now - dt.timedelta(days=len(THREADS) - position)
        thread = Thread.objects.create(
            cohort=cohort,
            group=group,
            author=person(data["author"]),
            title=data["title"],
            is_announcement=bool(data.get("announcement")),
            is_pinned=bool(data.get("announcement")),
            reply_count=len(posts) - 1,
            last_post_at=last_at,
        )
        for author, body in posts:
            Post.objects.create(thread=thread, author=person(author), body=body)


def _chat(cohort: Any, tutor: Any, learners: list[Any]) -> None:
    from .models import ChatMessage

    for number, (key, body) in enumerate(CHAT_LINES):
        author = tutor if key == "tutor" else learners[key]
        ChatMessage.objects.get_or_create(
            author=author,
            client_id=uuid.uuid5(CHAT_NAMESPACE, f"{cohort.pk}-{number}"),
            defaults={"cohort": cohort, "body": body},
        )


@transaction.atomic
def seed_demo_tutoring() -> None:
    """Create the demo cohort and its life when missing (see the module docstring)."""
    from lms.models import User

    from . import aggregates, cohorts
    from .models import Cohort, CohortGroup, Enrolment

    tutor = User.objects.filter(email__iexact=TUTOR).first()
    if tutor is None:
        logger.warning("no demo tutor account: demo cohort skipped")
        return
    cohort = _demo_cohort(tutor)
    if cohort is None:
        return
    learners = _learners()
    teacher = User.objects.filter(email__iexact=TEACHER).first()
    enrolled = set(
        Enrolment.objects.filter(cohort=cohort).values_list("user_id", flat=True)
    )
    today = timezone.localdate()
    if not enrolled and cohort.session_id is not None:
        # First demo run on this session cohort: open its online part earlier.
        start = min(cohort.starts_on, today - dt.timedelta(days=ONLINE_LEAD_DAYS))
        Cohort.objects.filter(pk=cohort.pk).update(starts_on=start)
        cohort.refresh_from_db()
    if not cohort.tutor_links.filter(user=tutor, is_lead=True).exists():
        others = [link.user for link in cohort.tutor_links.select_related("user")]
        cohorts.set_tutors(cohort, [tutor, *others], lead=tutor, by=tutor)
    groups = []
    for name in GROUP_NAMES:
        group = CohortGroup.objects.filter(cohort=cohort, name=name).first()
        groups.append(group or cohorts.create_group(cohort, name, by=tutor))
    activities = aggregates.cohort_activities(cohort)
    now = timezone.now()
    people = ([teacher] if teacher is not None else []) + learners
    for index, person in enumerate(people):
        if person.pk in enrolled:
            continue
        cohorts.enrol(
            cohort,
            person,
            source=Enrolment.Source.MANUAL,
            group=groups[index % 2] if index % 4 != 3 else None,
            by=tutor,
        )
        if person is teacher:
            continue  # the demo teacher follows the course herself
        _record_progress(cohort, person, index, activities, now)
    _threads(cohort, tutor, learners, groups)
    _chat(cohort, tutor, learners)
    logger.info("demo cohort ready: %s", cohort.code)


def register() -> None:
    """Add the demo cohort to ``manage.py seed_demo`` (after catalogue and courses)."""
    from lms.demo import register_account_series, register_step

    register_account_series(
        r"apprenant\d{2}@demo\.tremplin\.test",
        "apprenant01@demo.tremplin.test … apprenant40@demo.tremplin.test  "
        "apprenant·es de la cohorte de démonstration",
    )
    register_step(seed_demo_tutoring)
