"""Minutes covered by presence intervals (pure functions, no Django)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Interval = tuple[dt.datetime, dt.datetime]


def clip_and_merge(
    intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """Intervals clipped to ``[start, end]``, sorted, overlaps and contacts merged."""
    clipped = sorted(
        (max(a, start), min(b, end))
        for a, b in intervals
        if min(b, end) > max(a, start)
    )
    merged: list[Interval] = []
    for a, b in clipped:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def covered_minutes(
    intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime
) -> int:
    """Whole minutes of ``[start, end]`` covered by the union of ``intervals``.

    Overlapping intervals (two tabs, a reconnection) count once; time outside
    the window (joining early, staying late) does not count.
    """
    seconds = sum(
        (b - a).total_seconds() for a, b in clip_and_merge(intervals, start, end)
    )
    return int(seconds // 60)
