"""The engine's state machine: stopping, reloads, tampering, pretest, results (spec B2, B3, B8)."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certification.selftest import engine as engine_package
from certification.selftest.engine import (
    GLOBAL_SCOPE,
    LEVELS,
    AttemptFinished,
    Bank,
    Config,
    CutScores,
    Engine,
    EngineError,
    Item,
    ItemNotServed,
    State,
    StopReason,
    retake_theta_start,
)
from certification.selftest.engine.simulate import seeded_rng, take_test
from lms import digcompedu

from .builders_selftest import (
    global_mode,
    item,
    pretest,
    profile,
    spread_bank,
    with_items,
)

ENGINE_DIR = Path(engine_package.__file__).parent


def test_the_engine_imports_without_django():
    """In a fresh interpreter, importing the engine loads no Django or Wagtail module."""
    code = (
        "import sys\n"
        "import certification.selftest.engine\n"
        "import certification.selftest.engine.simulate\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "sys.exit(1 if loaded & {'django', 'wagtail', 'numpy'} else 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ENGINE_DIR.parents[2],
        env=env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr


def test_the_engine_only_imports_the_standard_library():
    """Every import in the engine package is relative or from the standard library."""
    for path in ENGINE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names, (path.name, name)


def test_a_bank_over_the_framework_codes_runs_a_test_per_area():
    """DigCompEdu competence codes and areas drive profile sessions of one area."""
    competences = digcompedu.competences()
    bank = spread_bank([c.code for c in competences], per_competence=10)
    for area in digcompedu.areas():
        codes = tuple(c.code for c in competences if c.area == area.code)
        engine = Engine(bank, profile(*codes), seed=area.code)
        state = take_test(engine, 0.5, seeded_rng(int(area.code)))
        assert {a.competence for a in state.answers} == set(codes)
        assert {a.area for a in engine.result(state).areas} == {area.code}
    assert {i.area for i in bank} == {a.code for a in digcompedu.areas()}


def test_a_profile_session_is_limited_to_six_competences_or_one_area():
    """Seven competences across areas are refused; a whole area is allowed."""
    with pytest.raises(ValueError, match="at most 6"):
        Config(competences=("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1"))
    Config(competences=("6.1", "6.2", "6.3", "6.4", "6.5"))
    Config(competences=("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1"), mode="global")


class TestStopping:
    def test_profile_stops_when_no_competence_is_open(self):
        """Every competence reached SE ≤ target after its minimum: competences_done."""
        bank = spread_bank(["1.1", "1.2"], per_competence=30, a=2.5)
        engine = Engine(bank, profile("1.1", "1.2"), seed="done")
        state = take_test(engine, 0.0, seeded_rng(1))
        assert state.stop_reason == StopReason.COMPETENCES_DONE
        for row in engine.result(state).competences:
            assert row.se <= 0.55 and 3 <= row.n_items <= 8
            assert row.precision == "ok" and row.is_measured

    def test_minimum_items_are_given_even_when_se_is_already_small(self):
        """Very discriminating items reach SE ≤ target early, yet each competence gets 3."""
        bank = spread_bank(["1.1"], per_competence=30, a=3.0)
        engine = Engine(bank, profile("1.1", se_target_competence=0.9), seed="min")
        state = take_test(engine, 0.0, seeded_rng(2))
        assert len(state.answers) == 3
        assert (
            engine.posterior(State(answers=state.answers[:1]), "1.1").se < 0.9
        )  # already under target after one item

    def test_per_competence_maximum_closes_a_competence(self):
        """With an unreachable SE target, each competence stops at its maximum."""
        bank = spread_bank(["2.1", "2.2"], per_competence=20, a=0.6)
        config = profile(
            "2.1", "2.2", se_target_competence=0.1, max_items_per_competence=5
        )
        engine = Engine(bank, config, seed="max-c")
        state = take_test(engine, 0.0, seeded_rng(3))
        assert state.stop_reason == StopReason.COMPETENCES_DONE
        result = engine.result(state)
        assert [r.n_items for r in result.competences] == [5, 5]
        assert all(
            r.precision == "low" and r.is_provisional for r in result.competences
        )

    def test_global_cap_stops_a_profile_session(self):
        """The total cap counts every served item: max_items."""
        bank = spread_bank(["2.1", "2.2"], per_competence=20, a=0.6)
        config = profile("2.1", "2.2", se_target_competence=0.1, max_items_total=7)
        state = take_test(Engine(bank, config, seed="cap"), 0.0, seeded_rng(4))
        assert state.stop_reason == StopReason.MAX_ITEMS and len(state.answers) == 7

    def test_global_mode_stops_on_precision_after_its_minimum(self):
        """SE ≤ 0.40 with n ≥ min_items_total: precision_reached."""
        bank = spread_bank(["1.1", "2.1"], per_competence=40, a=2.5)
        engine = Engine(bank, global_mode("1.1", "2.1"), seed="precise")
        state = take_test(engine, 0.0, seeded_rng(5))
        assert state.stop_reason == StopReason.PRECISION_REACHED
        assert len(state.answers) == 8  # the minimum: SE was reached sooner
        assert engine.result(state).overall.se <= 0.40

    def test_global_mode_stops_at_its_maximum(self):
        """A weak bank cannot reach SE 0.40 in 10 items: max_items."""
        bank = spread_bank(["1.1"], per_competence=40, a=0.5)
        engine = Engine(bank, global_mode("1.1", max_items_total=10), seed="weak")
        state = take_test(engine, 0.0, seeded_rng(6))
        assert state.stop_reason == StopReason.MAX_ITEMS and len(state.answers) == 10

    def test_pool_exhaustion_is_a_stop_reason(self):
        """A competence with two items cannot reach its minimum: pool_exhausted."""
        bank = spread_bank(["1.1"], per_competence=2)
        engine = Engine(bank, profile("1.1"), seed="small")
        state = take_test(engine, 0.0, seeded_rng(7))
        assert state.stop_reason == StopReason.POOL_EXHAUSTED
        row = engine.result(state).competence("1.1")
        assert row.n_items == 2 and not row.is_measured

    def test_time_limit_stops_the_test(self):
        """Past the time limit the next request ends the test: timeout."""
        bank = spread_bank(["1.1"], per_competence=10)
        engine = Engine(bank, profile("1.1", time_limit_seconds=600), seed="t")
        state, first = engine.next_item(engine.start(), elapsed_seconds=10)
        state = engine.record_response(state, first.id, True)
        state, nothing = engine.next_item(state, elapsed_seconds=600)
        assert nothing is None and state.stop_reason == StopReason.TIMEOUT

    def test_an_abandoned_attempt_keeps_its_answers(self):
        """Abandoning drops the pending item; measured competences keep their estimate."""
        bank = spread_bank(["1.1", "1.2"], per_competence=10)
        engine = Engine(bank, profile("1.1", "1.2"), seed="quit")
        state = engine.start()
        for _ in range(7):
            state, served = engine.next_item(state)
            state = engine.record_response(state, served.id, True)
        state, _pending = engine.next_item(state)
        state = engine.abandon(state)
        assert state.stop_reason == StopReason.ABANDONED and state.pending is None
        result = engine.result(state)
        assert result.is_complete
        assert sorted(r.is_measured for r in result.competences) == [True, True]
        assert engine.next_item(state) == (state, None)


class TestReloadAndTampering:
    def test_a_reload_returns_the_pending_item(self):
        """Asking again before answering returns the same item and the same state."""
        engine = Engine(spread_bank(["1.1"]), profile("1.1"), seed="reload")
        state, served = engine.next_item(engine.start())
        again_state, again = engine.next_item(state)
        assert again == served and again_state == state

    def test_a_state_restored_from_json_gives_the_same_next_item(self):
        """A new engine on the stored JSON state chooses exactly the same item."""
        bank = spread_bank(["1.1", "1.2"])
        config = profile("1.1", "1.2")
        engine = Engine(bank, config, seed="json")
        state = engine.start(seen_before={"1.1-03"}, accessibility_needs=set())
        for correct in (True, False, True, True):
            state, served = engine.next_item(state)
            state = engine.record_response(state, served.id, correct)
        stored = json.dumps(state.to_json())
        _s, expected = engine.next_item(state)
        fresh = Engine(bank, config, seed="json")
        _s, restored = fresh.next_item(State.from_json(json.loads(stored)))
        assert restored == expected

    def test_an_answer_for_another_item_is_refused(self):
        """An item not served, a replayed item or no pending item: ItemNotServed."""
        engine = Engine(spread_bank(["1.1"]), profile("1.1"), seed="tamper")
        state, served = engine.next_item(engine.start())
        with pytest.raises(ItemNotServed):
            engine.record_response(
                state, "1.1-00" if served.id != "1.1-00" else "1.1-01", True
            )
        answered = engine.record_response(state, served.id, True)
        with pytest.raises(ItemNotServed):
            engine.record_response(answered, served.id, False)
        with pytest.raises(EngineError):
            engine.record_response(state, served.id, 2)

    def test_answers_after_the_end_are_refused(self):
        """Once stopped, recording raises AttemptFinished and the state is unchanged."""
        engine = Engine(spread_bank(["1.1"], per_competence=2), profile("1.1"), seed=3)
        state = take_test(engine, 0.0, seeded_rng(8))
        with pytest.raises(AttemptFinished):
            engine.record_response(state, "1.1-00", True)

    def test_results_use_the_parameters_snapshot(self):
        """Recalibrating the bank later does not change a stored attempt's result."""
        bank = spread_bank(["1.1"])
        engine = Engine(bank, profile("1.1"), seed="snap")
        state = take_test(engine, 0.2, seeded_rng(9))
        recalibrated = Bank(
            Item(i.id, i.competence, a=i.a * 2, b=i.b + 1, level=i.level) for i in bank
        )
        before = engine.result(state).competence("1.1")
        after = Engine(recalibrated, profile("1.1"), seed="snap").result(state)
        assert after.competence("1.1").theta == before.theta


