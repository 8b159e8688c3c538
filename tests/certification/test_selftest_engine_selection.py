"""Choosing the next item: filters, content balancing, top-K, exposure (spec B2, C1)."""

import logging
from collections import Counter

import pytest

from certification.selftest.engine import (
    Bank,
    Engine,
    ExposureStats,
    StopReason,
    information,
)
from certification.selftest.engine.config import PickMethod
from certification.selftest.engine.irt import p_correct
from certification.selftest.engine.rng import SeededDraws
from certification.selftest.engine.selection import pick, top_by_information
from certification.selftest.engine.simulate import seeded_rng, take_test

from .builders_selftest import (
    global_mode,
    item,
    pretest,
    profile,
    spread_bank,
    with_items,
)


def play(engine, answers, state=None):
    """Serve and answer items with the given 0/1 answers; return state and item ids."""
    state = state or engine.start()
    served = []
    for correct in answers:
        state, next_one = engine.next_item(state)
        if next_one is None:
            break
        served.append(next_one.id)
        state = engine.record_response(state, next_one.id, correct)
    return state, served


def test_with_k_equal_one_the_most_informative_item_is_served():
    """top_k = 1 serves the argmax of information at the current estimate."""
    bank = spread_bank(["1.1"], per_competence=25)
    engine = Engine(bank, profile("1.1", top_k=1, warm_up=False), seed="s")
    state, _served = play(engine, [True, False, True])
    theta = engine.posterior(state, "1.1").theta
    _state, chosen = engine.next_item(state)
    administered = {a.item_id for a in state.answers}
    best = max(
        (i for i in bank if i.id not in administered),
        key=lambda i: information(theta, i.a, i.b),
    )
    assert chosen == best


def test_top_k_is_ordered_by_information_with_ties_broken_by_id():
    """The ranking is deterministic, best first."""
    items = [item("z", b=0.0), item("a", b=0.0), item("m", b=1.0), item("k", b=-2.0)]
    assert [i.id for i in top_by_information(items, 0.0, 3)] == ["a", "z", "m"]


def test_uniform_pick_chooses_each_of_the_top_k_equally_often():
    """Over 20,000 seeded draws each of the top 5 is chosen 1/5 ± 0.015 of the time."""
    ranked = [item(f"i{k}") for k in range(5)]
    draws = SeededDraws("uniformity")
    counts = Counter(
        pick(ranked, draws.uniform("pick", step), PickMethod.UNIFORM, 0.51).id
        for step in range(20_000)
    )
    assert set(counts) == {i.id for i in ranked}
    for count in counts.values():
        assert abs(count / 20_000 - 0.2) <= 0.015


def test_geometric_pick_follows_the_truncated_geometric_law():
    """Pix's binary-tree random: the first with p = 0.51, then the rest in turn."""
    ranked = [item(f"i{k}") for k in range(5)]
    draws = SeededDraws("geometric")
    counts = Counter(
        pick(ranked, draws.uniform("pick", step), PickMethod.GEOMETRIC, 0.51).id
        for step in range(20_000)
    )
    expected = [0.51 * 0.49**k for k in range(4)]
    expected.append(1 - sum(expected))
    for k, share in enumerate(expected):
        assert abs(counts[f"i{k}"] / 20_000 - share) <= 0.015


def test_same_seed_and_answers_give_the_same_items():
    """Two engines with one seed and one answer sequence serve identical items."""
    bank = spread_bank(["1.1", "1.2", "1.3"])
    config = profile("1.1", "1.2", "1.3")
    answers = [True, False, True, True, False, False, True, True, False, True]
    _s1, first = play(Engine(bank, config, seed="attempt-42"), answers)
    _s2, second = play(Engine(bank, config, seed="attempt-42"), answers)
    assert first == second and len(first) == len(answers)
    others = {
        tuple(play(Engine(bank, config, seed=f"other-{n}"), answers)[1])
        for n in range(8)
    }
    assert len(others) > 1


