"""iCalendar (RFC 5545) files of a session: one VEVENT per synchronous day.

Times are written in UTC (``…Z``), so no VTIMEZONE block is needed; each
event's UID is stable per session day, so calendar clients update rather than
duplicate events when a corrected file is sent again. Lines end with CRLF and
are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from .models import Session, SessionDay

PRODID = "-//IFPC//Tremplin//FR"
MAX_LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_line(line: str) -> str:
    """Fold one content line at 75 octets (§3.1), never inside a character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_LINE_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        char_size = len(char.encode("utf-8"))
        if size + char_size > limit:
            parts.append(current)
            current, size = "", 0
            limit = MAX_LINE_OCTETS - 1  # continuation lines start with a space
        current += char
        size += char_size
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    zone = timezone.get_default_timezone()
    return timezone.make_aware(dt.datetime.combine(day, time), zone)


def _host() -> str:
    return urlsplit(getattr(settings, "SITE_URL", "")).hostname or "tremplin.local"


def _location(session: Session) -> str:
    if session.is_online:
        return "En ligne"
    parts = [session.venue, session.address, f"{session.postal_code} {session.city}"]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _description(session: Session, url: str) -> str:
    training = session.training
    lines = [f"{training.code} — {training.title}", f"Session {session.code}"]
    if session.notes:
        lines.append(session.notes)
    if url:
        lines.append(url)
    return "\n".join(lines)


def _event(
    props: list[tuple[str, str]],
) -> list[str]:
    return ["BEGIN:VEVENT", *(f"{name}:{value}" for name, value in props), "END:VEVENT"]


def session_events(
    session: Session, days: Iterable[SessionDay], *, url: str = "", now: dt.datetime
) -> list[str]:
    """The VEVENT lines (unfolded) of ``session``: one per day, or one all-day span."""
    training = session.training
    summary = escape_text(training.title)
    location = escape_text(_location(session))
    description = escape_text(_description(session, url))
    status = "CANCELLED" if session.status == Session.Status.CANCELLED else "CONFIRMED"
    host = _host()
    common = [("LOCATION", location)] if location else []
    common += [("DESCRIPTION", description), ("STATUS", status)]
    if url:
        common.append(("URL", url))
    lines: list[str] = []
    days = list(days)
    for day in days:
        lines += _event(
            [
                ("UID", f"session-{session.pk}-day-{day.pk}@{host}"),
                ("DTSTAMP", _utc(now)),
                ("DTSTART", _utc(_local(day.date, day.start_time))),
                ("DTEND", _utc(_local(day.date, day.end_time))),
                ("SUMMARY", summary),
                *common,
            ]
        )
    if not days:
        lines += _event(
            [
                ("UID", f"session-{session.pk}@{host}"),
                ("DTSTAMP", _utc(now)),
                ("DTSTART;VALUE=DATE", session.starts_on.strftime("%Y%m%d")),
                (
                    "DTEND;VALUE=DATE",
                    (session.ends_on + dt.timedelta(days=1)).strftime("%Y%m%d"),
                ),
                ("SUMMARY", summary),
                *common,
            ]
        )
    return lines


def session_calendar(session: Session, *, url: str = "") -> str:
    """A complete VCALENDAR text for ``session`` (CRLF line endings, folded)."""
    now = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *session_events(session, session.days.all(), url=url, now=now),
        "END:VCALENDAR",
    ]
    return "".join(fold_line(line) + "\r\n" for line in lines)


def calendar_filename(session: Session) -> str:
    """A safe file name for the session's calendar, e.g. ``NUM-2027-014-S1.ics``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in session.code)
    return f"{safe or 'session'}.ics"