answer_strategy = st.builds(
    lambda k, competence, a, b, c, x, p: (f"item-{k}", competence, a, b, c, x, p),
    st.integers(0, 500),
    st.sampled_from(["1.1", "3.4", "6.5"]),
    st.floats(min_value=0.2, max_value=3.0),
    st.floats(min_value=-4, max_value=4),
    st.floats(min_value=0, max_value=0.3),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(answer_strategy, max_size=20),
    st.none() | st.text(min_size=1, max_size=10),
    st.none() | st.sampled_from(list(StopReason)),
    st.dictionaries(st.sampled_from(["1.1", "2.3", GLOBAL_SCOPE]), st.floats(-3, 3)),
    st.frozensets(st.text(max_size=8), max_size=5),
    st.frozensets(st.sampled_from(["screen_reader_ok", "keyboard_only_ok"])),
)
def test_state_round_trips_through_json(answers, pending, reason, start, seen, needs):
    """to_json → json text → from_json gives back an equal state."""
    from certification.selftest.engine import Answer

    state = State(
        answers=tuple(Answer(*values) for values in answers),
        pending=pending,
        stop_reason=reason,
        theta_start=start,
        seen_before=seen,
        accessibility_needs=needs,
    )
    assert State.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_an_unknown_state_version_is_refused():
    """A stored state from another engine version is not silently misread."""
    with pytest.raises(EngineError, match="version"):
        State.from_json({"version": 99, "answers": []})


