"""Import a cohort's synchronous days from its catalogue session.

Each ``catalogue.SessionDay`` becomes a virtual class (kind ``classe_virtuelle``)
or an in-person day (kind ``presentiel``, split into morning and afternoon
around noon). Idempotent: a session day already linked (``session_day``
one-to-one) is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalogue.models import SessionDay
from tutoring.models import Cohort

from .models import InPersonDay, VirtualClass

logger = logging.getLogger(__name__)

NOON = dt.time(12, 0)
AFTERNOON_START = dt.time(13, 0)


def split_halves(
    start: dt.time, end: dt.time
) -> tuple[tuple[dt.time, dt.time] | None, tuple[dt.time, dt.time] | None]:
    """``(morning, afternoon)`` of a day from ``start`` to ``end``.

    One half if the day ends by 13:00 (morning) or starts from 12:00
    (afternoon); otherwise morning ``start``–12:00 and afternoon 13:00–``end``.
    """
    if end <= AFTERNOON_START:
        return (start, end), None
    if start >= NOON:
        return None, (start, end)
    return (start, NOON), (AFTERNOON_START, end)


def _minutes(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _title(cohort: Cohort) -> str:
    session = cohort.session
    training = getattr(session, "training", None)
    return (getattr(training, "title", "") or cohort.title)[:200]


def sync_session_days(cohort: Cohort, *, by: Any = None) -> tuple[int, int]:
    """Create the missing classes and days of the cohort's session.

    Returns ``(classes_created, days_created)``.
    """
    if not cohort.session_id:
        return (0, 0)
    session = cohort.session
    title = _title(cohort)
    zone = timezone.get_default_timezone()
    by = by if getattr(by, "pk", None) else None
    classes = days = 0
    with transaction.atomic():
        # Serialise importers (the handler and a tutor's click) on the cohort row.
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        pending = SessionDay.objects.filter(
            session_id=cohort.session_id,
            virtual_class__isnull=True,
            in_person_day__isnull=True,
        ).order_by("date", "start_time")
        for session_day in pending:
            if session_day.kind == SessionDay.Kind.VIRTUAL:
                duration = min(
                    max(_minutes(session_day.start_time, session_day.end_time), 15),
                    600,
                )
                VirtualClass.objects.create(
                    cohort=cohort,
                    session_day=session_day,
                    title=title,
                    starts_at=dt.datetime.combine(
                        session_day.date, session_day.start_time, tzinfo=zone
                    ),
                    duration_minutes=duration,
                    created_by=by,
                )
                classes += 1
                continue
            morning, afternoon = split_halves(
                session_day.start_time, session_day.end_time
            )
            InPersonDay.objects.create(
                cohort=cohort,
                session_day=session_day,
                title=title,
                date=session_day.date,
                morning_starts=morning[0] if morning else None,
                morning_ends=morning[1] if morning else None,
                afternoon_starts=afternoon[0] if afternoon else None,
                afternoon_ends=afternoon[1] if afternoon else None,
                venue=("" if session.is_online else session.venue)[:200],
                address=("" if session.is_online else session.address)[:300],
                city=(
                    ""
                    if session.is_online
                    else " ".join(p for p in (session.postal_code, session.city) if p)
                )[:120],
                created_by=by,
            )
            days += 1
    if classes or days:
        logger.info(
            "cohort %s: %s classes and %s days imported from session %s",
            cohort.pk,
            classes,
            days,
            cohort.session_id,
        )
    return classes, days
