"""Attendance minutes from overlapping join/leave intervals."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from live.intervals import clip_and_merge, covered_minutes

T0 = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_overlapping_tabs_count_once():
    intervals = [(at(0), at(30)), (at(10), at(40)), (at(50), at(60))]
    assert covered_minutes(intervals, at(0), at(60)) == 50


def test_joining_early_and_staying_late_do_not_count():
    assert covered_minutes([(at(-15), at(75))], at(0), at(60)) == 60


def test_reconnection_touching_intervals_merge():
    assert clip_and_merge([(at(0), at(10)), (at(10), at(20))], at(0), at(60)) == [
        (at(0), at(20))
    ]


def test_interval_outside_the_window_counts_nothing():
    assert covered_minutes([(at(-30), at(-1)), (at(61), at(90))], at(0), at(60)) == 0


intervals_strategy = st.lists(
    st.tuples(st.integers(-120, 240), st.integers(0, 180)).map(
        lambda pair: (at(pair[0]), at(pair[0] + pair[1]))
    ),
    max_size=12,
)


@given(intervals_strategy)
def test_covered_minutes_properties(intervals):
    start, end = at(0), at(90)
    minutes = covered_minutes(intervals, start, end)
    assert 0 <= minutes <= 90
    # Never more than the sum of the parts, and order does not matter.
    clipped_sum = sum(
        max((min(b, end) - max(a, start)).total_seconds(), 0) for a, b in intervals
    )
    assert minutes <= clipped_sum / 60 + 1e-9
    assert minutes == covered_minutes(list(reversed(intervals)), start, end)
    merged = clip_and_merge(intervals, start, end)
    for (_a1, b1), (a2, _b2) in zip(merged, merged[1:], strict=False):
        assert b1 < a2  # disjoint and sorted
    # Adding an interval never lowers the total.
    assert covered_minutes([*intervals, (at(10), at(20))], start, end) >= minutes
