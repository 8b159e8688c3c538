"""Absence justifications: upload (checked), review, and the records they excuse.

Also ``ensure_record``: the record of a slot a learner has none for yet (never
seen), so a tutor's correction or an accepted justification can apply to it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import audit
from tutoring.models import Notification
from tutoring.notify import notify

from . import attendance
from .agenda import safe_reverse
from .models import AbsenceJustification, AttendanceRecord, InPersonDay, VirtualClass

logger = logging.getLogger(__name__)

#: Accepted files: extension → (content type, magic bytes).
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def check_file(upload: Any) -> None:
    """Size and real type (sniffed from the first bytes), with clear messages."""
    limit = settings.LIVE_JUSTIFICATION_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("Le fichier est trop volumineux (%(size)s) : %(max)s au maximum.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."))
    name = (upload.name or "").rsplit(".", 1)
    extension = name[1].lower() if len(name) == 2 else ""
    expected = ALLOWED.get(extension)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if expected is None or not head.startswith(expected[1]):
        raise ValidationError(
            _(
                "Ce type de fichier n'est pas accepté : envoyez un PDF, "
                "une image JPEG ou PNG."
            )
        )


def ensure_record(
    slot: VirtualClass | InPersonDay, user_id: int, half: str = ""
) -> AttendanceRecord:
    """The learner's record of a slot, created as "absent" when there is none."""
    if isinstance(slot, VirtualClass):
        record, _created = AttendanceRecord.objects.get_or_create(
            virtual_class=slot,
            user_id=user_id,
            defaults={
                "cohort_id": slot.cohort_id,
                "status": AttendanceRecord.Status.ABSENT,
                "minutes_planned": slot.duration_minutes,
                "minutes_attended": 0,
                "source": AttendanceRecord.Source.CORRECTION,
            },
        )
        return record
    minutes = slot.half_minutes(half)
    if minutes <= 0:
        raise ValidationError(_("Cette demi-journée n'existe pas pour cette journée."))
    record, _created = AttendanceRecord.objects.get_or_create(
        day=slot,
        half=half,
        user_id=user_id,
        defaults={
            "cohort_id": slot.cohort_id,
            "status": AttendanceRecord.Status.ABSENT,
            "minutes_planned": minutes,
            "minutes_attended": 0,
            "source": AttendanceRecord.Source.CORRECTION,
        },
    )
    return record


def submit(
    *,
    cohort: Any,
    user: Any,
    slot: VirtualClass | InPersonDay,
    reason: str,
    file: Any = None,
) -> AbsenceJustification:
    """A learner's justification (the slot must belong to the cohort)."""
    if slot.cohort_id != cohort.pk:
        raise ValidationError(_("Cette séance n'appartient pas à votre cohorte."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Expliquez la raison de votre absence.")})
    if file:
        check_file(file)
    justification = AbsenceJustification(
        cohort=cohort,
        user=user,
        reason=reason[:2000],
        virtual_class=slot if isinstance(slot, VirtualClass) else None,
        day=slot if isinstance(slot, InPersonDay) else None,
    )
    if file:
        justification.file = file
    justification.save()
    audit.record(user, [justification], ADDITION, "justification sent", logger=logger)
    return justification


def slot_of(justification: AbsenceJustification) -> VirtualClass | InPersonDay:
    return justification.virtual_class or justification.day


def review(
    justification: AbsenceJustification, *, accept: bool, comment: str, by: Any
) -> AbsenceJustification:
    """Accept (the learner's record(s) of the slot become excused) or reject."""
    comment = (comment or "").strip()[:500]
    with transaction.atomic():
        justification = (
            AbsenceJustification.objects.select_for_update(of=("self",))
            .select_related("virtual_class", "day")
            .get(pk=justification.pk)
        )
        if justification.status != AbsenceJustification.Status.PENDING:
            raise ValidationError(_("Ce justificatif a déjà été traité."))
        justification.status = (
            AbsenceJustification.Status.ACCEPTED
            if accept
            else AbsenceJustification.Status.REJECTED
        )
        justification.reviewed_by = by
        justification.reviewed_at = timezone.now()
        justification.review_comment = comment
        justification.save()
        reason = _("Justificatif accepté") + (f" : {comment}" if comment else "")
        if accept and justification.virtual_class_id:
            record = ensure_record(justification.virtual_class, justification.user_id)
            attendance.correct_record(
                record,
                status=AttendanceRecord.Status.EXCUSED,
                minutes_attended=0,
                reason=reason,
                by=by,
            )
        elif accept:
            day = justification.day
            for half, _start, _end in day.halves():
                attendance.mark_half_day(
                    day,
                    half,
                    justification.user_id,
                    AttendanceRecord.Status.EXCUSED,
                    source=AttendanceRecord.Source.SHEET,
                    by=by,
                    reason=reason,
                )
        audit.record(
            by,
            [justification],
            CHANGE,
            f"justification {justification.status}",
            logger=logger,
        )
        slot = slot_of(justification)
        title = (
            _("Votre justificatif d'absence pour « %(slot)s » a été accepté.")
            if accept
            else _("Votre justificatif d'absence pour « %(slot)s » a été refusé.")
        ) % {"slot": slot.title}
        url = safe_reverse("live:my_attendance", justification.cohort_id)
        user_id, cohort_id = justification.user_id, justification.cohort_id
        transaction.on_commit(
            lambda: notify(
                [user_id],
                Notification.Kind.AGENDA,
                title,
                body=comment,
                url=url,
                cohort=cohort_id,
            )
        )
    return justification
