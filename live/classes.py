"""Virtual classes: scheduling, joining and ending (services used by the views).

* ``schedule_class`` / ``update_class`` / ``cancel_class``: tutors of the cohort
  (the views check ``live.run_slot``); validation errors are ``ValidationError``
  with French messages, every change goes to the audit log.
* ``join``: the join URL for one person (moderator for tutors, viewer for
  learners), creating the meeting on BBB lazily and idempotently. Raises
  ``JoinRefused`` (outside the join window) or ``BbbUnavailable``.
* ``end_class``: ``end`` on BBB, then ``polling.close_class``.

Join URLs carry the API checksum: they are returned, never stored or logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lms import audit
from lms.emails import absolute_url
from tutoring.models import Enrolment, Notification
from tutoring.notify import notify

from .bbb import BbbUnavailable, client_for
from .bbb.servers import pick_server
from .models import JoinRequest, VirtualClass
from .permissions import is_tutor_of

logger = logging.getLogger(__name__)

Status = VirtualClass.Status

#: BBB keeps the meeting this long after the planned end (``duration``).
END_MARGIN = dt.timedelta(minutes=30)

EDITABLE_FIELDS = (
    "title",
    "starts_at",
    "duration_minutes",
    "record_allowed",
    "guest_policy",
    "max_participants",
    "welcome",
    "activity",
)

__all__ = [
    "END_MARGIN",
    "BbbUnavailable",
    "JoinRefused",
    "cancel_class",
    "end_class",
    "join",
    "meeting_name",
    "schedule_class",
    "update_class",
]


class JoinRefused(Exception):
    """The person may not enter the class now; ``message`` says why (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def local_time(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "l j F Y à H:i")


# --- scheduling -------------------------------------------------------------------
def linkable_activities(cohort: Any, virtual_class: VirtualClass | None = None):
    """LIVE_CLASS activities of the cohort's course run not linked to another class."""
    from courses.models import Activity

    if not cohort.course_id:
        return Activity.objects.none()
    queryset = Activity.objects.filter(
        module__course_id=cohort.course_id, kind=Activity.Kind.LIVE_CLASS
    )
    taken = VirtualClass.objects.filter(activity__isnull=False)
    if virtual_class is not None and virtual_class.pk:
        taken = taken.exclude(pk=virtual_class.pk)
    return queryset.exclude(pk__in=taken.values("activity_id")).order_by(
        "module__position", "position", "pk"
    )


def _validate(
    cohort: Any,
    fields: dict[str, Any],
    *,
    virtual_class: VirtualClass | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    title = (fields.get("title") or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Donnez un titre à la classe."))
    starts_at = fields.get("starts_at")
    if starts_at is None:
        errors.setdefault("starts_at", []).append(_("Indiquez le début de la classe."))
    elif starts_at < now and (
        virtual_class is None or starts_at != virtual_class.starts_at
    ):
        errors.setdefault("starts_at", []).append(
            _("Le début de la classe ne peut pas être dans le passé.")
        )
    duration = fields.get("duration_minutes")
    if duration is None or not 15 <= duration <= 600:
        errors.setdefault("duration_minutes", []).append(
            _("La durée doit être comprise entre 15 et 600 minutes.")
        )
    maximum = fields.get("max_participants")
    if maximum is not None and maximum < 2:
        errors.setdefault("max_participants", []).append(
            _("Au moins 2 participant·es (ou laissez vide : pas de limite).")
        )
    if fields.get("guest_policy") not in VirtualClass.GuestPolicy.values:
        errors.setdefault("guest_policy", []).append(_("Choix d'invités inconnu."))
    activity = fields.get("activity")
    if (
        activity is not None
        and not linkable_activities(cohort, virtual_class)
        .filter(pk=activity.pk)
        .exists()
    ):
        errors.setdefault("activity", []).append(
            _(
                "Cette activité n'est pas une classe virtuelle libre du parcours "
                "de la cohorte."
            )
        )
    if errors:
        raise ValidationError(errors)


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    cleaned = dict(fields)
    cleaned["title"] = (cleaned.get("title") or "").strip()
    cleaned["welcome"] = (cleaned.get("welcome") or "").strip()
    cleaned.setdefault("record_allowed", False)
    cleaned.setdefault("guest_policy", VirtualClass.GuestPolicy.ALWAYS_DENY)
    cleaned.setdefault("max_participants", None)
    cleaned.setdefault("activity", None)
    return cleaned


def schedule_class(cohort: Any, *, by: Any, **fields: Any) -> VirtualClass:
    """A new class of ``cohort`` (fields: see ``EDITABLE_FIELDS``)."""
    fields = _clean_fields(fields)
    _validate(cohort, fields)
    with transaction.atomic():
        virtual_class = VirtualClass.objects.create(
            cohort=cohort, created_by=by, **fields
        )
        audit.record(
            by,
            [virtual_class],
            ADDITION,
            f"virtual class scheduled for {virtual_class.starts_at.isoformat()}",
            logger=logger,
        )
    return virtual_class


def update_class(
    virtual_class: VirtualClass, *, by: Any, **fields: Any
) -> VirtualClass:
    """Change a class not started yet (running, ended or cancelled: refused)."""
    with transaction.atomic():
        virtual_class = VirtualClass.objects.select_for_update().get(
            pk=virtual_class.pk
        )
        if virtual_class.status != Status.SCHEDULED:
            raise ValidationError(
                _(
                    "Une classe en cours, terminée ou annulée ne peut plus être "
                    "modifiée."
                )
            )
        current = {name: getattr(virtual_class, name) for name in EDITABLE_FIELDS}
        fields = _clean_fields({**current, **fields})
        _validate(virtual_class.cohort, fields, virtual_class=virtual_class)
        changed = [
            name
            for name in EDITABLE_FIELDS
            if getattr(virtual_class, name) != fields[name]
        ]
        if not changed:
            return virtual_class
        for name in changed:
            setattr(virtual_class, name, fields[name])
        virtual_class.save()
        audit.record(
            by,
            [virtual_class],
            CHANGE,
            [{"changed": {"fields": changed}}],
            logger=logger,
        )
    return virtual_class


def cancel_class(virtual_class: VirtualClass, *, by: Any, reason: str) -> VirtualClass:
    """Cancel a class not started yet and tell its learners (reason required)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif de l'annulation.")]})
    with transaction.atomic():
        virtual_class = VirtualClass.objects.select_for_update().get(
            pk=virtual_class.pk
        )
        if virtual_class.status == Status.CANCELLED:
            return virtual_class
        if virtual_class.status != Status.SCHEDULED:
            raise ValidationError(
                _("Une classe en cours ou terminée ne peut plus être annulée.")
            )
        virtual_class.status = Status.CANCELLED
        virtual_class.cancelled_reason = reason[:300]
        virtual_class.save(update_fields=["status", "cancelled_reason", "updated_at"])
        audit.record(
            by, [virtual_class], CHANGE, f"cancelled: {reason[:300]}", logger=logger
        )
        learners = list(
            Enrolment.objects.active()
            .filter(cohort_id=virtual_class.cohort_id)
            .values_list("user_id", flat=True)
        )
        notify(
            learners,
            Notification.Kind.AGENDA,
            _("Classe virtuelle annulée : %(title)s") % {"title": virtual_class.title},
            body=_("La classe prévue le %(when)s est annulée. Motif : %(reason)s")
            % {"when": local_time(virtual_class.starts_at), "reason": reason},
            url=reverse("live:class_detail", args=[virtual_class.uuid]),
            cohort=virtual_class.cohort_id,
        )
    if virtual_class.created_on_server_at:
        try:
            client_for(virtual_class).end(
                virtual_class.meeting_id, virtual_class.moderator_pw
            )
        except Exception:  # noqa: BLE001 (best effort: BBB drops empty meetings)
            logger.warning("cancel: could not end class %s on BBB", virtual_class.pk)
    return virtual_class


def can_reopen(virtual_class: VirtualClass, now: dt.datetime | None = None) -> bool:
    """An ended class may be reopened until its planned end (closed by mistake,
    or BBB dropped the meeting when everyone's connection fell at once)."""
    now = now or timezone.now()
    return virtual_class.status == Status.ENDED and now < virtual_class.ends_at


def reopen_class(virtual_class: VirtualClass, *, by: Any, reason: str) -> VirtualClass:
    """Put an ended class back to "scheduled" so people can join again.

    Presence intervals and records stay; the next end (tutor, callback or poll)
    recomputes the final records over every interval. Reason required, audited.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif de la réouverture.")]})
    with transaction.atomic():
        virtual_class = VirtualClass.objects.select_for_update().get(
            pk=virtual_class.pk
        )
        if not can_reopen(virtual_class):
            raise ValidationError(
                _("Seule une classe terminée avant sa fin prévue peut être rouverte.")
            )
        virtual_class.status = Status.SCHEDULED
        virtual_class.ended_at = None
        virtual_class.attendance_closed_at = None
        virtual_class.save(
            update_fields=["status", "ended_at", "attendance_closed_at", "updated_at"]
        )
        audit.record(
            by, [virtual_class], CHANGE, f"reopened: {reason[:300]}", logger=logger
        )
    return virtual_class


# --- joining ----------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def meeting_name(title: str) -> str:
    """``title`` made safe for BBB: no control characters or emoji, 2–64 chars."""
    text = unicodedata.normalize("NFC", title or "")
    text = _CONTROL.sub(" ", text)
    text = "".join(
        ch
        for ch in text
        if ord(ch) <= 0xFFFF and unicodedata.category(ch) not in ("So", "Cs", "Co")
    )
    text = " ".join(text.replace(",", " ").split())[:64].strip()
    if len(text) < 2:
        text = _("Classe virtuelle")
    return text


def _create_params(virtual_class: VirtualClass) -> dict[str, object]:
    class_path = reverse("live:class_detail", args=[virtual_class.uuid])
    end_path = reverse(
        "live:bbb_end_callback", args=[virtual_class.uuid, virtual_class.end_nonce]
    )
    ready_path = reverse("live:bbb_recording_ready", args=[virtual_class.uuid])
    welcome = virtual_class.welcome or _("Bienvenue dans « %(title)s ».") % {
        "title": virtual_class.title
    }
    return {
        "name": meeting_name(virtual_class.title),
        "attendeePW": virtual_class.attendee_pw,
        "moderatorPW": virtual_class.moderator_pw,
        "welcome": welcome,
        "record": virtual_class.record_allowed,
        "autoStartRecording": False,
        "allowStartStopRecording": virtual_class.record_allowed,
        "duration": virtual_class.duration_minutes
        + int(END_MARGIN.total_seconds() // 60),
        "maxParticipants": virtual_class.max_participants,
        "guestPolicy": virtual_class.guest_policy,
        "logoutURL": absolute_url(class_path),
        "meta_endCallbackUrl": absolute_url(end_path),
        "meta_bbb-recording-ready-url": absolute_url(ready_path),
        "meta_tremplin-cohort": virtual_class.cohort.code,
    }


def ensure_created(virtual_class: VirtualClass) -> VirtualClass:
    """``create`` the meeting on BBB (idempotent there), one caller at a time.

    Called at every join: BBB drops a meeting nobody entered after a few
    minutes, and ``create`` on an existing meeting answers its ``createTime``.
    """
    with transaction.atomic():
        locked = (
            VirtualClass.objects.select_for_update()
            .select_related("cohort")
            .get(pk=virtual_class.pk)
        )
        if not locked.server:
            locked.server = pick_server(locked).key
        answer = client_for(locked).create(locked.meeting_id, **_create_params(locked))
        locked.internal_meeting_id = answer["internal_meeting_id"][:120]
        locked.create_time = answer["create_time"]
        if locked.created_on_server_at is None:
            locked.created_on_server_at = timezone.now()
        locked.save(
            update_fields=[
                "server",
                "internal_meeting_id",
                "create_time",
                "created_on_server_at",
                "updated_at",
            ]
        )
    return locked


def _refuse_if_over(virtual_class: VirtualClass) -> None:
    """A running class whose meeting BBB ended is closed, not created again."""
    from .polling import close_class

    info = client_for(virtual_class).get_meeting_info(virtual_class.meeting_id)
    if info is None or (not info.running and info.has_been_forcibly_ended):
        close_class(virtual_class, (info.end_time if info else None) or timezone.now())
        raise JoinRefused(
            _("Cette classe virtuelle est terminée : on ne peut plus la rejoindre.")
        )


def join(virtual_class: VirtualClass, user: Any) -> str:
    """The join URL of ``user`` (permission ``live.join_class`` checked by the caller)."""
    state = virtual_class.join_window_state()
    if virtual_class.status == Status.CANCELLED:
        raise JoinRefused(_("Cette classe virtuelle a été annulée."))
    if state == "early":
        raise JoinRefused(
            _(
                "La classe n'est pas encore ouverte : vous pourrez la rejoindre à partir du %(when)s."
            )
            % {"when": local_time(virtual_class.join_opens_at)}
        )
    if state == "closed":
        raise JoinRefused(
            _("Cette classe virtuelle est terminée : on ne peut plus la rejoindre.")
        )
    moderator = is_tutor_of(user, virtual_class)
    if virtual_class.status == Status.RUNNING:
        _refuse_if_over(virtual_class)
    virtual_class = ensure_created(virtual_class)
    JoinRequest.objects.create(
        virtual_class=virtual_class, user=user, is_moderator=moderator
    )
    full_name = user.get_full_name() or user.get_username()
    logger.info(
        "join class=%s user=%s moderator=%s", virtual_class.pk, user.pk, moderator
    )
    return client_for(virtual_class).join_url(
        virtual_class.meeting_id,
        full_name=full_name[:128],
        user_id=str(user.pk),
        moderator=moderator,
        password=virtual_class.moderator_pw if moderator else virtual_class.attendee_pw,
        create_time=virtual_class.create_time,
    )


# --- ending -----------------------------------------------------------------------
def can_end(virtual_class: VirtualClass) -> bool:
    return virtual_class.status == Status.RUNNING or (
        virtual_class.status == Status.SCHEDULED
        and virtual_class.created_on_server_at is not None
    )


def end_class(virtual_class: VirtualClass, *, by: Any) -> bool:
    """End the meeting on BBB and close the class (``BbbUnavailable`` propagates)."""
    from .polling import close_class

    if virtual_class.status in (Status.ENDED, Status.CANCELLED):
        return False
    if virtual_class.created_on_server_at:
        client_for(virtual_class).end(
            virtual_class.meeting_id, virtual_class.moderator_pw
        )
    closed = close_class(virtual_class, timezone.now())
    if closed:
        audit.record(by, [virtual_class], CHANGE, "ended by a tutor", logger=logger)
    return closed
