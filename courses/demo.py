"""Demo course: a template with a page, an e-classe link, a SCORM 1.2 module
written by us (``demo_content/samr_scorm12``), an assignment, and a run of it
followed by the demo teacher and tutored by the demo tutor.

Idempotent: everything is looked up by natural key (course code, module and
activity titles, package checksum) and updated in place, so ``seed_demo`` run
twice leaves the same rows.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from .models import Activity, Course, Module, Package, Participant
from .services import grant_course_access, sanitize_page_body, start_run

logger = logging.getLogger(__name__)

TEMPLATE_CODE = "DEMO-NUM-CLASSE"
RUN_CODE = "DEMO-NUM-CLASSE-2026"
TEACHER = "enseignante@demo.tremplin.test"
TUTOR = "tuteur@demo.tremplin.test"
MANAGER = "catalogue@demo.tremplin.test"
SCO_FOLDER = Path(__file__).resolve().parent / "demo_content" / "samr_scorm12"
#: Fixed timestamp for every zip entry so the archive (and its checksum) is stable.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

WELCOME_BODY = """
<h2>Bienvenue dans ce parcours</h2>
<p>Ce cours accompagne la formation <strong>« Intégrer le numérique en classe »</strong>.
Il alterne découvertes en autonomie, un module interactif et une mise en pratique
évaluée par votre tuteur ou votre tutrice.</p>
<ul>
  <li>Module 1 : découvrir les repères et les ressources d'e-classe ;</li>
  <li>Module 2 : situer vos usages avec le modèle SAMR (module interactif, quiz) ;</li>
  <li>Module 3 : décrire une activité menée avec vos élèves.</li>
</ul>
<p>Vous pouvez vous arrêter à tout moment : votre progression est enregistrée et le
bouton « Reprendre » vous ramène où vous en étiez.</p>
"""

FURTHER_BODY = """
<h2>Pour aller plus loin</h2>
<p>Le cadre européen <abbr title="Digital Competence of Educators">DigCompEdu</abbr>
décrit 22 compétences numériques des enseignants, réparties en six domaines.</p>
<p>Repérez le domaine « Responsabiliser les apprenants » et choisissez une compétence
que vous souhaitez développer cette année.</p>
"""


def build_demo_sco() -> bytes:
    """The demo SCORM 1.2 package as a zip, byte-identical on every call."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SCO_FOLDER.rglob("*")):
            if not path.is_file():
                continue
            info = zipfile.ZipInfo(path.relative_to(SCO_FOLDER).as_posix(), ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def demo_package(user: Any = None) -> Package:
    """The READY demo package, imported once (found again by checksum)."""
    from .packages.importer import create_package_from_upload, process_package

    data = build_demo_sco()
    checksum = hashlib.sha256(data).hexdigest()
    existing = (
        Package.objects.filter(sha256=checksum, status=Package.Status.READY)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    package = create_package_from_upload(
        File(io.BytesIO(data), name="le-modele-samr-scorm12.zip"), user
    )
    package = process_package(package.pk)
    if package.status != Package.Status.READY:
        raise RuntimeError(f"demo SCORM package refused: {package.errors}")
    return package


def _module(course: Course, position: int, title: str, description: str) -> Module:
    module, _created = Module.objects.update_or_create(
        course=course,
        title=title,
        defaults={"position": position, "description": description},
    )
    return module


def _activity(module: Module, position: int, title: str, **values: Any) -> Activity:
    activity, _created = Activity.objects.update_or_create(
        module=module, title=title, defaults={"position": position, **values}
    )
    return activity


@transaction.atomic
def seed_demo_course() -> None:
    """Create or refresh the demo template and its run (see module docstring)."""
    from lms.models import User

    users = {
        u.email.lower(): u
        for u in User.objects.filter(email__in=[TEACHER, TUTOR, MANAGER])
    }
    manager = users.get(MANAGER)
    package = demo_package(manager)

    template, _created = Course.objects.update_or_create(
        code=TEMPLATE_CODE,
        defaults={
            "title": "Intégrer le numérique en classe",
            "description": (
                "Parcours en ligne de la formation hybride : repères, module "
                "interactif sur le modèle SAMR et mise en pratique en classe."
            ),
            "source": None,
            "created_by": manager,
        },
    )
    discover = _module(
        template,
        0,
        "Découvrir",
        "Les repères du parcours et les ressources d'e-classe.",
    )
    learn = _module(template, 1, "Se former", "Un module interactif, avec un quiz.")
    practise = _module(
        template, 2, "Mettre en pratique", "Une activité à mener puis à décrire."
    )
    welcome = _activity(
        discover,
        0,
        "Bienvenue dans le parcours",
        kind=Activity.Kind.PAGE,
        completion_rule=Activity.CompletionRule.VIEWED,
        is_required=True,
        body=sanitize_page_body(WELCOME_BODY),
    )
    _activity(
        discover,
        1,
        "Explorer les ressources d'e-classe",
        kind=Activity.Kind.LINK,
        completion_rule=Activity.CompletionRule.VIEWED,
        is_required=True,
        url="https://www.e-classe.be/",
        description="Repérez deux ressources utiles pour vos cours.",
    )
    scorm = _activity(
        learn,
        0,
        "Le modèle SAMR en classe",
        kind=Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.PASSED,
        attempt_policy=Activity.AttemptPolicy.ON_REQUEST,
        is_required=True,
        package=package,
        description="Lisez les deux pages puis répondez au quiz (70 % pour réussir).",
    )
    scorm.prerequisites.set([welcome])
    assignment = _activity(
        practise,
        0,
        "Décrire un usage numérique de votre classe",
        kind=Activity.Kind.ASSIGNMENT,
        completion_rule=Activity.CompletionRule.SUBMISSION_ACCEPTED,
        is_required=True,
        description=(
            "Décrivez en une dizaine de lignes une activité menée avec vos élèves, "
            "et situez-la dans le modèle SAMR."
        ),
    )
    assignment.prerequisites.set([scorm])
    _activity(
        practise,
        1,
        "Pour aller plus loin",
        kind=Activity.Kind.PAGE,
        completion_rule=Activity.CompletionRule.VIEWED,
        is_required=False,
        body=sanitize_page_body(FURTHER_BODY),
    )

    run = Course.objects.filter(code=RUN_CODE).first()
    if run is None:
        run = start_run(
            template,
            code=RUN_CODE,
            title="Intégrer le numérique en classe — session 2026",
            by=manager,
        )
    if TEACHER in users:
        grant_course_access(users[TEACHER], run, Participant.Role.LEARNER)
    if TUTOR in users:
        grant_course_access(users[TUTOR], run, Participant.Role.TUTOR)
    logger.info("demo course ready template=%s run=%s", template.pk, run.pk)


def register() -> None:
    """Add the demo course to ``manage.py seed_demo`` (after the accounts)."""
    from lms.demo import register_step

    register_step(seed_demo_course)
