"""The one attendance record: computing it, correcting it, and its totals.

Every synchronous slot of a cohort (a virtual class, or one half-day of an
in-person day) gives each learner at most one ``AttendanceRecord``. Virtual
classes fill it from BBB presence intervals (``recompute_class_records``), the
in-person sheet and QR check-ins through ``mark_half_day``, tutors change it
through ``correct_record`` (reason required, kept in ``AttendanceCorrection``
and the audit log). Automatic sources never overwrite a corrected record.

Totals (``attendance_summary``) count only slots already over: attended minutes
over planned minutes, excused slots taken out of both. They feed the tutor
dashboard (``tutoring.aggregates.set_attendance_percent``), the learner's slot
activities in the course, and ``events.attendance_changed`` for certification.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import audit
from tutoring.aggregates import set_attendance_percent
from tutoring.models import Cohort, Enrolment

from .events import attendance_changed
from .intervals import covered_minutes
from .models import (
    AttendanceCorrection,
    AttendanceInterval,
    AttendanceRecord,
    InPersonDay,
    VirtualClass,
)

logger = logging.getLogger(__name__)

Status = AttendanceRecord.Status
Source = AttendanceRecord.Source


def status_for(minutes_attended: int, minutes_expected: int) -> str:
    """Present from ``LIVE_PRESENT_MIN_PERCENT`` of the slot, partial below, absent at 0."""
    if minutes_attended <= 0:
        return Status.ABSENT
    if minutes_expected <= 0:
        return Status.PRESENT
    threshold = settings.LIVE_PRESENT_MIN_PERCENT / 100
    return (
        Status.PRESENT
        if minutes_attended >= threshold * minutes_expected
        else Status.PARTIAL
    )


# --- totals -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    """A learner's synchronous attendance in one cohort, in minutes."""

    planned_minutes: int  # every slot not cancelled
    held_minutes: int  # slots already over
    attended_minutes: int
    excused_minutes: int  # planned minutes of excused held slots
    virtual_attended_minutes: int
    in_person_attended_minutes: int

    @property
    def expected_minutes(self) -> int:
        return max(self.held_minutes - self.excused_minutes, 0)

    @property
    def percent(self) -> int | None:
        """Attended share of the held, non-excused minutes; None before any slot."""
        if self.expected_minutes <= 0:
            return None
        return min(100, round(100 * self.attended_minutes / self.expected_minutes))


@dataclass(frozen=True, slots=True)
class Slot:
    """One synchronous slot: ``("class", id, "")`` or ``("day", id, "am"|"pm")``."""

    kind: str
    object_id: int
    half: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.kind, self.object_id, self.half)


def cohort_slots(cohort: Cohort | int) -> list[Slot]:
    """The cohort's slots not cancelled, in time order (two queries)."""
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    slots = [
        Slot("class", vc.pk, "", vc.starts_at, vc.ends_at, vc.duration_minutes)
        for vc in VirtualClass.objects.filter(cohort_id=cohort_id).exclude(
            status=VirtualClass.Status.CANCELLED
        )
    ]
    for day in InPersonDay.objects.filter(cohort_id=cohort_id, is_cancelled=False):
        for half, _start, _end in day.halves():
            start, end = day.half_bounds(half)
            slots.append(Slot("day", day.pk, half, start, end, day.half_minutes(half)))
    slots.sort(key=lambda slot: (slot.starts_at, slot.kind, slot.object_id, slot.half))
    return slots


def record_slot_key(record: AttendanceRecord) -> tuple[str, int, str]:
    if record.virtual_class_id:
        return ("class", record.virtual_class_id, "")
    return ("day", record.day_id, record.half)


def _is_held(slot: Slot, now: dt.datetime, ended_class_ids: set[int]) -> bool:
    if slot.kind == "class" and slot.object_id in ended_class_ids:
        return True
    return slot.ends_at <= now


