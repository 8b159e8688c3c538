"""The demo item bank file: size, coverage, validity, parameters, reproducibility."""

from __future__ import annotations

import collections
import re
from decimal import Decimal

import pytest

from certification.models.selftest import SEED_DIFFICULTY
from certification.selftest import demo_content, itembank
from lms import digcompedu

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return demo_content.load()["items"]


def _by_competence(items: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = collections.defaultdict(list)
    for row in items:
        grouped[row["competence"]].append(row)
    return grouped


def test_file_is_the_generators_output():
    """The stored JSON is exactly what the generator writes from its source."""
    assert demo_content.load() == demo_content.document()


def test_document_has_the_exchange_format():
    """The file uses the shared import format, version 1."""
    document = demo_content.load()
    assert document["format"] == itembank.FORMAT == "tremplin-selftest-items"
    assert document["version"] == itembank.VERSION == 1


def test_bank_has_at_least_300_items(items):
    """The demo bank holds at least 300 items."""
    assert len(items) >= 300


def test_every_competence_has_12_items_over_4_levels(items):
    """Each of the 22 competences has ≥ 12 items spread over ≥ 4 levels."""
    grouped = _by_competence(items)
    assert set(grouped) == digcompedu.competence_codes()
    for code, rows in grouped.items():
        assert len(rows) >= 12, code
        assert len({row["target_level"] for row in rows}) >= 4, code


def test_competences_and_levels_are_valid(items):
    """Every item names a framework competence and a level A1–C2."""
    codes = digcompedu.competence_codes()
    for row in items:
        assert row["competence"] in codes, row["uid"]
        assert row["target_level"] in LEVELS, row["uid"]


def test_uids_are_unique_slugs(items):
    """Uids are unique and fit the model's slug field."""
    uids = [row["uid"] for row in items]
    assert len(uids) == len(set(uids))
    assert all(re.fullmatch(r"[-a-z0-9]{1,40}", uid) for uid in uids)


def test_all_items_are_labelled_demo(items):
    """Every item is flagged as a demonstration item."""
    assert all(row["is_demo"] is True for row in items)


def test_stems_are_non_empty(items):
    """Every stem has visible text."""
    assert all(itembank.stem_text(row["stem"]) for row in items)


def test_single_choice_has_exactly_one_key(items):
    """A single-choice item has exactly one correct option among ≥ 2."""
    for row in items:
        if row["item_type"] == "single_choice":
            assert len(row["options"]) >= 2, row["uid"]
            assert sum(o["is_correct"] for o in row["options"]) == 1, row["uid"]


def test_multiple_choice_has_a_key_and_a_distractor(items):
    """A multiple-choice item has ≥ 1 correct and ≥ 1 wrong option."""
    for row in items:
        if row["item_type"] == "multiple_choice":
            flags = [o["is_correct"] for o in row["options"]]
            assert any(flags) and not all(flags), row["uid"]


def test_ordering_items_have_two_options(items):
    """An ordering item has at least two options and no option flagged correct."""
    for row in items:
        if row["item_type"] == "ordering":
            assert len(row["options"]) >= 2, row["uid"]
            assert not any(o["is_correct"] for o in row["options"]), row["uid"]


def test_numeric_items_have_an_answer_and_a_tolerance(items):
    """A numeric item has a decimal answer, a tolerance ≥ 0 and no options."""
    for row in items:
        if row["item_type"] == "numeric":
            assert row["options"] == [], row["uid"]
            Decimal(row["numeric_answer"])
            assert Decimal(row["numeric_tolerance"]) >= 0, row["uid"]
        else:
            assert row["numeric_answer"] is None, row["uid"]


def test_items_pass_the_item_bank_rules(items):
    """The item bank's own validator finds nothing to say about any item."""
    for row in items:
        answer = row["numeric_answer"]
        errors = itembank.content_errors(
            item_type=row["item_type"],
            stem=row["stem"],
            options=[(o["text"], o["is_correct"]) for o in row["options"]],
            numeric_answer=None if answer is None else Decimal(answer),
            a=row["a"],
            b=row["b"],
            c=row["c"],
        )
        assert errors == [], (row["uid"], errors)


def test_stems_survive_sanitising(items):
    """Stems use only the allowed tags: sanitising leaves them unchanged."""
    for row in items:
        assert itembank.sanitize_stem(row["stem"]) == row["stem"], row["uid"]


def test_the_four_item_types_are_used(items):
    """The bank mixes the four item types."""
    counts = collections.Counter(row["item_type"] for row in items)
    assert set(counts) == {"single_choice", "multiple_choice", "ordering", "numeric"}
    assert min(counts.values()) >= 20


def test_parameters_are_plausible_expert_seeds(items):
    """a in 0.7–2.0, b within 0.5 of the level's seed, c = 0, expert seeds."""
    assert demo_content.SEED_DIFFICULTY == SEED_DIFFICULTY
    for row in items:
        assert 0.7 <= row["a"] <= 2.0, row["uid"]
        assert abs(row["b"] - SEED_DIFFICULTY[row["target_level"]]) <= 0.5, row["uid"]
        assert row["c"] == 0.0
        assert row["parameter_source"] == "expert_seed"


def test_about_one_item_in_ten_is_pretest(items):
    """7–13 % of the items are pretest; the rest are calibrated."""
    statuses = collections.Counter(row["status"] for row in items)
    assert set(statuses) == {"pretest", "calibrated"}
    assert 0.07 <= statuses["pretest"] / len(items) <= 0.13


def test_each_competence_keeps_8_calibrated_items(items):
    """A profile test can reach its 8-item maximum on calibrated items alone."""
    for code, rows in _by_competence(items).items():
        assert sum(row["status"] == "calibrated" for row in rows) >= 8, code


def test_families_group_near_duplicates(items):
    """Each family holds at least two items of one competence."""
    families: dict[str, list[dict]] = collections.defaultdict(list)
    for row in items:
        if row["family"]:
            families[row["family"]].append(row)
    assert families
    for name, rows in families.items():
        assert len(rows) >= 2, name
        assert len({row["competence"] for row in rows}) == 1, name


def test_choice_keys_are_not_always_first(items):
    """The generator mixes options: the key is not always the first one."""
    firsts = [
        row["options"][0]["is_correct"]
        for row in items
        if row["item_type"] == "single_choice"
    ]
    assert 0.1 < sum(firsts) / len(firsts) < 0.5


def test_option_texts_are_distinct(items):
    """No item repeats an option text."""
    for row in items:
        texts = [o["text"] for o in row["options"]]
        assert len(texts) == len(set(texts)), row["uid"]
