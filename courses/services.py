"""State changes of courses: structure, runs, access, assignments, audit trail.

Every write to course structure goes through here so that the rules live in one
place (validation with French messages, page bodies sanitised, an audit entry
per change). Tracking itself (CMI commits, progress) belongs to
``courses.tracking`` and ``courses.progress``; this module calls
``courses.progress.record_progress`` where a learner's action (viewing a page,
an accepted submission) counts for completion.

Why runs are deep copies: see ``courses.models``. ``start_run`` copies a
template once, in one transaction; from then on the template and the run live
separately, so editing or deleting template content never touches learners'
attempts, progress or submissions.
"""

from __future__ import annotations

import logging
import posixpath
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import nh3
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from lms import audit

from .models import (
    Activity,
    ActivityProgress,
    Course,
    Module,
    Package,
    Participant,
    Submission,
)

logger = logging.getLogger(__name__)

Kind = Activity.Kind
Rule = Activity.CompletionRule

# --- Page bodies ------------------------------------------------------------------

#: HTML a page body may contain; everything else is removed by ``nh3`` (Ammonia).
PAGE_ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
PAGE_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
PAGE_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def sanitize_page_body(html: str) -> str:
    """Return ``html`` reduced to ``PAGE_ALLOWED_TAGS`` (scripts, styles, event
    handlers and ``javascript:`` links removed; links get ``rel=noopener``)."""
    return nh3.clean(
        html or "",
        tags=set(PAGE_ALLOWED_TAGS),
        attributes=PAGE_ALLOWED_ATTRIBUTES,
        url_schemes=set(PAGE_URL_SCHEMES),
        link_rel="noopener noreferrer",
    ).strip()


# --- Audit trail --------------------------------------------------------------------


def _audit(
    by: Any, objects: Iterable[models.Model], flag: int, message: str | list
) -> None:
    """Record who changed what (``lms.audit``: admin history + application log)."""
    audit.record(by, objects, flag, message, logger=logger)


def _changed(fields: Sequence[str]) -> list[dict[str, Any]]:
    return [{"changed": {"fields": list(fields)}}]


# --- Courses -----------------------------------------------------------------------

