"""Seeded simulations of the adaptive test (spec C2, S1–S9, S11), kept fast.

Simulees and banks are generated here with fixed seeds; answers are drawn from
the 2PL model with a known true θ, independently of the engine. The spec's
reference runs use 600–1,500 simulees; these use fewer (50–300) to keep the
suite fast, and the spec's tolerances leave more than three Monte-Carlo standard
errors at these sizes. ``bench/selftest_engine.py`` runs the full-size versions.
"""

import math
from dataclasses import replace

import pytest

from certification.selftest.engine import Bank, Config, Engine, Item
from certification.selftest.engine.estimation import eap
from certification.selftest.engine.simulate import (
    classification,
    fixed_form,
    make_bank,
    recovery,
    seeded_rng,
    simulees,
    summarise,
    take_test,
)


def global_config(**options):
    """R1's engine: global mode, top-K 3, no exposure ceiling, no pretest slot."""
    defaults = {
        "competences": ("1.1",),
        "mode": "global",
        "top_k": 3,
        "exposure_ceiling": None,
        "pretest_items_per_attempt": 0,
        "max_items_total": 60,
    }
    return Config(**(defaults | options))


@pytest.fixture(scope="module")
def r1():
    """Reference bank R1: 200 items, a ~ LogNormal(0, 0.3) on [0.5, 3], b ~ U(−3, 3)."""
    return make_bank(101, 200)


@pytest.fixture(scope="module")
def s1_run(r1):
    return recovery(r1, global_config(), simulees(1, 300), seed=11)


def test_s1_global_mode_recovers_theta(s1_run):
    """S1: SE ≤ 0.40 stop gives RMSE ≤ 0.45, |bias| ≤ 0.05, 95 % coverage in [0.90, 0.99]."""
    assert s1_run.rmse <= 0.45
    assert abs(s1_run.bias) <= 0.05
    assert 0.90 <= s1_run.coverage95 <= 0.99
    assert s1_run.mean_items <= 16


def test_s2_bias_at_fixed_theta_is_shrinkage_towards_the_prior():
    """S2: at θ ∈ {−2 … 2}, |bias| ≤ 0.30, RMSE ≤ 0.45; at ±2 the bias points to 0."""
    bank = make_bank(202, 120)
    config = global_config(se_target_global=0.0, max_items_total=30, min_items_total=30)
    bias = {}
    for theta in (-2.0, -1.0, 0.0, 1.0, 2.0):
        run = recovery(bank, config, [theta] * 50, seed=int(10 * theta) + 50)
        assert abs(run.bias) <= 0.30
        assert run.rmse <= 0.45
        bias[theta] = run.bias
    assert bias[-2.0] > 0 > bias[2.0]


@pytest.fixture(scope="module")
def s3_run():
    """One 30-item CAT per simulee, read at lengths 5…30, plus fixed forms."""
    bank = make_bank(303, 120)
    thetas = simulees(3, 250)
    config = global_config(se_target_global=0.0, max_items_total=30, min_items_total=30)
    rng = seeded_rng(33)
    lengths = (5, 10, 15, 20, 30)
    estimates = {n: [] for n in lengths}
    for index, theta in enumerate(thetas):
        engine = Engine(bank, config, seed=f"s3-{index}")
        state = take_test(engine, theta, rng)
        # With no SE stop, the first n items are exactly an n-item CAT's items.
        for n in lengths:
            posterior = eap(a.scored() for a in state.answers[:n])
            estimates[n].append((posterior.theta, posterior.se))
    cat = {
        n: summarise(
            thetas, [e for e, _ in rows], [s for _, s in rows], [n] * len(rows)
        )
        for n, rows in estimates.items()
    }
    return bank, thetas, cat


def test_s3_error_falls_with_test_length_and_se_is_honest(s3_run):
    """S3: RMSE strictly decreases with length, RMSE(20) ≤ 0.42, mean SE within ±20 % of RMSE."""
    _bank, _thetas, cat = s3_run
    rmse = [cat[n].rmse for n in sorted(cat)]
    assert rmse == sorted(rmse, reverse=True) and len(set(rmse)) == len(rmse)
    assert cat[20].rmse <= 0.42
    for run in cat.values():
        assert abs(run.mean_se - run.rmse) <= 0.20 * run.rmse


