"""Builders for ``live`` tests: virtual classes and in-person days of a cohort."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from live.models import InPersonDay, VirtualClass


def make_class(
    cohort,
    *,
    starts_at: dt.datetime | None = None,
    duration_minutes: int = 60,
    title: str = "Classe virtuelle",
    **fields,
) -> VirtualClass:
    """A scheduled class (starting in 5 minutes unless told otherwise)."""
    return VirtualClass.objects.create(
        cohort=cohort,
        title=title,
        starts_at=starts_at or timezone.now() + dt.timedelta(minutes=5),
        duration_minutes=duration_minutes,
        **fields,
    )


def make_day(
    cohort,
    *,
    date: dt.date | None = None,
    morning: tuple[dt.time, dt.time] | None = (dt.time(9), dt.time(12)),
    afternoon: tuple[dt.time, dt.time] | None = (dt.time(13), dt.time(16)),
    title: str = "Journée en présentiel",
    **fields,
) -> InPersonDay:
    """An in-person day (today unless told otherwise), morning and afternoon."""
    return InPersonDay.objects.create(
        cohort=cohort,
        title=title,
        date=date or timezone.localdate(),
        morning_starts=morning[0] if morning else None,
        morning_ends=morning[1] if morning else None,
        afternoon_starts=afternoon[0] if afternoon else None,
        afternoon_ends=afternoon[1] if afternoon else None,
        venue="Centre IFPC",
        city="Namur",
        **fields,
    )