COURSE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _validate_course_fields(code: str, title: str, *, instance: Course | None) -> None:
    errors: dict[str, list[str]] = {}
    if not code:
        errors.setdefault("code", []).append(_("Indiquez un code."))
    elif len(code) > 60 or not COURSE_CODE_RE.match(code):
        errors.setdefault("code", []).append(
            _(
                "Le code ne peut contenir que des lettres sans accent, des chiffres, "
                "des points, des tirets et des soulignés (60 caractères au plus)."
            )
        )
    else:
        clash = Course.objects.filter(code__iexact=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("code", []).append(
                _("Un cours porte déjà le code « %(code)s ».") % {"code": code}
            )
    if not title.strip():
        errors.setdefault("title", []).append(_("Indiquez un titre."))
    elif len(title) > 200:
        errors.setdefault("title", []).append(
            _("Le titre ne peut dépasser 200 caractères.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_course(
    *, code: str, title: str, description: str = "", created_by: Any = None
) -> Course:
    """Create a course *template* (``source`` empty).

    Raises ``ValidationError`` (French, per field) for an empty or malformed code,
    a code already used (case-insensitive) or an empty title.
    """
    code = code.strip()
    _validate_course_fields(code, title, instance=None)
    course = Course.objects.create(
        code=code,
        title=title.strip(),
        description=description.strip(),
        created_by=created_by,
    )
    _audit(created_by, [course], ADDITION, [{"added": {}}])
    return course


@transaction.atomic
def update_course(
    course: Course,
    *,
    by: Any,
    code: str,
    title: str,
    description: str = "",
    is_archived: bool = False,
) -> Course:
    """Change a course's code, title, description or archived flag.

    Raises ``ValidationError`` like ``create_course``.
    """
    code = code.strip()
    _validate_course_fields(code, title, instance=course)
    changed = []
    for name, value in (
        ("code", code),
        ("title", title.strip()),
        ("description", description.strip()),
        ("is_archived", is_archived),
    ):
        if getattr(course, name) != value:
            setattr(course, name, value)
            changed.append(name)
    if changed:
        course.save(update_fields=[*changed, "updated_at"])
        _audit(by, [course], CHANGE, _changed(changed))
    return course


@transaction.atomic
def start_run(template: Course, *, code: str, title: str, by: Any = None) -> Course:
    """Start a run (a session's own copy) of ``template``; return the new run.

    Deep copy, in one transaction: the course (``source`` = template), its modules
    and activities in the same order with every setting, and the prerequisites
    remapped onto the copies. Each copied activity keeps ``source`` = the template
    activity. Packages are *shared*, not copied: they are immutable once extracted
    and every attempt pins its own package. Uploaded files are shared too (their
    storage names are never reused). Participants, progress and submissions are
    not copied.

    Raises ``ValidationError`` when ``template`` is itself a run, or when the
    code is invalid or taken.
    """
    if not template.is_template:
        raise ValidationError(
            _("On ne démarre une session qu'à partir d'un modèle de cours.")
        )
    code = code.strip()
    _validate_course_fields(code, title, instance=None)
    # Lock the template so a concurrent edit cannot interleave with the copy.
    Course.objects.select_for_update().filter(pk=template.pk).first()
    run = Course.objects.create(
        code=code,
        title=title.strip(),
        description=template.description,
        source=template,
        created_by=by,
    )
    modules = list(template.modules.order_by("position", "id"))
    activities = list(
        Activity.objects.filter(module__course=template).order_by(
            "module__position", "module_id", "position", "id"
        )
    )
    new_modules = Module.objects.bulk_create(
        [
            Module(
                course=run,
                position=module.position,
                title=module.title,
                description=module.description,
            )
            for module in modules
        ]
    )
    module_map = {old.pk: new for old, new in zip(modules, new_modules, strict=True)}
    copies = Activity.objects.bulk_create(
        [
            Activity(
                module=module_map[activity.module_id],
                position=activity.position,
                title=activity.title,
                description=activity.description,
                kind=activity.kind,
                is_required=activity.is_required,
                completion_rule=activity.completion_rule,
                min_score=activity.min_score,
                attempt_policy=activity.attempt_policy,
                package_id=activity.package_id,
                body=activity.body,
                file=activity.file.name,
                url=activity.url,
                settings=dict(activity.settings or {}),
                source=activity,
            )
            for activity in activities
        ]
    )
    activity_map = {old.pk: new.pk for old, new in zip(activities, copies, strict=True)}
    through = Activity.prerequisites.through
    edges = through.objects.filter(from_activity__module__course=template)
    through.objects.bulk_create(
        [
            through(
                from_activity_id=activity_map[edge.from_activity_id],
                to_activity_id=activity_map[edge.to_activity_id],
            )
            for edge in edges
        ]
    )
    _audit(
        by,
        [run],
        ADDITION,
        _("Session démarrée à partir du modèle %(code)s") % {"code": template.code},
    )
    logger.info(
        "run started template=%s run=%s modules=%s activities=%s",
        template.pk,
        run.pk,
        len(new_modules),
        len(copies),
    )
    return run


# --- Modules -----------------------------------------------------------------------


def _validate_module_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("Indiquez un titre.")]})
    if len(title) > 200:
        raise ValidationError(
            {"title": [_("Le titre ne peut dépasser 200 caractères.")]}
        )
    return title


@transaction.atomic
def create_module(
    course: Course, *, title: str, description: str = "", by: Any = None
) -> Module:
    """Append a module (section) at the end of ``course``."""
    title = _validate_module_title(title)
    last = course.modules.aggregate(last=Max("position"))["last"]
    module = Module.objects.create(
        course=course,
        title=title,
        description=description.strip(),
        position=0 if last is None else last + 1,
    )
    _audit(by, [module], ADDITION, [{"added": {}}])
    return module


