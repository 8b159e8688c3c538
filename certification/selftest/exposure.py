"""Exposure counters for the exposure ceiling (spec B1 ``ItemExposure``, filter 6).

An item shown to too many takers leaks: the engine skips items whose exposure
(administrations / sittings) is at the blueprint's ceiling once 50 sittings exist.
The counters are not written on the answer path: ``roll_up`` (beat, every ten
minutes) recounts them from the responses and served items of the sittings of
the last ``SELFTEST_EXPOSURE_WINDOW_DAYS`` days, per blueprint slug (all its
versions), and ``stats_for`` reads them, cached per process for
``SELFTEST_EXPOSURE_CACHE_SECONDS``. The filter is soft: stale or missing
counters only make it looser, never block a test.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ..models import Attempt, Blueprint, ItemExposure, ItemResponse
from .engine import ExposureStats

_cache: dict[str, tuple[float, ExposureStats]] = {}
_cache_lock = threading.Lock()


def _count(slug: str, since) -> tuple[int, Counter]:
    """Sittings of ``slug`` started since ``since``, and administrations per item
    uid: answered items plus the item each unfinished sitting is showing."""
    attempts = Attempt.objects.filter(blueprint__slug=slug, started_at__gte=since)
    sessions = attempts.count()
    administrations: Counter = Counter()
    answered = (
        ItemResponse.objects.filter(attempt__in=attempts)
        .values("item_id")
        .annotate(n=Count("id"))
    )
    for row in answered:
        administrations[row["item_id"]] += row["n"]
    showing = (
        attempts.filter(current_item__isnull=False)
        .values("current_item_id")
        .annotate(n=Count("id"))
    )
    for row in showing:
        administrations[row["current_item_id"]] += row["n"]
    return sessions, administrations


def roll_up(now=None) -> int:
    """Recount every blueprint's exposure; returns the number of counter rows."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.SELFTEST_EXPOSURE_WINDOW_DAYS)
    written = 0
    slugs = sorted(set(Blueprint.objects.values_list("slug", flat=True)))
    for slug in slugs:
        sessions, administrations = _count(slug, since)
        rows = [
            ItemExposure(
                blueprint_slug=slug,
                item_id=item_id,
                window_start=since,
                administrations=n,
                sessions_total=sessions,
                computed_at=now,
            )
            for item_id, n in administrations.items()
        ]
        with transaction.atomic():
            ItemExposure.objects.filter(blueprint_slug=slug).delete()
            ItemExposure.objects.bulk_create(rows)
        written += len(rows)
    forget()
    return written


def stats_for(blueprint: Blueprint) -> ExposureStats:
    """The rolled-up counters of ``blueprint``'s slug (item uid → administrations)."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(blueprint.slug)
        if cached is not None and cached[0] > now:
            return cached[1]
    rows = list(
        ItemExposure.objects.filter(blueprint_slug=blueprint.slug).values_list(
            "item__uid", "administrations", "sessions_total"
        )
    )
    stats = ExposureStats(
        administrations={str(uid): n for uid, n, _total in rows},
        sessions=max((total for _uid, _n, total in rows), default=0),
    )
    with _cache_lock:
        _cache[blueprint.slug] = (now + settings.SELFTEST_EXPOSURE_CACHE_SECONDS, stats)
    return stats


def forget() -> None:
    """Drop this process's cached counters (after a roll-up, in tests)."""
    with _cache_lock:
        _cache.clear()
