"""Property tests: every exported cell is read back by the import as the same value."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from hypothesis import assume, given
from hypothesis import strategies as st

from catalogue import tabular
from catalogue.exporting import cell_text
from catalogue.import_files import (
    clean_text,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
)


@given(st.text(max_size=200).map(str.strip))
def test_formula_guard_round_trips(text):
    """Neutralised text never starts a formula and reads back unchanged."""
    exported = cell_text(text)
    assert not exported.startswith(tabular.FORMULA_PREFIXES)
    assert clean_text(exported) == text


@given(st.decimals(min_value=0, max_value=9999, places=1, allow_nan=False))
def test_hours_round_trip(hours):
    """Decimal hours exported with a comma are parsed back equal."""
    assert parse_decimal(cell_text(hours)) == hours


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2200, 1, 1)))
def test_dates_round_trip(date):
    """Dates are exported as ISO text and parsed back equal."""
    assert parse_date(cell_text(date)) == date


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 - naive local wall time
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    ).map(lambda d: d.replace(microsecond=0))
)
def test_datetimes_round_trip(moment):
    """Local date-times (to the second) are parsed back to the same instant."""
    aware = moment.replace(tzinfo=timezone.get_current_timezone())
    assume(timezone.localtime(aware).replace(tzinfo=None) == moment)  # DST gaps
    assert parse_datetime(cell_text(aware)) == aware


@given(st.booleans())
def test_booleans_round_trip(value):
    """Booleans are exported as oui/non and parsed back."""
    assert parse_bool(cell_text(value)) is value


def test_headers_ignore_accents_case_and_aliases():
    """« Résumé », « RESUME » and « summary » all name the same column."""
    for header in ("Résumé", "RESUME", " summary "):
        assert tabular.header_key(tabular.TRAININGS, header) == "resume"
    assert tabular.header_key(tabular.SESSIONS, "Code postal") == "code_postal"