@transaction.atomic
def update_module(
    module: Module, *, title: str, description: str = "", by: Any = None
) -> Module:
    """Rename a module or change its description."""
    title = _validate_module_title(title)
    changed = []
    for name, value in (("title", title), ("description", description.strip())):
        if getattr(module, name) != value:
            setattr(module, name, value)
            changed.append(name)
    if changed:
        module.save(update_fields=[*changed, "updated_at"])
        _audit(by, [module], CHANGE, _changed(changed))
    return module


def _tracked_activity_ids(activities: models.QuerySet[Activity]) -> set[int]:
    """Activities some learner has already worked on (attempts, progress, work)."""
    ids = set(activities.values_list("pk", flat=True))
    if not ids:
        return set()
    tracked: set[int] = set()
    tracked.update(
        ActivityProgress.objects.filter(activity_id__in=ids).values_list(
            "activity_id", flat=True
        )
    )
    tracked.update(
        Submission.objects.filter(activity_id__in=ids).values_list(
            "activity_id", flat=True
        )
    )
    from .models import Attempt

    tracked.update(
        Attempt.objects.filter(activity_id__in=ids).values_list(
            "activity_id", flat=True
        )
    )
    return tracked


@transaction.atomic
def delete_module(module: Module, *, by: Any = None) -> None:
    """Delete a module and its activities.

    Refused (``ValidationError``) when a learner already has progress, attempts or
    submitted work on one of its activities: deleting would erase their tracking.
    """
    if _tracked_activity_ids(module.activities.all()):
        raise ValidationError(
            _(
                "Ce module contient des activités déjà suivies par des apprenants : "
                "le supprimer effacerait leur progression. Rendez plutôt ses "
                "activités facultatives."
            ),
            code="tracked",
        )
    _audit(by, [module], DELETION, _("Module supprimé : %(title)s") % {"title": module})
    course = module.course
    module.delete()
    _renumber(course.modules.order_by("position", "id"))


def _renumber(items: Iterable[Module] | Iterable[Activity]) -> None:
    changed = []
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


@transaction.atomic
def reorder_modules(
    course: Course, module_ids: Sequence[int], *, by: Any = None
) -> None:
    """Put ``course``'s modules in the order of ``module_ids`` (all of them, once)."""
    modules = {m.pk: m for m in course.modules.select_for_update()}
    if sorted(module_ids) != sorted(modules) or len(set(module_ids)) != len(module_ids):
        raise ValidationError(
            _("L'ordre demandé ne correspond pas aux modules de ce cours.")
        )
    _renumber(modules[pk] for pk in module_ids)
    _audit(by, [course], CHANGE, _("Modules réordonnés"))


def move_module(
    module: Module, direction: Literal["up", "down"], *, by: Any = None
) -> None:
    """Move ``module`` one place up or down within its course (no-op at an end)."""
    ids = list(
        module.course.modules.order_by("position", "id").values_list("pk", flat=True)
    )
    _swap(ids, module.pk, direction)
    reorder_modules(module.course, ids, by=by)


def _swap(ids: list[int], pk: int, direction: Literal["up", "down"]) -> None:
    index = ids.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]


# --- Activities ------------------------------------------------------------------

#: Completion rules that make sense for each kind of activity.
ALLOWED_RULES: dict[str, tuple[str, ...]] = {
    Kind.SCORM: (Rule.COMPLETED, Rule.PASSED, Rule.MIN_SCORE, Rule.VIEWED),
    Kind.H5P: (Rule.COMPLETED, Rule.PASSED, Rule.MIN_SCORE, Rule.VIEWED),
    Kind.PAGE: (Rule.VIEWED,),
    Kind.FILE: (Rule.VIEWED,),
    Kind.LINK: (Rule.VIEWED,),
    Kind.ASSIGNMENT: (Rule.SUBMISSION_ACCEPTED,),
    Kind.LIVE_CLASS: (Rule.COMPLETED, Rule.VIEWED),
    Kind.IN_PERSON_DAY: (Rule.COMPLETED, Rule.VIEWED),
}
PACKAGE_STANDARDS: dict[str, tuple[str, ...]] = {
    Kind.SCORM: (Package.Standard.SCORM_12, Package.Standard.SCORM_2004),
    Kind.H5P: (Package.Standard.H5P,),
}
#: Extensions accepted for downloadable files and submitted work.
FILE_EXTENSIONS: frozenset[str] = frozenset(
    {
        "pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx", "txt", "csv", "rtf",
        "png", "jpg", "jpeg", "gif", "webp", "mp3", "ogg", "mp4", "webm", "zip",
    }
)  # fmt: skip