class TestPretest:
    def test_pretest_items_are_served_but_not_scored(self):
        """The pretest item appears once, in [3, L − 1], and leaves the estimates unchanged."""
        bank = with_items(
            spread_bank(["1.1", "1.2"], per_competence=15),
            pretest("p1", "1.1", b=-3.0),
            pretest("p2", "1.2", b=-3.0),
        )
        config = profile("1.1", "1.2", pretest_items_per_attempt=1)
        positions = set()
        for seed in range(12):
            engine = Engine(bank, config, seed=seed)
            state = take_test(engine, 0.0, seeded_rng(seed))
            flags = [a.is_pretest for a in state.answers]
            assert flags.count(True) == 1
            position = flags.index(True)
            positions.add(position)
            assert 3 <= position <= config.min_test_length - 1
            scored_only = State(
                answers=tuple(a for a in state.answers if not a.is_pretest)
            )
            result = engine.result(state)
            assert result.n_pretest == 1
            assert result.n_scored == len(state.answers) - 1
            for c in ("1.1", "1.2"):
                assert engine.posterior(state, c) == engine.posterior(scored_only, c)
                assert result.competence(c).n_items == sum(
                    1 for a in scored_only.answers if a.competence == c
                )
        assert len(positions) > 1

    def test_no_pretest_item_is_served_in_an_operational_slot(self):
        """With pretest slots switched off, pretest items never appear."""
        bank = with_items(spread_bank(["1.1"], per_competence=4), pretest("p", "1.1"))
        engine = Engine(
            bank,
            profile("1.1", pretest_items_per_attempt=0, se_target_competence=0),
            seed=1,
        )
        state = take_test(engine, 0.0, seeded_rng(10))
        assert "p" not in {a.item_id for a in state.answers}


