"""The cohort agenda: its virtual classes and in-person days, as display rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import InPersonDay, VirtualClass


def safe_reverse(name: str, *args: Any) -> str:
    """``reverse`` that yields ``""`` for a page not (yet) wired."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def day_place(day: InPersonDay) -> str:
    return ", ".join(p.strip() for p in (day.venue, day.address, day.city) if p.strip())


@dataclass
class AgendaEntry:
    kind: str  # "class" | "day"
    obj: Any
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str  # "" for online
    url: str
    is_cancelled: bool
    join_state: str = ""  # classes: early | open | closed
    halves: list | None = None

    @property
    def is_online(self) -> bool:
        return self.kind == "class"


def entries_for(
    classes: list[VirtualClass], days: list[InPersonDay], now: dt.datetime
) -> list[AgendaEntry]:
    entries = [
        AgendaEntry(
            kind="class",
            obj=vc,
            title=vc.title,
            starts_at=vc.starts_at,
            ends_at=vc.ends_at,
            place="",
            url=safe_reverse("live:class_detail", vc.uuid),
            is_cancelled=vc.status == VirtualClass.Status.CANCELLED,
            join_state=vc.join_window_state(now),
        )
        for vc in classes
    ]
    for day in days:
        if not day.halves():
            continue
        entries.append(
            AgendaEntry(
                kind="day",
                obj=day,
                title=day.title,
                starts_at=day.starts_at,
                ends_at=day.ends_at,
                place=day_place(day),
                url=safe_reverse("live:day_detail", day.uuid),
                is_cancelled=day.is_cancelled,
                halves=[
                    (InPersonDay.Half(half).label, start, end)
                    for half, start, end in day.halves()
                ],
            )
        )
    return entries


def cohort_agenda(cohort_id: int) -> tuple[list[AgendaEntry], list[AgendaEntry]]:
    """``(upcoming, past)``: upcoming soonest first, past most recent first."""
    now = timezone.now()
    entries = entries_for(
        list(VirtualClass.objects.filter(cohort_id=cohort_id)),
        list(InPersonDay.objects.filter(cohort_id=cohort_id)),
        now,
    )
    upcoming = sorted(
        (e for e in entries if e.ends_at > now), key=lambda e: e.starts_at
    )
    past = sorted(
        (e for e in entries if e.ends_at <= now),
        key=lambda e: e.starts_at,
        reverse=True,
    )
    return upcoming, past
