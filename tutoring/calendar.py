"""A cohort's calendar: the session's days grouped by month, the cohort's start
and end and the learner's deadline, as a list for the page and as iCalendar.

The iCalendar text reuses ``catalogue.ics`` (same escaping, folding and stable
per-day UIDs as the registration calendar, so a client that imported both
updates one event instead of duplicating it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.ics import PRODID, escape_text, fold_line, session_events

from .models import Cohort, Enrolment


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One line of the cohort calendar: a session day or a milestone."""

    date: dt.date
    label: str
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    kind: str = ""  # presentiel | classe_virtuelle | milestone


@dataclass(frozen=True, slots=True)
class CalendarMonth:
    month: dt.date  # first day of the month
    entries: tuple[CalendarEntry, ...]


def session_days(cohort: Cohort) -> list[Any]:
    """The days of the cohort's session, in order (one query; none without session)."""
    if cohort.session_id is None:
        return []
    from catalogue.models import SessionDay

    return list(
        SessionDay.objects.filter(session_id=cohort.session_id).order_by(
            "date", "start_time"
        )
    )


def calendar_entries(
    cohort: Cohort, enrolment: Enrolment | None, days: list[Any]
) -> list[CalendarEntry]:
    """Session days plus start, end and (for a learner) personal deadline."""
    entries = [
        CalendarEntry(
            date=day.date,
            label=day.get_kind_display(),
            start_time=day.start_time,
            end_time=day.end_time,
            kind=day.kind,
        )
        for day in days
    ]
    entries.append(
        CalendarEntry(cohort.starts_on, _("Début de la cohorte"), kind="milestone")
    )
    entries.append(
        CalendarEntry(cohort.ends_on, _("Fin de la cohorte"), kind="milestone")
    )
    if enrolment is not None and enrolment.deadline:
        entries.append(
            CalendarEntry(
                enrolment.deadline, _("Votre échéance personnelle"), kind="milestone"
            )
        )
    return sorted(
        entries, key=lambda e: (e.date, e.start_time or dt.time.min, e.kind != "")
    )


def by_month(entries: list[CalendarEntry]) -> list[CalendarMonth]:
    """Group entries (already sorted) by calendar month."""
    months: list[CalendarMonth] = []
    current: list[CalendarEntry] = []
    key: dt.date | None = None
    for entry in entries:
        month = entry.date.replace(day=1)
        if month != key:
            if current and key is not None:
                months.append(CalendarMonth(key, tuple(current)))
            key, current = month, []
        current.append(entry)
    if current and key is not None:
        months.append(CalendarMonth(key, tuple(current)))
    return months


def _host() -> str:
    return urlsplit(getattr(settings, "SITE_URL", "")).hostname or "tremplin.local"


def _all_day(uid: str, day: dt.date, summary: str, now: dt.datetime) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{now.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{escape_text(summary)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def cohort_calendar(
    cohort: Cohort, enrolment: Enrolment | None, days: list[Any], *, url: str = ""
) -> str:
    """A complete VCALENDAR for the cohort (CRLF line endings, folded lines)."""
    now = timezone.now()
    host = _host()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(cohort.title)}",
    ]
    if cohort.session_id is not None and days:
        session = cohort.session
        lines += session_events(session, days, url=url, now=now)
    title = cohort.title
    lines += _all_day(
        f"cohort-{cohort.pk}-start@{host}",
        cohort.starts_on,
        _("Début de la cohorte : %(title)s") % {"title": title},
        now,
    )
    lines += _all_day(
        f"cohort-{cohort.pk}-end@{host}",
        cohort.ends_on,
        _("Fin de la cohorte : %(title)s") % {"title": title},
        now,
    )
    if enrolment is not None and enrolment.deadline:
        lines += _all_day(
            f"cohort-{cohort.pk}-deadline-{enrolment.user_id}@{host}",
            enrolment.deadline,
            _("Échéance personnelle : %(title)s") % {"title": title},
            now,
        )
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def calendar_filename(cohort: Cohort) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in cohort.code)
    return f"{safe or 'cohorte'}.ics"