def test_an_item_or_its_family_is_never_served_twice():
    """No item repeats, and at most one item of a family is served per attempt."""
    items = [
        item(f"f{k}", b=(k - 10) / 5, family=f"family-{k // 2}") for k in range(20)
    ]
    engine = Engine(
        Bank(items),
        profile("1.1", max_items_per_competence=20, se_target_competence=0.0),
        seed=1,
    )
    state = take_test(engine, 0.3, seeded_rng(1))
    served = [a.item_id for a in state.answers]
    assert len(served) == len(set(served)) == 10
    assert len({engine.bank[i].family for i in served}) == 10
    assert state.stop_reason == StopReason.POOL_EXHAUSTED


def test_locale_accessibility_status_and_competence_filters_hold():
    """Only calibrated items of tested competences in the locale and meeting needs are served."""
    screen_reader = frozenset({"screen_reader_ok"})
    good = [
        item(f"ok{k}", "2.1", b=(k - 4) / 2, locale="fr", accessibility=screen_reader)
        for k in range(8)
    ]
    wrong = [
        item("other-competence", "2.2", accessibility=screen_reader),
        item("english", "2.1", locale="en", accessibility=screen_reader),
        item("needs-pointer", "2.1"),
        pretest("pretest-only", "2.1"),
    ]
    engine = Engine(
        Bank(good + wrong),
        profile(
            "2.1", locale="fr", max_items_per_competence=20, se_target_competence=0.0
        ),
        seed="filters",
    )
    state = engine.start(accessibility_needs={"screen_reader_ok"})
    state = take_test(engine, 0.0, seeded_rng(2), state=state)
    assert sorted(a.item_id for a in state.answers) == sorted(i.id for i in good)
    assert state.stop_reason == StopReason.POOL_EXHAUSTED


def test_profile_mode_balances_and_alternates_competences():
    """Each competence gets between min and max items, never twice in a row while others are open."""
    bank = spread_bank(["3.1", "3.2", "3.3"], per_competence=15)
    config = profile("3.1", "3.2", "3.3")
    engine = Engine(bank, config, seed="balance")
    state = take_test(engine, {"3.1": -1.0, "3.2": 0.5, "3.3": 1.5}, seeded_rng(3))
    counts = Counter(a.competence for a in state.answers)
    assert all(3 <= counts[c] <= 8 for c in config.competences)
    # The first six items visit every competence twice, round robin.
    first = [a.competence for a in state.answers[:6]]
    assert all(Counter(first)[c] == 2 for c in config.competences)
    assert all(x != y for x, y in zip(first, first[1:], strict=False))


def test_global_mode_balances_areas_kingsbury_zara():
    """With equal target shares, area counts never differ by more than one."""
    bank = spread_bank(["1.1", "2.1", "2.2", "4.1"], per_competence=20)
    config = global_mode(
        "1.1", "2.1", "2.2", "4.1", se_target_global=0.0, max_items_total=20
    )
    engine = Engine(bank, config, seed="areas")
    state = engine.start()
    for _ in range(20):
        state, served = engine.next_item(state)
        state = engine.record_response(state, served.id, served.b < 0.3)
        counts = Counter(a.competence.split(".")[0] for a in state.answers)
        values = [counts.get(area, 0) for area in ("1", "2", "4")]
        assert max(values) - min(values) <= 1
    assert sum(values) == 20


def test_global_mode_follows_unequal_area_shares():
    """Target shares 2:1 give twice as many items to the first area."""
    bank = spread_bank(["1.1", "5.1"], per_competence=30)
    config = global_mode(
        "1.1",
        "5.1",
        se_target_global=0.0,
        max_items_total=18,
        area_shares={"1": 2, "5": 1},
    )
    state = take_test(Engine(bank, config, seed="shares"), 0.0, seeded_rng(4))
    counts = Counter(a.competence for a in state.answers)
    assert counts == {"1.1": 12, "5.1": 6}


def test_warm_up_first_item_is_likely_to_be_answered_correctly():
    """The first item of each competence has P(correct at θ start) ≥ 0.6."""
    bank = spread_bank(["1.1", "1.2"], per_competence=30, a=2.0)
    for seed in range(20):
        engine = Engine(bank, profile("1.1", "1.2"), seed=seed)
        state, served = play(engine, [False, False])
        for item_id in served:
            chosen = bank[item_id]
            assert p_correct(0.0, chosen.a, chosen.b) >= 0.6