class TestResult:
    def test_profile_result_reports_levels_with_uncertainty(self):
        """Each competence gets a level, confidence, 80 % range and flags; areas are indicative."""
        bank = spread_bank(["4.1", "4.2", "5.1"], per_competence=20, a=1.5)
        config = profile("4.1", "4.2", "5.1")
        engine = Engine(bank, config, seed="result")
        state = take_test(engine, {"4.1": -1.0, "4.2": 0.0, "5.1": 1.2}, seeded_rng(11))
        result = engine.result(state)
        assert result.mode == "profile" and result.overall is None
        for row in result.competences:
            probabilities = row.level_probabilities
            assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-9)
            assert row.confidence == probabilities[row.level]
            assert row.range_low <= row.level <= row.range_high
            assert row.cut_scores_provisional and not row.from_overall
            assert row.is_provisional == (row.confidence < 0.5 or row.se > 0.55)
        assert [a.area for a in result.areas] == ["4", "5"]
        assert all(a.is_indicative for a in result.areas)
        assert result.overall_level in {r.level for r in result.competences}
        json.dumps(result.to_json())

    def test_area_summary_is_the_precision_weighted_mean(self):
        """Area θ = Σ θ̂/SE² / Σ 1/SE² over its measured competences."""
        bank = spread_bank(["4.1", "4.2"], per_competence=20)
        engine = Engine(bank, profile("4.1", "4.2"), seed="area")
        state = take_test(engine, {"4.1": -1.0, "4.2": 1.0}, seeded_rng(12))
        result = engine.result(state)
        rows = result.competences
        weights = [1 / r.se**2 for r in rows]
        expected = sum(w * r.theta for w, r in zip(weights, rows, strict=True)) / sum(
            weights
        )
        assert result.areas[0].theta == pytest.approx(expected)

    def test_expert_cut_scores_replace_the_provisional_ones(self):
        """Cut scores given in the blueprint are used and are not provisional."""
        bank = spread_bank(["1.1"])
        cuts = CutScores.expert([-3.0, -2.5, -2.0, -1.5, -1.0])
        engine = Engine(bank, profile("1.1", cut_scores={"1.1": cuts}), seed="cuts")
        state = take_test(engine, 2.0, seeded_rng(13))
        row = engine.result(state).competence("1.1")
        assert row.level == "C2" and not row.cut_scores_provisional

    def test_global_result_maps_one_theta_through_each_competence(self):
        """Global mode: one θ, read through each competence's cuts, labelled as such."""
        bank = spread_bank(["1.1", "2.1"], per_competence=25)
        config = global_mode(
            "1.1",
            "2.1",
            cut_scores={
                "1.1": CutScores.expert([-2, -1, 0, 1, 2]),
                "2.1": CutScores.expert([-1, 0, 1, 2, 3]),
            },
        )
        engine = Engine(bank, config, seed="global")
        state = take_test(engine, 0.5, seeded_rng(14))
        result = engine.result(state)
        assert result.mode == "global" and result.overall is not None
        assert {r.theta for r in result.competences} == {result.overall.theta}
        assert all(r.from_overall for r in result.competences)
        first, second = (LEVELS.index(r.level) for r in result.competences)
        # 2.1's cuts sit one unit higher: the same θ reads one level lower or equal.
        assert first - second in (0, 1)

    def test_retake_start_is_half_the_previous_estimate(self):
        """retake_theta_start gives 0.5·θ̂ for measured competences."""
        bank = spread_bank(["1.1", "1.2"], per_competence=20)
        engine = Engine(bank, profile("1.1", "1.2"), seed="prev")
        result = engine.result(take_test(engine, 1.0, seeded_rng(15)))
        start = retake_theta_start(result)
        assert start == {r.competence: 0.5 * r.theta for r in result.competences}

    def test_not_measured_competences_are_reported_as_such(self):
        """A competence left under its minimum is not measured and flagged provisional."""
        bank = spread_bank(["1.1", "1.2"], per_competence=10)
        engine = Engine(bank, profile("1.1", "1.2"), seed="partial")
        state = engine.start()
        for _ in range(3):
            state, served = engine.next_item(state)
            state = engine.record_response(state, served.id, True)
        result = engine.result(state)
        assert not result.is_complete
        assert sorted(r.is_measured for r in result.competences) == [False, False]
        assert result.overall_level is None and result.areas == ()


def test_items_are_validated():
    """Non-positive a, out-of-range c, unknown levels and duplicate ids are refused."""
    with pytest.raises(ValueError, match="a must be"):
        item("x", a=0.0)
    with pytest.raises(ValueError, match="guessing"):
        item("x", c=1.0)
    with pytest.raises(ValueError, match="level"):
        item("x", level="D1")
    with pytest.raises(ValueError, match="duplicate"):
        Bank([item("x"), item("x")])
