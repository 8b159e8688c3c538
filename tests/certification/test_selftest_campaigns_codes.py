"""Campaign codes: alphabet, length, normalisation, uniqueness."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certification.selftest import campaigns
from certification.selftest.campaigns import (
    CODE_DIGITS,
    CODE_LETTERS,
    code_problem,
    generate_code,
    normalise_code,
)
from tests.certification.campaign_support import make_campaign


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.integers())
def test_generated_codes_normalise_to_themselves(_):
    """Every generated code is 6 consonants + 3 unambiguous digits and is its own
    normal form, with no vowel and no 0, 1 or 5."""
    code = generate_code()
    assert len(code) == 9
    assert all(c in CODE_LETTERS for c in code[:6])
    assert all(c in CODE_DIGITS for c in code[6:])
    assert normalise_code(code) == code
    assert not set(code) & set("AEIOU015")
    assert code_problem(code) is None


def test_the_alphabets_avoid_vowels_and_ambiguous_digits():
    """The letters hold no vowel (Y is kept, as in Pix) and the digits no 0/1/5."""
    assert not set(CODE_LETTERS) & set("AEIOU")
    assert not set(CODE_DIGITS) & set("015")


@given(
    st.text(alphabet=CODE_LETTERS, min_size=6, max_size=6),
    st.text(alphabet=CODE_DIGITS, min_size=3, max_size=3),
    st.lists(st.sampled_from([" ", "-", "  ", "\t", "–"]), min_size=9, max_size=9),
    st.lists(st.booleans(), min_size=9, max_size=9),
)
def test_typing_is_case_space_and_dash_insensitive(letters, digits, separators, lower):
    """Any mix of case, spaces and dashes normalises to the code itself."""
    code = letters + digits
    typed = "".join(
        (c.lower() if low else c) + sep
        for c, sep, low in zip(code, separators, lower, strict=True)
    )
    assert normalise_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("BCDAFG234", "A"),  # a vowel
        ("BCDFGH105", "0 1 5"),  # ambiguous digits
        ("BCD#GH234", "#"),
    ],
)
def test_wrong_characters_are_named_in_french(typed, fragment):
    """The message names the characters that no code uses."""
    problem = code_problem(normalise_code(typed))
    assert "caractères" in problem and fragment in problem


@pytest.mark.parametrize("typed", ["BCDFGH23", "BCDFGH2346", "BCDFG2346", "234BCDFGH"])
def test_a_wrong_shape_is_explained(typed):
    """Right characters in the wrong shape: 6 letters then 3 digits."""
    assert "9 caractères" in code_problem(normalise_code(typed))


@pytest.mark.django_db
def test_generation_retries_on_collision(monkeypatch):
    """A drawn code already in use is drawn again."""
    taken = make_campaign(code="BBBBBB222")
    draws = itertools.chain("BBBBBB222", "CCCCCC333")
    monkeypatch.setattr(campaigns.secrets, "choice", lambda alphabet: next(draws))
    assert generate_code() == "CCCCCC333"
    assert taken.code == "BBBBBB222"
