"""Cohort services: create cohorts (one per catalogue session), tutors, groups,
enrolments. Every write to cohorts and enrolments goes through here.

Enrolling gives the learner access to the cohort's course run
(``courses.services.grant_course_access``) and seeds their dashboard aggregates
from the progress they may already have; unenrolling withdraws the access but
keeps the enrolment row and all tracking data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Participant
from courses.services import grant_course_access, revoke_course_access, start_run
from lms import audit
from lms.permissions import has_role
from lms.roles import Role

from . import aggregates
from .models import Cohort, CohortGroup, CohortTutor, Enrolment

logger = logging.getLogger(__name__)

#: Session statuses for which a cohort exists (registrations were opened once).
COHORT_SESSION_STATUSES = ("open", "full", "closed")


@transaction.atomic
def ensure_cohort_for_session(session: Any, *, by: Any = None) -> Cohort | None:
    """The cohort of a catalogue session, created on first need (idempotent).

    Created once the session has opened (status open, full or closed); ``None``
    for a planned or cancelled session without a cohort. A new cohort starts a
    run of the training's course template (if it has one) and takes the
    session's tutors (the first one as lead tutor).
    """
    existing = Cohort.objects.filter(session_id=session.pk).first()
    if existing is not None:
        return existing
    if session.status not in COHORT_SESSION_STATUSES:
        return None
    # Serialise creators: the session row lock makes the second caller wait and
    # then find the cohort.
    type(session).objects.select_for_update().filter(pk=session.pk).first()
    existing = Cohort.objects.filter(session_id=session.pk).first()
    if existing is not None:
        return existing
    training = session.training
    course = None
    template = getattr(training, "course_template", None)
    if template is not None:
        course = start_run(
            template, code=_free_run_code(session), title=training.title[:200], by=by
        )
    cohort = Cohort.objects.create(
        session=session,
        course=course,
        code=(
            session.code
            if not Cohort.objects.filter(code__iexact=session.code).exists()
            else f"{session.code}-S{session.pk}"
        ),
        title=training.title[:255],
        starts_on=session.starts_on,
        ends_on=session.ends_on,
    )
    tutors = list(session.tutors.order_by("pk"))
    if tutors:
        set_tutors(cohort, tutors, lead=tutors[0], by=by)
    audit.record(by, [cohort], audit.ADDITION, _("Cohorte créée"), logger=logger)
    return cohort


def _free_run_code(session: Any) -> str:
    """The session code as the run's code, suffixed if a course already uses it."""
    from courses.models import Course

    for code in (session.code, f"{session.code}-R", f"{session.code}-R{session.pk}"):
        if not Course.objects.filter(code__iexact=code).exists():
            return code
    return f"RUN-{session.pk}-{timezone.now():%Y%m%d%H%M%S}"