def test_s6_more_discriminating_banks_give_shorter_tests(s1_run):
    """S6: with a ≈ 1.5, SE ≤ 0.40 takes ≤ 10 items on average at RMSE ≤ 0.46."""
    bank = make_bank(606, 200, a_log_mean=0.4)
    run = recovery(bank, global_config(min_items_total=1), simulees(6, 300), seed=66)
    assert run.mean_items <= 10
    assert run.rmse <= 0.46
    assert run.mean_items < s1_run.mean_items


def test_s7_eight_items_classify_a_competence_within_one_level():
    """S7: 8 items on a 30-item competence bank: exact level ≥ 0.40, within ±1 ≥ 0.90."""
    from certification.selftest.engine import CutScores

    bank = make_bank(707, 30, competences=("2.2",))
    cuts = CutScores.expert([-1.5, -0.75, 0.0, 0.75, 1.5])
    config = Config(
        competences=("2.2",),
        top_k=3,
        exposure_ceiling=None,
        pretest_items_per_attempt=0,
        min_items_per_competence=8,
        max_items_per_competence=8,
        cut_scores={"2.2": cuts},
    )
    run = classification(bank, config, "2.2", simulees(7, 300), seed=77)
    assert run.mean_items == 8
    assert run.within_one >= 0.90
    assert run.exact >= 0.40


@pytest.fixture(scope="module")
def r1_cat15(r1):
    """15-item CATs on R1 without exposure control, counting exposure as they go."""
    thetas = simulees(8, 200)
    config = global_config(se_target_global=0.0, max_items_total=15, min_items_total=15)
    return thetas, config, recovery(r1, config, thetas, seed=88, track_exposure=True)


def test_s4_s5_adaptive_beats_a_random_fixed_form(r1, r1_cat15):
    """S4: RMSE_CAT(15) ≤ 0.8 × RMSE_fixed(15). S5: a fixed form needs ≥ 30 items to match."""
    thetas, _config, cat = r1_cat15
    fixed_15 = fixed_form(r1, 15, thetas, seed=34)
    assert cat.rmse <= 0.80 * fixed_15.rmse
    fixed_29 = fixed_form(r1, 29, thetas, seed=35)
    assert fixed_29.rmse > cat.rmse


def test_s8_exposure_ceiling_caps_item_use_at_a_small_cost(r1, r1_cat15):
    """S8: with a 0.25 ceiling, max exposure ≤ 0.27 and RMSE rises by ≤ 0.06."""
    thetas, config, free = r1_cat15
    capped = recovery(
        r1,
        replace(config, exposure_ceiling=0.25),
        thetas,
        seed=88,
        track_exposure=True,
    )
    assert free.max_exposure > 0.5
    assert capped.max_exposure <= 0.25 + 0.02
    assert capped.rmse - free.rmse <= 0.06


def test_s9_parameter_error_costs_precision_but_stays_bounded(r1, s1_run):
    """S9: the engine sees noisy a and b; RMSE ≤ 0.52, |bias| ≤ 0.15, no longer tests."""
    rng = seeded_rng(909)
    noisy = Bank(
        Item(
            i.id,
            i.competence,
            a=i.a * math.exp(rng.gauss(0, 0.2)),
            b=i.b + rng.gauss(0, 0.3),
            level=i.level,
        )
        for i in r1
    )
    truth = {i.id: (i.a, i.b, i.c) for i in r1}
    run = recovery(
        noisy, global_config(), simulees(1, 300), seed=11, true_parameters=truth
    )
    assert run.rmse <= 0.52
    assert abs(run.bias) <= 0.15
    assert run.mean_items <= s1_run.mean_items


def test_s11_reruns_are_bit_identical(r1):
    """S11: the same seeds give identical item sequences and estimates."""

    def run():
        rng = seeded_rng(1111)
        outcomes = []
        for index, theta in enumerate(simulees(11, 25)):
            engine = Engine(r1, global_config(), seed=f"s11-{index}")
            state = take_test(engine, theta, rng)
            overall = engine.result(state).overall
            outcomes.append(
                (tuple(a.item_id for a in state.answers), overall.theta, overall.se)
            )
        return outcomes

    assert run() == run()
