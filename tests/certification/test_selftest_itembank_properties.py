"""Properties of the item bank exchange: CSV ↔ JSON round trip, validator robustness."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from certification.models import Item
from certification.selftest import itembank

COMPETENCES = {"2.1": 1, "3.1": 2}
TEXT = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
PLAIN = st.text(alphabet=string.ascii_letters + "éèàç ?.,'", min_size=1, max_size=60)
FLOATS = st.floats(min_value=-6, max_value=6, allow_nan=False)


@st.composite
def canonical_items(draw) -> dict:
    """Items as ``export_items`` writes them."""
    item_type = draw(st.sampled_from(Item.Type.values))
    if item_type == Item.Type.NUMERIC:
        options = []
        answer = str(draw(st.decimals(min_value=-1000, max_value=1000, places=2)))
    else:
        texts = draw(st.lists(TEXT, min_size=2, max_size=itembank.MAX_OPTIONS))
        flags = draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
        if item_type == Item.Type.ORDERING:
            flags = [False] * len(texts)
        options = [
            {"text": t, "is_correct": f} for t, f in zip(texts, flags, strict=True)
        ]
        answer = None
    return {
        "uid": draw(st.from_regex(r"[a-z0-9_-]{1,40}", fullmatch=True)),
        "competence": draw(st.sampled_from(sorted(COMPETENCES))),
        "target_level": draw(st.sampled_from(itembank.LEVELS)),
        "item_type": item_type,
        "stem": "<p>" + draw(PLAIN).strip().replace("'", "’") + "</p>",
        "options": options,
        "numeric_answer": answer,
        "numeric_tolerance": draw(st.sampled_from(["0", "0.5", "2"])),
        "numeric_unit": draw(st.sampled_from(["", "%", "km", "=x"])),
        "shuffle_options": draw(st.booleans()),
        "family": draw(st.none() | TEXT.filter(lambda t: len(t) <= 120)),
        "status": draw(st.sampled_from(Item.Status.values)),
        "a": draw(st.floats(min_value=0.06, max_value=5, allow_nan=False)),
        "b": draw(FLOATS),
        "c": draw(st.floats(min_value=0, max_value=0.5, allow_nan=False)),
        "parameter_source": draw(st.sampled_from(Item.ParameterSource.values)),
        "is_demo": draw(st.booleans()),
        "screen_reader_ok": draw(st.booleans()),
        "keyboard_only_ok": draw(st.booleans()),
        "colour_blind_ok": draw(st.booleans()),
        "est_seconds": draw(st.integers(min_value=1, max_value=3600)),
    }


@settings(max_examples=150, deadline=None)
@given(st.lists(canonical_items(), max_size=4))
def test_csv_round_trip_gives_back_the_json(items):
    """items_to_csv then csv_to_items returns the same items (row numbers aside)."""
    document = {"format": itembank.FORMAT, "version": 1, "items": items}
    back = itembank.csv_to_items(itembank.items_to_csv(document))
    for item in back["items"]:
        item.pop("_row")
    assert back["items"] == items


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mangled_items(draw) -> object:
    """A canonical item with some keys replaced by arbitrary JSON, or anything."""
    if draw(st.booleans()):
        return draw(ANY_JSON)
    item = draw(canonical_items())
    for key in draw(st.lists(st.sampled_from(itembank.ITEM_KEYS), max_size=4)):
        item[key] = draw(ANY_JSON)
    return item


@settings(max_examples=300, deadline=None)
@given(mangled_items())
def test_validator_never_crashes(raw):
    """Any row gives either a parsed item or French errors, never an exception."""
    parsed, errors = itembank.parse_row(raw, 3, competences=COMPETENCES)
    assert (parsed is None) == bool(errors)
    for error in errors:
        assert error.row == 3 and error.message
        assert str(error).startswith("Ligne 3")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_csv_reader_never_crashes(text):
    """Arbitrary text is read as items or refused with a ValueError message."""
    try:
        document = itembank.csv_to_items(text)
    except ValueError as error:
        assert str(error)
        return
    for index, raw in enumerate(document["items"], start=1):
        itembank.parse_row(raw, index, competences=COMPETENCES)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_sanitised_stem_has_no_script(html):
    """Whatever the input, the sanitised stem has no script or event handler."""
    clean = itembank.sanitize_stem(html + "<script>x()</script><b onclick=y()>z</b>")
    assert "<script" not in clean.lower() and "onclick" not in clean.lower()