@transaction.atomic
def create_cohort(
    *,
    code: str,
    title: str,
    starts_on: Any,
    ends_on: Any,
    course: Any = None,
    by: Any = None,
) -> Cohort:
    """A cohort without catalogue session (e.g. an internal track); validated."""
    code = (code or "").strip()
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Indiquez un code.")]
    elif Cohort.objects.filter(code__iexact=code).exists():
        errors["code"] = [_("Ce code est déjà utilisé par une autre cohorte.")]
    if not title:
        errors["title"] = [_("Indiquez un intitulé.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("La fin ne peut pas précéder le début.")]
    if course is not None and course.is_template:
        errors["course"] = [_("Choisissez une session de cours, pas un modèle.")]
    if errors:
        raise ValidationError(errors)
    cohort = Cohort.objects.create(
        code=code, title=title, starts_on=starts_on, ends_on=ends_on, course=course
    )
    audit.record(by, [cohort], audit.ADDITION, _("Cohorte créée"), logger=logger)
    return cohort


@transaction.atomic
def set_tutors(
    cohort: Cohort, tutors: Iterable[Any], *, lead: Any = None, by: Any = None
) -> None:
    """Make ``tutors`` the cohort's tutors (``lead`` among them as lead tutor).

    Tutors get course access as tutor; removed tutors lose it. Only people with
    the tutor role (or IFPC staff) may be tutors.
    """
    from .permissions import is_ifpc_staff

    tutors = list(dict.fromkeys(tutors))
    refused = [t for t in tutors if not (has_role(t, Role.TUTOR) or is_ifpc_staff(t))]
    if refused:
        raise ValidationError(
            _("%(name)s n'a pas le rôle de tuteur·rice.")
            % {"name": refused[0].get_full_name() or refused[0].email}
        )
    if lead is not None and lead not in tutors:
        raise ValidationError(_("Le tuteur principal doit faire partie des tuteurs."))
    keep = {t.pk for t in tutors}
    for link in CohortTutor.objects.filter(cohort=cohort).exclude(user_id__in=keep):
        if cohort.course_id:
            revoke_course_access(
                link.user, cohort.course, Participant.Role.TUTOR, by=by
            )
        link.delete()
    CohortTutor.objects.filter(cohort=cohort).update(is_lead=False)
    for tutor in tutors:
        CohortTutor.objects.update_or_create(
            cohort=cohort,
            user=tutor,
            defaults={"is_lead": lead is not None and tutor.pk == lead.pk},
        )
        if cohort.course_id:
            grant_course_access(tutor, cohort.course, Participant.Role.TUTOR, by=by)
    audit.record(by, [cohort], audit.CHANGE, _("Tuteurs modifiés"), logger=logger)


@transaction.atomic
def create_group(
    cohort: Cohort, name: str, *, tutor: Any = None, by: Any = None
) -> CohortGroup:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Indiquez le nom du groupe.")]})
    if len(name) > 120:
        raise ValidationError({"name": [_("120 caractères au maximum.")]})
    if cohort.groups.filter(name__iexact=name).exists():
        raise ValidationError({"name": [_("Un groupe porte déjà ce nom.")]})
    if tutor is not None:
        set_group_tutor_check(tutor)
    group = CohortGroup.objects.create(cohort=cohort, name=name, tutor=tutor)
    if tutor is not None and cohort.course_id:
        grant_course_access(tutor, cohort.course, Participant.Role.TUTOR, by=by)
    audit.record(by, [group], audit.ADDITION, _("Groupe créé"), logger=logger)
    return group


def set_group_tutor_check(tutor: Any) -> None:
    from .permissions import is_ifpc_staff

    if not (has_role(tutor, Role.TUTOR) or is_ifpc_staff(tutor)):
        raise ValidationError(
            {"tutor": [_("Cette personne n'a pas le rôle de tuteur·rice.")]}
        )


@transaction.atomic
def assign_group(
    enrolment: Enrolment, group: CohortGroup | None, *, by: Any = None
) -> Enrolment:
    """Move a learner into ``group`` (or out of any group with ``None``)."""
    if group is not None and group.cohort_id != enrolment.cohort_id:
        raise ValidationError(_("Ce groupe appartient à une autre cohorte."))
    enrolment.group = group
    enrolment.save(update_fields=["group", "updated_at"])
    audit.record(
        by,
        [enrolment],
        audit.CHANGE,
        _("Groupe modifié"),
        logger=logger,
        action=audit.Action.ENROLMENT_CHANGED,
    )
    return enrolment


@transaction.atomic
def enrol(
    cohort: Cohort,
    user: Any,
    *,
    source: str = Enrolment.Source.MANUAL,
    registration_id: int | None = None,
    group: CohortGroup | None = None,
    by: Any = None,
) -> Enrolment:
    """Enrol ``user`` in ``cohort`` (idempotent; a withdrawn enrolment is
    reactivated with its data). Gives access to the cohort's course run and
    seeds the dashboard aggregates from any progress already recorded."""
    if group is not None and group.cohort_id != cohort.pk:
        raise ValidationError(_("Ce groupe appartient à une autre cohorte."))
    if not user.is_active:
        raise ValidationError(_("Ce compte est désactivé."))
    now = timezone.now()
    try:
        with transaction.atomic():
            enrolment, created = Enrolment.objects.get_or_create(
                cohort=cohort,
                user=user,
                defaults={
                    "source": source,
                    "registration_id": registration_id,
                    "group": group,
                    "enrolled_at": now,
                },
            )
    except IntegrityError:  # a concurrent enrolment won the race
        enrolment, created = Enrolment.objects.get(cohort=cohort, user=user), False
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if not created and enrolment.status == Enrolment.Status.ACTIVE:
        return enrolment
    if not created:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.withdrawn_at = None
        enrolment.enrolled_at = now
        enrolment.source = source
        if registration_id is not None:
            enrolment.registration_id = registration_id
        if group is not None:
            enrolment.group = group
        # Its funnel contribution was withdrawn with it: the rebuild below
        # diffs against an empty state and adds it back.
        enrolment.activity_states = {}
        enrolment.save()
    if cohort.course_id:
        grant_course_access(user, cohort.course, Participant.Role.LEARNER, by=by)
    aggregates.rebuild_enrolment(enrolment)
    audit.record(
        by,
        [enrolment],
        audit.ADDITION if created else audit.CHANGE,
        _("Inscription en cohorte (%(source)s)")
        % {"source": Enrolment.Source(source).label},
        logger=logger,
        action=audit.Action.ENROLMENT_CHANGED,
    )
    return enrolment


@transaction.atomic
def unenrol(cohort: Cohort, user: Any, *, by: Any = None) -> bool:
    """Withdraw ``user`` from ``cohort``; tracking data and the row are kept.

    Returns False when the person was not actively enrolled (idempotent).
    """
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(cohort=cohort, user=user, status=Enrolment.Status.ACTIVE)
        .first()
    )
    if enrolment is None:
        return False
    aggregates.withdraw_from_stats(enrolment)
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at", "updated_at"])
    if cohort.course_id:
        revoke_course_access(user, cohort.course, Participant.Role.LEARNER, by=by)
    audit.record(
        by,
        [enrolment],
        audit.CHANGE,
        _("Désinscription"),
        logger=logger,
        action=audit.Action.ENROLMENT_CHANGED,
    )
    return True


@transaction.atomic
def extend_deadline(
    enrolments: Iterable[Enrolment], new_deadline: Any, *, by: Any = None
) -> int:
    """Set a personal deadline for each enrolment; returns how many changed."""
    rows = list(enrolments)
    if not rows:
        return 0
    cohort_ids = {e.cohort_id for e in rows}
    for cohort in Cohort.objects.filter(pk__in=cohort_ids):
        if new_deadline < cohort.starts_on:
            raise ValidationError(
                {
                    "deadline": [
                        _("L'échéance ne peut pas précéder le début de la cohorte.")
                    ]
                }
            )
    Enrolment.objects.filter(pk__in=[e.pk for e in rows]).update(
        deadline=new_deadline, updated_at=timezone.now()
    )
    audit.record(
        by,
        rows,
        audit.CHANGE,
        _("Échéance reportée au %(date)s") % {"date": new_deadline.isoformat()},
        logger=logger,
        action=audit.Action.ENROLMENT_CHANGED,
    )
    return len(rows)


def reconcile_session_enrolments(cohort: Cohort) -> int:
    """Enrol every accepted registration of the cohort's session that has no
    active enrolment (repairs a missed event); returns how many were enrolled."""
    from catalogue.models import Registration

    if cohort.session_id is None:
        return 0
    enrolled = Enrolment.objects.filter(
        cohort=cohort, status=Enrolment.Status.ACTIVE
    ).values("user_id")
    missing = (
        Registration.objects.filter(
            session_id=cohort.session_id, status=Registration.Status.ACCEPTED
        )
        .exclude(user_id__in=enrolled)
        .select_related("user")
    )
    count = 0
    for registration in missing:
        enrol(
            cohort,
            registration.user,
            source=Enrolment.Source.REGISTRATION,
            registration_id=registration.pk,
        )
        count += 1
    return count


def sync_session_tutors(session: Any) -> None:
    """Mirror the session's tutors on its cohort (keeps the lead if still there)."""
    cohort = Cohort.objects.filter(session_id=session.pk).first()
    if cohort is None:
        return
    tutors = list(session.tutors.order_by("pk"))
    lead_link = cohort.tutor_links.filter(is_lead=True).first()
    lead = next((t for t in tutors if lead_link and t.pk == lead_link.user_id), None)
    set_tutors(cohort, tutors, lead=lead or (tutors[0] if tutors else None))