def summaries_for_cohort(
    cohort: Cohort | int, user_ids: Iterable[int] | None = None
) -> dict[int, AttendanceSummary]:
    """Summaries of the cohort's learners (or of ``user_ids``), three queries."""
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    now = timezone.now()
    slots = cohort_slots(cohort_id)
    ended = set(
        VirtualClass.objects.filter(
            cohort_id=cohort_id, status=VirtualClass.Status.ENDED
        ).values_list("pk", flat=True)
    )
    held = {slot.key: slot for slot in slots if _is_held(slot, now, ended)}
    planned = sum(slot.minutes for slot in slots)
    held_minutes = sum(slot.minutes for slot in held.values())
    records = AttendanceRecord.objects.filter(cohort_id=cohort_id)
    if user_ids is not None:
        user_ids = list(user_ids)
        records = records.filter(user_id__in=user_ids)
    else:
        user_ids = list(
            Enrolment.objects.filter(cohort_id=cohort_id).values_list(
                "user_id", flat=True
            )
        )
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for record in records.only(
        "user_id", "virtual_class_id", "day_id", "half", "status", "minutes_attended"
    ):
        slot = held.get(record_slot_key(record))
        if slot is None:
            continue
        row = totals[record.user_id]
        if record.status == Status.EXCUSED:
            row[1] += slot.minutes
            continue
        attended = min(record.minutes_attended, slot.minutes)
        row[0] += attended
        row[2 if slot.kind == "class" else 3] += attended
    return {
        user_id: AttendanceSummary(
            planned_minutes=planned,
            held_minutes=held_minutes,
            attended_minutes=totals[user_id][0],
            excused_minutes=totals[user_id][1],
            virtual_attended_minutes=totals[user_id][2],
            in_person_attended_minutes=totals[user_id][3],
        )
        for user_id in user_ids
    }


def attendance_summary(cohort: Cohort | int, user: Any) -> AttendanceSummary:
    """One learner's summary (what certification reads)."""
    user_id = user if isinstance(user, int) else user.pk
    return summaries_for_cohort(cohort, [user_id])[user_id]


def refresh_totals(cohort: Cohort | int, user_ids: Iterable[int]) -> None:
    """Push the learners' attendance % to the tutor dashboard and tell higher apps.

    Runs after the current transaction commits (the records must be visible).
    """
    cohort_id = cohort if isinstance(cohort, int) else cohort.pk
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return

    def push() -> None:
        cohort_obj = Cohort.objects.get(pk=cohort_id)
        for user_id, summary in summaries_for_cohort(cohort_id, user_ids).items():
            set_attendance_percent(cohort_obj, user_id, summary.percent)
        attendance_changed.send(sender=None, cohort_id=cohort_id, user_ids=user_ids)

    transaction.on_commit(push)


def _complete_activity(activity_id: int | None, user_ids: dict[int, str]) -> None:
    """Feed the slot activity of the course (present → completed, partial → started)."""
    if not activity_id or not user_ids:
        return
    from courses.models import Activity
    from courses.progress import record_progress

    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return
    for user_id, status in user_ids.items():
        if status == Status.PRESENT:
            record_progress(user_id, activity, viewed=True, completed=True)
        elif status == Status.PARTIAL:
            record_progress(user_id, activity, viewed=True)


# --- virtual classes --------------------------------------------------------------
def class_interval_end(virtual_class: VirtualClass) -> dt.datetime:
    """Attendance counts from the planned start to the planned or actual end."""
    if virtual_class.ended_at and virtual_class.ended_at > virtual_class.ends_at:
        return virtual_class.ended_at
    return virtual_class.ends_at


