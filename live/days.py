"""Services of in-person days: schedule, update and cancel a day of a cohort.

Every change is validated here (French messages keyed by field, for
``courses.forms.apply_validation_error``), audited with ``lms.audit.record``,
and keeps the attendance records of the day in line with its half-days.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.models import Activity
from lms import audit
from tutoring.models import Cohort, Enrolment, Notification
from tutoring.notify import notify

from .attendance import refresh_totals
from .models import AttendanceRecord, InPersonDay

logger = logging.getLogger(__name__)

DAY_FIELDS = (
    "title",
    "date",
    "morning_starts",
    "morning_ends",
    "afternoon_starts",
    "afternoon_ends",
    "venue",
    "address",
    "city",
    "notes",
    "activity",
)

# Changes that matter to learners (they are notified).
SCHEDULE_FIELDS = (
    "date",
    "morning_starts",
    "morning_ends",
    "afternoon_starts",
    "afternoon_ends",
    "venue",
    "address",
    "city",
)


def linkable_activities(cohort: Cohort, day: InPersonDay | None = None):
    """In-person-day activities of the cohort's course run not linked to another day."""
    if not cohort.course_id:
        return Activity.objects.none()
    queryset = Activity.objects.filter(
        module__course_id=cohort.course_id, kind=Activity.Kind.IN_PERSON_DAY
    )
    linked = InPersonDay.objects.filter(activity__isnull=False)
    if day is not None and day.pk:
        linked = linked.exclude(pk=day.pk)
    return queryset.exclude(pk__in=linked.values("activity_id")).order_by(
        "module__position", "position", "pk"
    )


def validate_halves(
    morning_starts: dt.time | None,
    morning_ends: dt.time | None,
    afternoon_starts: dt.time | None,
    afternoon_ends: dt.time | None,
) -> None:
    """At least one complete half-day; each ends after it starts; morning first."""
    errors: dict[str, list[str]] = {}
    has_morning = morning_starts is not None or morning_ends is not None
    has_afternoon = afternoon_starts is not None or afternoon_ends is not None
    if not has_morning and not has_afternoon:
        raise ValidationError(
            _(
                "Indiquez au moins une demi-journée (le matin ou l'après-midi), "
                "avec son heure de début et son heure de fin."
            )
        )
    if has_morning:
        if morning_starts is None:
            errors["morning_starts"] = [_("Indiquez l'heure de début du matin.")]
        elif morning_ends is None:
            errors["morning_ends"] = [_("Indiquez l'heure de fin du matin.")]
        elif morning_ends <= morning_starts:
            errors["morning_ends"] = [_("La fin du matin doit être après son début.")]
    if has_afternoon:
        if afternoon_starts is None:
            errors["afternoon_starts"] = [
                _("Indiquez l'heure de début de l'après-midi.")
            ]
        elif afternoon_ends is None:
            errors["afternoon_ends"] = [_("Indiquez l'heure de fin de l'après-midi.")]
        elif afternoon_ends <= afternoon_starts:
            errors["afternoon_ends"] = [
                _("La fin de l'après-midi doit être après son début.")
            ]
    if (
        not errors
        and has_morning
        and has_afternoon
        and afternoon_starts is not None
        and morning_ends is not None
        and afternoon_starts < morning_ends
    ):
        errors["afternoon_starts"] = [
            _("Le matin doit se terminer avant le début de l'après-midi.")
        ]
    if errors:
        raise ValidationError(errors)


def _clean(cohort: Cohort, fields: dict[str, Any], day: InPersonDay | None) -> None:
    unknown = set(fields) - set(DAY_FIELDS)
    if unknown:
        raise TypeError(f"unknown day fields: {sorted(unknown)}")
    title = (fields.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("Indiquez le titre de la journée.")})
    fields["title"] = title
    if not fields.get("date"):
        raise ValidationError({"date": _("Indiquez la date de la journée.")})
    validate_halves(
        fields.get("morning_starts"),
        fields.get("morning_ends"),
        fields.get("afternoon_starts"),
        fields.get("afternoon_ends"),
    )
    activity = fields.get("activity")
    if activity is not None:
        if (
            activity.kind != Activity.Kind.IN_PERSON_DAY
            or not cohort.course_id
            or activity.module.course_id != cohort.course_id
        ):
            raise ValidationError(
                {
                    "activity": _(
                        "Choisissez une activité « journée en présentiel » du "
                        "parcours de la cohorte."
                    )
                }
            )
        other = InPersonDay.objects.filter(activity=activity)
        if day is not None:
            other = other.exclude(pk=day.pk)
        if other.exists():
            raise ValidationError(
                {"activity": _("Cette activité est déjà liée à une autre journée.")}
            )