def test_exposure_ceiling_excludes_items_at_or_above_the_cap():
    """Once 50 sessions exist, an item at or above the ceiling is not served."""
    bank = spread_bank(["1.1"], per_competence=25)
    config = profile("1.1", top_k=1, warm_up=False, exposure_ceiling=0.3)
    favourite = Engine(bank, config, seed=0).next_item(
        Engine(bank, config, seed=0).start()
    )[1]
    at_cap = ExposureStats({favourite.id: 15}, sessions=50)
    below_cap = ExposureStats({favourite.id: 14}, sessions=50)
    too_few_sessions = ExposureStats({favourite.id: 49}, sessions=49)

    def first(exposure):
        engine = Engine(bank, config, seed=0, exposure=exposure)
        return engine.next_item(engine.start())[1]

    assert first(at_cap) != favourite
    assert first(below_cap) == favourite
    assert first(too_few_sessions) == favourite


def test_soft_filters_are_dropped_when_they_would_empty_the_pool(caplog):
    """Over-exposed or already-seen items are served, with a log, rather than nothing."""
    bank = spread_bank(["1.1"], per_competence=4)
    everything = {i.id: 100 for i in bank}
    engine = Engine(
        bank,
        profile("1.1", se_target_competence=0.0),
        seed="soft",
        exposure=ExposureStats(everything, sessions=100),
    )
    state = engine.start(seen_before=everything)
    with caplog.at_level(
        logging.INFO, logger="certification.selftest.engine.selection"
    ):
        state = take_test(engine, 0.0, seeded_rng(5), state=state)
    assert len(state.answers) == 4
    assert state.stop_reason == StopReason.POOL_EXHAUSTED
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "seen_before" in messages and "exposure_ceiling" in messages


def test_retakes_prefer_items_and_families_not_seen_before():
    """Items from a previous attempt, and their families, come only when nothing else is left."""
    items = [item(f"r{k}", b=(k - 8) / 4, family=f"fam{k % 8}") for k in range(16)]
    bank = Bank(items)
    config = profile("1.1", max_items_per_competence=8, se_target_competence=0.0)
    engine = Engine(bank, config, seed="retake")
    previous = ["r0", "r1", "r2"]
    state = take_test(
        engine, 0.0, seeded_rng(6), state=engine.start(seen_before=previous)
    )
    served = [a.item_id for a in state.answers]
    seen_families = {"fam0", "fam1", "fam2"}
    # Five families were not seen: their items come first, one per family …
    assert {bank[i].family for i in served[:5]} == {f"fam{k}" for k in range(3, 8)}
    # … then the soft filter is dropped and seen families fill the test.
    assert {bank[i].family for i in served[5:]} <= seen_families
    assert len(served) == 8


def test_a_retake_starts_selection_from_half_the_previous_estimate():
    """θ start shifts the first item's difficulty without acting as a prior."""
    bank = spread_bank(["1.1"], per_competence=41, a=1.0)
    config = profile("1.1", top_k=1, warm_up=False)
    engine = Engine(bank, config, seed="start")
    _state, low = engine.next_item(engine.start())
    _state, high = engine.next_item(engine.start(theta_start={"1.1": 1.5}))
    assert abs(low.b) < 0.1 and abs(high.b - 1.5) < 0.1
    state = engine.start(theta_start={"1.1": 1.5})
    assert engine.posterior(state, "1.1").theta == pytest.approx(0.0, abs=1e-9)


def test_hard_filters_are_never_dropped():
    """When only another locale's items are left, the test ends instead."""
    bank = with_items(spread_bank(["1.1"], per_competence=3), item("en", locale="en"))
    engine = Engine(bank, profile("1.1", locale="fr", se_target_competence=0.0), seed=1)
    state = take_test(engine, 0.0, seeded_rng(7))
    assert "en" not in {a.item_id for a in state.answers}
    assert state.stop_reason == StopReason.POOL_EXHAUSTED