def recompute_class_records(
    virtual_class: VirtualClass, *, final: bool = False
) -> list[int]:
    """Rebuild the class's records from its presence intervals.

    Only active learners of the cohort get records (tutors and staff do not).
    While the class runs, learners seen so far get a provisional record; when
    ``final`` (the class is over), every active learner gets one, absent if never
    seen. Corrected records are left alone. Returns the user ids whose record
    changed; their totals and course activity are refreshed after commit.
    """
    learners = set(
        Enrolment.objects.active()
        .filter(cohort_id=virtual_class.cohort_id)
        .values_list("user_id", flat=True)
    )
    start, end = virtual_class.starts_at, class_interval_end(virtual_class)
    per_user: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for user_id, joined, last_seen, left in AttendanceInterval.objects.filter(
        virtual_class=virtual_class, user_id__in=learners
    ).values_list("user_id", "joined_at", "last_seen_at", "left_at"):
        per_user[user_id].append((joined, left or last_seen))
    users = learners if final else set(per_user)
    existing = {
        record.user_id: record
        for record in AttendanceRecord.objects.filter(virtual_class=virtual_class)
    }
    planned = virtual_class.duration_minutes
    effective = min(planned, max(int((end - start).total_seconds() // 60), 0))
    if virtual_class.ended_at and virtual_class.ended_at < virtual_class.ends_at:
        effective = max(int((virtual_class.ended_at - start).total_seconds() // 60), 1)
    to_create, to_update, changed = [], [], {}
    for user_id in users:
        minutes = min(covered_minutes(per_user.get(user_id, []), start, end), planned)
        status = status_for(minutes, effective)
        record = existing.get(user_id)
        if record is None:
            to_create.append(
                AttendanceRecord(
                    cohort_id=virtual_class.cohort_id,
                    user_id=user_id,
                    virtual_class=virtual_class,
                    status=status,
                    minutes_planned=planned,
                    minutes_attended=minutes,
                    source=Source.BBB,
                )
            )
            changed[user_id] = status
        elif not record.is_corrected and (
            record.status != status
            or record.minutes_attended != minutes
            or record.minutes_planned != planned
        ):
            if record.status == Status.EXCUSED and minutes == 0:
                continue  # an accepted justification stands until they attend
            record.status, record.minutes_attended = status, minutes
            record.minutes_planned = planned
            record.updated_at = timezone.now()
            to_update.append(record)
            changed[user_id] = status
    with transaction.atomic():
        AttendanceRecord.objects.bulk_create(to_create, ignore_conflicts=True)
        AttendanceRecord.objects.bulk_update(
            to_update, ["status", "minutes_attended", "minutes_planned", "updated_at"]
        )
        if final:
            activity_id = virtual_class.activity_id
            transaction.on_commit(lambda: _complete_activity(activity_id, changed))
            refresh_totals(virtual_class.cohort_id, changed)
    return sorted(changed)


# --- in-person days -------------------------------------------------------------------
def mark_half_day(
    day: InPersonDay,
    half: str,
    user_id: int,
    status: str,
    *,
    source: str,
    by: Any = None,
    reason: str = "",
) -> tuple[AttendanceRecord, bool]:
    """Set one learner's presence for one half-day (sheet or QR check-in).

    Present counts the whole half-day, absent and excused none. Changing an
    existing mark keeps a correction row (who, when, why: ``reason`` or the
    source). Returns ``(record, changed)``. A QR check-in never overwrites a
    tutor's mark.
    """
    if status not in Status.values or status == Status.PARTIAL:
        raise ValidationError(_("Présence inconnue."))
    minutes = day.half_minutes(half)
    if minutes <= 0:
        raise ValidationError(_("Cette demi-journée n'existe pas pour cette journée."))
    attended = minutes if status == Status.PRESENT else 0
    with transaction.atomic():
        record, created = AttendanceRecord.objects.select_for_update().get_or_create(
            day=day,
            half=half,
            user_id=user_id,
            defaults={
                "cohort_id": day.cohort_id,
                "status": status,
                "minutes_planned": minutes,
                "minutes_attended": attended,
                "source": source,
                "recorded_by": by if getattr(by, "pk", None) else None,
            },
        )
        if created:
            changed = True
        elif source == Source.QR and record.source != Source.QR:
            changed = False
        elif record.status == status and record.minutes_planned == minutes:
            changed = False
        else:
            before = _snapshot(record)
            record.status, record.minutes_attended = status, attended
            record.minutes_planned, record.source = minutes, source
            record.recorded_by = by if getattr(by, "pk", None) else record.recorded_by
            record.save()
            AttendanceCorrection.objects.create(
                record=record,
                by=by if getattr(by, "pk", None) else None,
                reason=reason or str(Source(source).label),
                before=before,
                after=_snapshot(record),
            )
            changed = True
        if changed:
            _after_day_change(day, [user_id])
    return record, changed


def _after_day_change(day: InPersonDay, user_ids: list[int]) -> None:
    refresh_totals(day.cohort_id, user_ids)
    if day.activity_id:
        day_id, activity_id = day.pk, day.activity_id
        transaction.on_commit(
            lambda: _complete_day_activity(day_id, activity_id, user_ids)
        )


def _complete_day_activity(day_id: int, activity_id: int, user_ids: list[int]) -> None:
    day = InPersonDay.objects.get(pk=day_id)
    total = sum(day.half_minutes(half) for half, _s, _e in day.halves())
    attended: dict[int, int] = defaultdict(int)
    for user_id, minutes in AttendanceRecord.objects.filter(
        day=day, user_id__in=user_ids
    ).values_list("user_id", "minutes_attended"):
        attended[user_id] += minutes
    _complete_activity(
        activity_id,
        {user_id: status_for(attended[user_id], total) for user_id in user_ids},
    )


# --- corrections --------------------------------------------------------------------
def _snapshot(record: AttendanceRecord) -> dict[str, Any]:
    return {
        "status": record.status,
        "minutes_attended": record.minutes_attended,
        "source": record.source,
    }


def correct_record(
    record: AttendanceRecord,
    *,
    status: str,
    minutes_attended: int | None,
    reason: str,
    by: Any,
) -> AttendanceRecord:
    """A tutor's correction: reason required, audited, never overwritten by BBB."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la correction.")})
    if len(reason) > 1000:
        raise ValidationError(
            {"reason": _("Le motif ne peut dépasser 1000 caractères.")}
        )
    if status not in Status.values:
        raise ValidationError({"status": _("Présence inconnue.")})
    if minutes_attended is None:
        minutes_attended = record.minutes_planned if status == Status.PRESENT else 0
    if status in (Status.ABSENT, Status.EXCUSED):
        minutes_attended = 0
    if not 0 <= minutes_attended <= record.minutes_planned:
        raise ValidationError(
            {
                "minutes_attended": _(
                    "Les minutes suivies doivent être comprises entre 0 et %(max)s."
                )
                % {"max": record.minutes_planned}
            }
        )
    with transaction.atomic():
        record = AttendanceRecord.objects.select_for_update().get(pk=record.pk)
        before = _snapshot(record)
        record.status, record.minutes_attended = status, minutes_attended
        record.source, record.is_corrected = Source.CORRECTION, True
        record.recorded_by = by
        record.save()
        AttendanceCorrection.objects.create(
            record=record, by=by, reason=reason, before=before, after=_snapshot(record)
        )
        audit.record(
            by,
            [record],
            CHANGE,
            f"attendance corrected {before['status']}→{status}: {reason}",
            logger=logger,
            action=audit.Action.ATTENDANCE_CORRECTED,
        )
        if record.virtual_class_id:
            refresh_totals(record.cohort_id, [record.user_id])
            activity_id = (
                VirtualClass.objects.filter(pk=record.virtual_class_id)
                .values_list("activity_id", flat=True)
                .first()
            )
            statuses = {record.user_id: status}
            transaction.on_commit(lambda: _complete_activity(activity_id, statuses))
        elif record.day_id:
            _after_day_change(record.day, [record.user_id])
    return record