def schedule_day(cohort: Cohort, *, by: Any, **fields: Any) -> InPersonDay:
    """Create an in-person day of ``cohort``.

    ``fields``: ``DAY_FIELDS`` (title, date, half-day times, place, notes,
    optional activity). Raises ``ValidationError`` (French, keyed by field).
    Audited (ADDITION).
    """
    _clean(cohort, fields, None)
    with transaction.atomic():
        day = InPersonDay.objects.create(
            cohort=cohort, created_by=by if getattr(by, "pk", None) else None, **fields
        )
        audit.record(by, [day], ADDITION, "in-person day scheduled", logger=logger)
    return day


def update_day(day: InPersonDay, *, by: Any, **fields: Any) -> InPersonDay:
    """Change a day. A half-day that already has attendance marks cannot be
    removed; changed times re-plan the marks of that half (present keeps the
    whole half) and refresh the learners' totals. Raises ``ValidationError``.
    """
    values = {name: getattr(day, name) for name in DAY_FIELDS}
    values.update(fields)
    _clean(day.cohort, values, day)
    new_halves = {
        half: (start, end)
        for half, start, end in InPersonDay(
            date=values["date"],
            morning_starts=values["morning_starts"],
            morning_ends=values["morning_ends"],
            afternoon_starts=values["afternoon_starts"],
            afternoon_ends=values["afternoon_ends"],
        ).halves()
    }
    marked = set(
        AttendanceRecord.objects.filter(day=day).values_list("half", flat=True)
    )
    for half in marked - set(new_halves):
        field = (
            "morning_starts"
            if half == InPersonDay.Half.MORNING
            else ("afternoon_starts")
        )
        raise ValidationError(
            {
                field: _(
                    "Des présences ont déjà été saisies pour %(half)s : cette "
                    "demi-journée ne peut pas être supprimée."
                )
                % {"half": InPersonDay.Half(half).label}
            }
        )
    with transaction.atomic():
        day = InPersonDay.objects.select_for_update().get(pk=day.pk)
        changed = [name for name in DAY_FIELDS if getattr(day, name) != values[name]]
        if not changed:
            return day
        for name in changed:
            setattr(day, name, values[name])
        day.save()
        user_ids: set[int] = set()
        for half in marked:
            minutes = day.half_minutes(half)
            records = AttendanceRecord.objects.filter(day=day, half=half).exclude(
                minutes_planned=minutes
            )
            user_ids.update(records.values_list("user_id", flat=True))
            records.filter(status=AttendanceRecord.Status.PRESENT).update(
                minutes_planned=minutes, minutes_attended=minutes
            )
            records.update(minutes_planned=minutes)
        if user_ids or "date" in changed:
            refresh_totals(
                day.cohort_id,
                user_ids
                or AttendanceRecord.objects.filter(day=day).values_list(
                    "user_id", flat=True
                ),
            )
        audit.record(
            by, [day], CHANGE, [{"changed": {"fields": changed}}], logger=logger
        )
        if set(changed) & set(SCHEDULE_FIELDS):
            _notify_learners(
                day,
                _("Journée modifiée : %(title)s, le %(date)s")
                % {"title": day.title, "date": day.date.strftime("%d/%m/%Y")},
                body=_("La date, les horaires ou le lieu ont changé."),
            )
    return day


def _notify_learners(day: InPersonDay, title: str, *, body: str = "") -> None:
    learners = list(
        Enrolment.objects.active()
        .filter(cohort_id=day.cohort_id)
        .values_list("user_id", flat=True)
    )
    notify(
        learners,
        Notification.Kind.AGENDA,
        title,
        body=body,
        url=reverse("live:day_detail", args=[day.uuid]),
        cohort=day.cohort_id,
    )


def cancel_day(day: InPersonDay, *, by: Any, reason: str = "") -> InPersonDay:
    """Cancel a day and notify its cohort's active learners (kind AGENDA).

    Cancelling twice is a no-op. The day's marks no longer count in totals.
    """
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        day = InPersonDay.objects.select_for_update().get(pk=day.pk)
        if day.is_cancelled:
            return day
        day.is_cancelled = True
        day.save(update_fields=["is_cancelled", "updated_at"])
        audit.record(
            by,
            [day],
            CHANGE,
            f"in-person day cancelled: {reason}"
            if reason
            else "in-person day cancelled",
            logger=logger,
        )
        title = _("Journée annulée : %(title)s, le %(date)s") % {
            "title": day.title,
            "date": day.date.strftime("%d/%m/%Y"),
        }
        _notify_learners(day, title, body=reason)
        refresh_totals(
            day.cohort_id,
            AttendanceRecord.objects.filter(day=day).values_list("user_id", flat=True),
        )
    return day