@dataclass
class ActivityInput:
    """Everything staff set on an activity (what the activity form produces)."""

    kind: str
    title: str
    description: str = ""
    is_required: bool = True
    completion_rule: str = Rule.COMPLETED
    min_score: Decimal | None = None
    attempt_policy: str = Activity.AttemptPolicy.ON_REQUEST
    package: Package | None = None
    body: str = ""
    url: str = ""
    #: A newly uploaded file; ``None`` keeps the current one.
    file: UploadedFile | None = None
    prerequisites: list[Activity] = field(default_factory=list)
    #: Move to another module of the same course (edit only).
    module: Module | None = None


def _check_upload(upload: UploadedFile, field_name: str, max_bytes: int) -> list[str]:
    problems = []
    extension = posixpath.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in FILE_EXTENSIONS:
        problems.append(
            _("Ce type de fichier n'est pas accepté. Types acceptés : %(types)s.")
            % {"types": ", ".join(sorted(FILE_EXTENSIONS))}
        )
    if upload.size is not None and upload.size > max_bytes:
        problems.append(
            _("Le fichier dépasse la taille maximale de %(size)s Mo.")
            % {"size": max_bytes // (1024 * 1024)}
        )
    return problems


def _validate_activity(
    module: Module, data: ActivityInput, instance: Activity | None
) -> None:
    """Raise a per-field ``ValidationError`` (French) unless ``data`` is coherent."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.kind not in Kind.values:
        add("kind", _("Type d'activité inconnu."))
    if not data.title.strip():
        add("title", _("Indiquez un titre."))
    elif len(data.title) > 200:
        add("title", _("Le titre ne peut dépasser 200 caractères."))

    allowed = ALLOWED_RULES.get(data.kind, ())
    if data.completion_rule not in Rule.values:
        add("completion_rule", _("Condition d'achèvement inconnue."))
    elif allowed and data.completion_rule not in allowed:
        add(
            "completion_rule",
            _("Pour ce type d'activité, choisissez parmi : %(rules)s.")
            % {"rules": ", ".join(str(Rule(rule).label) for rule in allowed)},
        )
    if data.completion_rule == Rule.MIN_SCORE:
        if data.min_score is None:
            add("min_score", _("Indiquez le score minimum (entre 0 et 100)."))
        elif not (Decimal(0) <= data.min_score <= Decimal(100)):
            add("min_score", _("Le score minimum doit être compris entre 0 et 100."))
    elif data.min_score is not None and not (
        Decimal(0) <= data.min_score <= Decimal(100)
    ):
        add("min_score", _("Le score minimum doit être compris entre 0 et 100."))

    if data.attempt_policy not in Activity.AttemptPolicy.values:
        add("attempt_policy", _("Politique de tentatives inconnue."))

    standards = PACKAGE_STANDARDS.get(data.kind)
    if standards:
        package = data.package
        if package is None:
            add("package", _("Choisissez un paquet prêt."))
        elif package.status != Package.Status.READY:
            add(
                "package",
                _("Ce paquet n'est pas prêt (statut : %(status)s).")
                % {"status": package.get_status_display()},
            )
        elif package.standard not in standards:
            add(
                "package",
                _(
                    "Ce paquet est au format %(found)s ; ce type d'activité attend %(expected)s."
                )
                % {
                    "found": package.get_standard_display(),
                    "expected": " / ".join(
                        str(Package.Standard(s).label) for s in standards
                    ),
                },
            )
    elif data.package is not None:
        add("package", _("Seules les activités SCORM et H5P utilisent un paquet."))

    if data.kind == Kind.LINK:
        url = data.url.strip()
        if not url:
            add("url", _("Indiquez l'adresse du lien."))
        elif not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
            add("url", _("L'adresse doit commencer par http:// ou https://."))
        elif len(url) > 1000:
            add("url", _("L'adresse ne peut dépasser 1000 caractères."))
    if data.kind == Kind.PAGE and not sanitize_page_body(data.body):
        add("body", _("Rédigez le contenu de la page."))
    if data.kind == Kind.FILE:
        if data.file is None and not (instance is not None and instance.file):
            add("file", _("Joignez un fichier."))
        elif data.file is not None:
            for problem in _check_upload(
                data.file, "file", settings.COURSE_FILE_MAX_UPLOAD_BYTES
            ):
                add("file", problem)

    target_module = data.module or module
    if target_module.course_id != module.course_id:
        add("module", _("Le module doit appartenir au même cours."))
    _validate_prerequisites(module.course_id, data.prerequisites, instance, add)
    if errors:
        raise ValidationError(errors)


def _validate_prerequisites(
    course_id: int,
    prerequisites: Sequence[Activity],
    instance: Activity | None,
    add: Any,
) -> None:
    if not prerequisites:
        return
    ids = {p.pk for p in prerequisites}
    course_ids = set(
        Activity.objects.filter(pk__in=ids).values_list("module__course_id", flat=True)
    )
    if course_ids - {course_id}:
        add("prerequisites", _("Les prérequis doivent appartenir au même cours."))
        return
    if instance is None:
        return
    if instance.pk in ids:
        add("prerequisites", _("Une activité ne peut pas être son propre prérequis."))
        return
    # A cycle appears when this activity is already (transitively) a prerequisite
    # of one of its new prerequisites.
    through = Activity.prerequisites.through
    requires: dict[int, set[int]] = {}
    for source_id, target_id in through.objects.filter(
        from_activity__module__course_id=course_id
    ).values_list("from_activity_id", "to_activity_id"):
        requires.setdefault(source_id, set()).add(target_id)
    requires[instance.pk] = set(ids)
    stack, seen = list(ids), set()
    while stack:
        current = stack.pop()
        if current == instance.pk:
            add(
                "prerequisites",
                _(
                    "Ces prérequis créeraient une boucle : cette activité serait "
                    "nécessaire pour débloquer l'un de ses propres prérequis."
                ),
            )
            return
        if current in seen:
            continue
        seen.add(current)
        stack.extend(requires.get(current, ()))


def _stored_name(folder: str, upload: UploadedFile) -> str:
    name = get_valid_filename(posixpath.basename(upload.name or "fichier")) or "fichier"
    return f"courses/{folder}/{uuid.uuid4().hex}/{name[-120:]}"


def _apply(activity: Activity, data: ActivityInput) -> list[str]:
    """Copy ``data`` onto ``activity``; return the names of changed fields."""
    is_package_kind = data.kind in PACKAGE_STANDARDS
    values: dict[str, Any] = {
        "kind": data.kind,
        "title": data.title.strip(),
        "description": data.description.strip(),
        "is_required": data.is_required,
        "completion_rule": data.completion_rule,
        "min_score": data.min_score if data.completion_rule == Rule.MIN_SCORE else None,
        "attempt_policy": data.attempt_policy,
        "package": data.package if is_package_kind else None,
        "body": sanitize_page_body(data.body) if data.kind == Kind.PAGE else "",
        "url": data.url.strip() if data.kind == Kind.LINK else "",
    }
    changed = []
    for name, value in values.items():
        current = getattr(activity, name)
        if current != value:
            setattr(activity, name, value)
            changed.append(name)
    if data.kind == Kind.FILE and data.file is not None:
        # A new storage name each time: runs sharing the old file keep it.
        activity.file.save(_stored_name("files", data.file), data.file, save=False)
        changed.append("file")
    elif data.kind != Kind.FILE and activity.file:
        activity.file = ""
        changed.append("file")
    return changed


@transaction.atomic
def create_activity(module: Module, data: ActivityInput, *, by: Any = None) -> Activity:
    """Append an activity to ``module``.

    Validates (``ValidationError`` per field, in French): title; completion rule
    allowed for the kind; ``min_score`` required and within 0–100 for the
    minimum-score rule; SCORM/H5P need a READY package of that standard; a link
    needs an http(s) URL; a page needs a body (sanitised with ``nh3``); a file
    needs an accepted file; prerequisites from the same course, without cycles.
    """
    _validate_activity(module, data, None)
    target = data.module or module
    last = target.activities.aggregate(last=Max("position"))["last"]
    activity = Activity(module=target, position=0 if last is None else last + 1)
    _apply(activity, data)
    activity.save()
    activity.prerequisites.set(data.prerequisites)
    _audit(by, [activity], ADDITION, [{"added": {}}])
    return activity


@transaction.atomic
def update_activity(
    activity: Activity, data: ActivityInput, *, by: Any = None
) -> Activity:
    """Change an activity; same validation as ``create_activity``.

    Replacing the package only affects *new* attempts: open attempts stay pinned
    to the package they started on (``Attempt.package``).
    """
    module = activity.module
    _validate_activity(module, data, activity)
    old_package_id = activity.package_id
    changed = _apply(activity, data)
    if data.module is not None and data.module.pk != activity.module_id:
        last = data.module.activities.aggregate(last=Max("position"))["last"]
        activity.module = data.module
        activity.position = 0 if last is None else last + 1
        changed += ["module", "position"]
    if changed:
        activity.save()
    if set(activity.prerequisites.values_list("pk", flat=True)) != {
        p.pk for p in data.prerequisites
    }:
        activity.prerequisites.set(data.prerequisites)
        changed.append("prerequisites")
    if changed:
        _audit(by, [activity], CHANGE, _changed(changed))
    if "package" in changed:
        logger.info(
            "activity package replaced activity=%s old=%s new=%s",
            activity.pk,
            old_package_id,
            activity.package_id,
        )
    if "module" in changed:
        _renumber(module.activities.order_by("position", "id"))
    return activity


@transaction.atomic
def replace_package(
    activity: Activity, package: Package, *, by: Any = None
) -> Activity:
    """Point a SCORM/H5P activity at another READY package of the same kind.

    Attempts already started keep their own package version; new attempts get
    ``package``. Raises ``ValidationError`` when the package does not fit.
    """
    data = activity_input_from(activity)
    data.package = package
    return update_activity(activity, data, by=by)


def activity_input_from(activity: Activity) -> ActivityInput:
    """The current values of ``activity`` as an ``ActivityInput`` to modify."""
    return ActivityInput(
        kind=activity.kind,
        title=activity.title,
        description=activity.description,
        is_required=activity.is_required,
        completion_rule=activity.completion_rule,
        min_score=activity.min_score,
        attempt_policy=activity.attempt_policy,
        package=activity.package,
        body=activity.body,
        url=activity.url,
        prerequisites=list(activity.prerequisites.all()),
    )


@transaction.atomic
def delete_activity(activity: Activity, *, by: Any = None) -> None:
    """Delete an activity; activities that required it no longer do.

    Refused (``ValidationError``) once a learner has progress, attempts or
    submitted work on it: make it optional instead. In a template this never
    touches runs: their copies only lose the link to their origin.
    """
    if _tracked_activity_ids(Activity.objects.filter(pk=activity.pk)):
        raise ValidationError(
            _(
                "Des apprenants ont déjà commencé cette activité : la supprimer "
                "effacerait leur progression. Rendez-la plutôt facultative."
            ),
            code="tracked",
        )
    _audit(
        by,
        [activity],
        DELETION,
        _("Activité supprimée : %(title)s") % {"title": activity},
    )
    module = activity.module
    activity.delete()
    _renumber(module.activities.order_by("position", "id"))


@transaction.atomic
def reorder_activities(
    module: Module, activity_ids: Sequence[int], *, by: Any = None
) -> None:
    """Put ``module``'s activities in the order of ``activity_ids`` (all, once)."""
    activities = {a.pk: a for a in module.activities.select_for_update()}
    if sorted(activity_ids) != sorted(activities) or len(set(activity_ids)) != len(
        activity_ids
    ):
        raise ValidationError(
            _("L'ordre demandé ne correspond pas aux activités de ce module.")
        )
    _renumber(activities[pk] for pk in activity_ids)
    _audit(by, [module], CHANGE, _("Activités réordonnées"))


def move_activity(
    activity: Activity, direction: Literal["up", "down"], *, by: Any = None
) -> None:
    """Move ``activity`` one place up or down within its module."""
    ids = list(
        activity.module.activities.order_by("position", "id").values_list(
            "pk", flat=True
        )
    )
    _swap(ids, activity.pk, direction)
    reorder_activities(activity.module, ids, by=by)


# --- Access -------------------------------------------------------------------------


@transaction.atomic
def grant_course_access(
    user: Any, course: Course, role: str = Participant.Role.LEARNER, *, by: Any = None
) -> Participant:
    """Give ``user`` access to the run ``course`` as learner or tutor (idempotent:
    an existing row is reactivated, never duplicated).

    Raises ``ValidationError`` for an unknown role or when ``course`` is a
    template (people follow runs; templates are only edited).
    """
    if role not in Participant.Role.values:
        raise ValidationError(_("Rôle inconnu : %(role)s") % {"role": role})
    if course.is_template:
        raise ValidationError(
            _(
                "On donne accès à une session de cours, pas à un modèle : démarrez "
                "d'abord une session."
            ),
            code="template",
        )
    try:
        with transaction.atomic():
            participant, created = Participant.objects.get_or_create(
                course=course, user=user, role=role
            )
    except IntegrityError:  # a concurrent grant won the race
        participant, created = (
            Participant.objects.get(course=course, user=user, role=role),
            False,
        )
    if created:
        _audit(by, [participant], ADDITION, [{"added": {}}])
    elif not participant.is_active:
        participant.is_active = True
        participant.save(update_fields=["is_active", "updated_at"])
        _audit(by, [participant], CHANGE, _("Accès rétabli"))
    return participant


@transaction.atomic
def revoke_course_access(
    user: Any, course: Course, role: str | None = None, *, by: Any = None
) -> int:
    """Withdraw ``user``'s access to ``course`` (for ``role``, or every role).

    Idempotent; tracking is kept (rows are deactivated, not deleted). Returns how
    many participations were deactivated.
    """
    participants = Participant.objects.filter(course=course, user=user, is_active=True)
    if role is not None:
        participants = participants.filter(role=role)
    rows = list(participants)
    if not rows:
        return 0
    Participant.objects.filter(pk__in=[p.pk for p in rows]).update(
        is_active=False, updated_at=timezone.now()
    )
    _audit(by, rows, CHANGE, _("Accès retiré"))
    return len(rows)


def is_active_learner(user: Any, course: Course) -> bool:
    """True when ``user`` follows ``course`` as an active learner."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Participant.objects.filter(
        course=course, user=user, role=Participant.Role.LEARNER, is_active=True
    ).exists()


# --- Learner actions ----------------------------------------------------------------

VIEWABLE_KINDS = (Kind.PAGE, Kind.FILE, Kind.LINK)


def mark_viewed(user: Any, activity: Activity) -> ActivityProgress:
    """Record that ``user`` opened a page, downloaded a file or followed a link.

    Delegates to ``courses.progress.record_progress(viewed=True)``, which applies
    the completion rule and emits ``activity_completion_changed`` on change.
    Raises ``ValidationError`` for other kinds (they have their own tracking).
    """
    from .progress import record_progress

    if activity.kind not in VIEWABLE_KINDS:
        raise ValidationError(_("Ce type d'activité n'est pas suivi par consultation."))
    return record_progress(user, activity, viewed=True)


def _prerequisites_met(user: Any, activity: Activity) -> bool:
    from .progress import is_unlocked

    prerequisite_ids = list(activity.prerequisites.values_list("pk", flat=True))
    if not prerequisite_ids:
        return True
    progress = {
        p.activity_id: p
        for p in ActivityProgress.objects.filter(
            user=user, activity_id__in=prerequisite_ids
        )
    }
    return is_unlocked(activity, progress)


@transaction.atomic
def submit_assignment(
    user: Any, activity: Activity, text: str = "", file: UploadedFile | None = None
) -> Submission:
    """Hand in work for an assignment; returns the new ``Submission`` (status
    "remis"), which the tutor then reviews.

    Preconditions, each refused with a French ``ValidationError``: the activity
    is an assignment of a course ``user`` follows as an active learner, its
    prerequisites are met, the work has a text or an accepted file, and no
    earlier submission was already accepted. Earlier submissions are kept as
    history. Marks the activity as started (``record_progress(viewed=True)``).
    """
    from .progress import record_progress

    if activity.kind != Kind.ASSIGNMENT:
        raise ValidationError(_("Cette activité n'attend pas de travail à remettre."))
    if not is_active_learner(user, activity.module.course):
        raise ValidationError(_("Vous ne suivez pas ce cours."), code="not_learner")
    if not _prerequisites_met(user, activity):
        raise ValidationError(
            _(
                "Cette activité est encore verrouillée : terminez d'abord ses prérequis."
            ),
            code="locked",
        )
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not text and file is None:
        errors["__all__"] = [_("Écrivez une réponse ou joignez un fichier.")]
    if file is not None:
        problems = _check_upload(file, "file", settings.SUBMISSION_MAX_UPLOAD_BYTES)
        if problems:
            errors["file"] = problems
    if errors:
        raise ValidationError(errors)
    if Submission.objects.filter(
        activity=activity, user=user, status=Submission.Status.ACCEPTED
    ).exists():
        raise ValidationError(
            _("Votre travail a déjà été accepté : inutile de le remettre à nouveau."),
            code="already_accepted",
        )
    submission = Submission(activity=activity, user=user, text=text)
    if file is not None:
        submission.original_filename = posixpath.basename(file.name or "")[:255]
        submission.file.save(_stored_name("submissions", file), file, save=False)
    submission.save()
    record_progress(user, activity, viewed=True)
    logger.info(
        "assignment submitted submission=%s activity=%s user=%s",
        submission.pk,
        activity.pk,
        user.pk,
    )
    return submission


REVIEW_STATUSES = (Submission.Status.ACCEPTED, Submission.Status.NEEDS_REVISION)


@transaction.atomic
def review_submission(
    submission: Submission, reviewer: Any, status: str, feedback: str = ""
) -> Submission:
    """Accept a submission or send it back for revision, with feedback.

    Accepting calls ``courses.progress.record_progress(...,
    submission_accepted=True)``, which completes the activity (rule "travail
    accepté") and emits the completion event. Refused (``ValidationError``) for
    an unknown status, a request for revision without feedback, or a submission
    already reviewed (a new one must be handed in). Who may review is decided by
    the caller (``courses.view_reports`` on the run: its tutors and IFPC staff).
    """
    from .progress import record_progress

    if status not in REVIEW_STATUSES:
        raise ValidationError(
            {"status": [_("Choisissez « accepté » ou « à retravailler ».")]}
        )
    feedback = (feedback or "").strip()
    if status == Submission.Status.NEEDS_REVISION and not feedback:
        raise ValidationError({"feedback": [_("Expliquez ce qui est à retravailler.")]})
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != Submission.Status.SUBMITTED:
        raise ValidationError(
            _("Ce travail a déjà été évalué."), code="already_reviewed"
        )
    locked.status = status
    locked.feedback = feedback
    locked.reviewed_by = reviewer
    locked.reviewed_at = timezone.now()
    locked.save(
        update_fields=["status", "feedback", "reviewed_by", "reviewed_at", "updated_at"]
    )
    _audit(reviewer, [locked], CHANGE, _changed(["status", "feedback"]))
    if status == Submission.Status.ACCEPTED:
        record_progress(locked.user, locked.activity, submission_accepted=True)
    submission.refresh_from_db()
    return submission
