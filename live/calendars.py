"""Secret iCalendar feeds: a person's (all their cohorts) and a cohort's.

Times are in UTC (no VTIMEZONE needed); UIDs are stable per class and per
half-day, so clients update events rather than duplicate them; a cancelled
class or day stays in the feed with ``STATUS:CANCELLED``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalogue.ics import PRODID, _host, escape_text, fold_line
from lms.emails import absolute_url
from tutoring.models import Cohort
from tutoring.permissions import cohorts_followed_by, cohorts_tutored_by

from .agenda import day_place, safe_reverse
from .models import CalendarFeed, InPersonDay, VirtualClass
from .models.calendars import _new_token


def feed_for_user(user: Any) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def feed_for_cohort(cohort: Cohort) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(cohort=cohort)
    return feed


def regenerate(feed: CalendarFeed) -> CalendarFeed:
    """A new secret token: the old URL stops working at once."""
    with transaction.atomic():
        feed.token = _new_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


def feed_url(feed: CalendarFeed) -> str:
    return absolute_url(safe_reverse("live:calendar_feed", feed.token))


def user_cohort_ids(user: Any) -> list[int]:
    """The cohorts in a person's own feed: those they follow or tutor."""
    ids = set(cohorts_followed_by(user).values_list("pk", flat=True))
    ids |= set(cohorts_tutored_by(user).values_list("pk", flat=True))
    return sorted(ids)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(props: list[tuple[str, str]]) -> list[str]:
    return ["BEGIN:VEVENT", *(f"{name}:{value}" for name, value in props), "END:VEVENT"]


def class_events(vc: VirtualClass, now: dt.datetime, host: str) -> list[str]:
    url = absolute_url(safe_reverse("live:class_detail", vc.uuid))
    description = "\n".join(p for p in (vc.cohort.title, vc.welcome, url) if p)
    props = [
        ("UID", f"live-class-{vc.uuid}@{host}"),
        ("DTSTAMP", _utc(now)),
        ("LAST-MODIFIED", _utc(vc.updated_at)),
        ("DTSTART", _utc(vc.starts_at)),
        ("DTEND", _utc(vc.ends_at)),
        ("SUMMARY", escape_text(f"{vc.title} (classe virtuelle)")),
        ("LOCATION", escape_text("En ligne")),
        ("DESCRIPTION", escape_text(description)),
        (
            "STATUS",
            "CANCELLED" if vc.status == VirtualClass.Status.CANCELLED else "CONFIRMED",
        ),
    ]
    if url:
        props.append(("URL", url))
    return _event(props)


def day_events(day: InPersonDay, now: dt.datetime, host: str) -> list[str]:
    url = absolute_url(safe_reverse("live:day_detail", day.uuid))
    place = day_place(day)
    description = "\n".join(p for p in (day.cohort.title, day.notes, url) if p)
    lines: list[str] = []
    for half, _start, _end in day.halves():
        start, end = day.half_bounds(half)
        label = InPersonDay.Half(half).label
        props = [
            ("UID", f"live-day-{day.uuid}-{half}@{host}"),
            ("DTSTAMP", _utc(now)),
            ("LAST-MODIFIED", _utc(day.updated_at)),
            ("DTSTART", _utc(start)),
            ("DTEND", _utc(end)),
            ("SUMMARY", escape_text(f"{day.title} ({label}, présentiel)")),
            ("DESCRIPTION", escape_text(description)),
            ("STATUS", "CANCELLED" if day.is_cancelled else "CONFIRMED"),
        ]
        if place:
            props.append(("LOCATION", escape_text(place)))
        if url:
            props.append(("URL", url))
        lines += _event(props)
    return lines


def calendar_text(cohort_ids: Iterable[int], name: str) -> str:
    """The VCALENDAR text of the classes and days of ``cohort_ids`` (CRLF, folded)."""
    cohort_ids = list(cohort_ids)
    now = timezone.now()
    host = _host()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for vc in VirtualClass.objects.filter(cohort_id__in=cohort_ids).select_related(
        "cohort"
    ):
        lines += class_events(vc, now, host)
    for day in InPersonDay.objects.filter(cohort_id__in=cohort_ids).select_related(
        "cohort"
    ):
        lines += day_events(day, now, host)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def feed_calendar(feed: CalendarFeed) -> str:
    if feed.cohort_id:
        cohort = feed.cohort
        return calendar_text([cohort.pk], f"Tremplin — {cohort.title}")
    return calendar_text(user_cohort_ids(feed.user), "Tremplin")


def followed_or_tutored(user: Any) -> list[Cohort]:
    ids = user_cohort_ids(user)
    return list(Cohort.objects.filter(Q(pk__in=ids)).order_by("-starts_on", "code"))
