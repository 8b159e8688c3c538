"""The session calendar is valid RFC 5545: CRLF, folding, escaping, stable UIDs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue.ics import escape_text, fold_line, session_calendar
from catalogue.models import SessionDay
from tests.factories.catalogue import make_session, make_training

from .ics_parsing import parse, unescape, unfold


@pytest.mark.django_db
def test_one_event_per_day_in_utc():
    """Each session day becomes one VEVENT with UTC start and end."""
    training = make_training(title="Programmer avec Scratch, pas à pas; niveau 1")
    session = make_session(training, length_days=2, starts_in_days=40)
    calendar = parse(session_calendar(session, url="https://tremplin.test/f/"))
    assert calendar["calendar"]["VERSION"] == "2.0"
    assert calendar["calendar"]["PRODID"]
    events = calendar["events"]
    assert len(events) == 2
    day = session.days.order_by("date").first()
    start = dt.datetime.strptime(events[0]["DTSTART"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=dt.UTC
    )
    brussels = ZoneInfo("Europe/Brussels")
    assert start == dt.datetime.combine(day.date, dt.time(9, 0), tzinfo=brussels)
    assert events[0]["SUMMARY"] == training.title
    assert "Rue de la Formation 1" in events[0]["LOCATION"]
    assert events[0]["URL"] == "https://tremplin.test/f/"
    assert events[0]["STATUS"] == "CONFIRMED"


@pytest.mark.django_db
def test_uid_is_stable_per_session_day():
    """The same session day keeps its UID across files; days differ."""
    session = make_session(make_training(), length_days=2)
    first = [e["UID"] for e in parse(session_calendar(session))["events"]]
    second = [e["UID"] for e in parse(session_calendar(session))["events"]]
    assert first == second
    assert len(set(first)) == 2


@pytest.mark.django_db
def test_brussels_summer_time_is_converted():
    """09:00 in Brussels in July is 07:00 UTC."""
    session = make_session(make_training())
    SessionDay.objects.filter(session=session).update(date=dt.date(2027, 7, 6))
    event = parse(session_calendar(session))["events"][0]
    assert event["DTSTART"] == "20270706T070000Z"
    assert event["DTEND"] == "20270706T140000Z"


@pytest.mark.django_db
def test_session_without_days_is_an_all_day_span():
    """A session with no synchronous day is one all-day event (end exclusive)."""
    session = make_session(make_training(), length_days=3)
    session.days.all().delete()
    event = parse(session_calendar(session))["events"][0]
    assert event["DTSTART;VALUE=DATE"] == session.starts_on.strftime("%Y%m%d")
    assert event["DTEND;VALUE=DATE"] == (
        session.ends_on + dt.timedelta(days=1)
    ).strftime("%Y%m%d")


def test_escaping_of_text_values():
    """Commas, semicolons, backslashes and newlines are escaped."""
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@given(st.text(min_size=0, max_size=400))
def test_folding_round_trips_any_text(value):
    """Folded lines stay within 75 octets and unfold to the escaped original."""
    escaped = escape_text(value.replace("\r", ""))
    line = fold_line(f"DESCRIPTION:{escaped}")
    lines = unfold(line + "\r\n")
    assert len(lines) == 1
    assert unescape(lines[0].partition(":")[2]) == value.replace("\r", "").replace(
        "\r\n", "\n"
    )
