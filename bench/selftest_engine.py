"""Benchmark: the self-test engine in simulation (spec C2/C4), no Django, no database.

Usage::

    .venv/bin/python bench/selftest_engine.py [--simulees 1000] [--sessions 1500]
        [--requests 2000] [--seed 1]

What it does (prints figures, asserts nothing):

1. θ recovery in global mode on the reference bank R1 (200 items, a ≈ 1:
   LogNormal(0, 0.3) on [0.5, 3], b ~ U(−3, 3)), top-K 3, no exposure ceiling,
   SE stop at 0.50 / 0.40 / 0.35 (max 60): mean and 90th-percentile items, RMSE,
   bias, 95 % coverage, mean reported SE. The same with a ≈ 1.5.
2. Random fixed forms of 15/30/45/60 items against a 15-item CAT (same simulees).
3. Per-competence level classification: 30-item competence bank, 8 items,
   cuts (−1.5, −0.75, 0, 0.75, 1.5): exact level and within ±1 level.
4. Exposure control over ``--sessions`` sequential 15-item sessions: maximum
   item exposure and RMSE with a ceiling of 0.25, 0.40 and none.
5. Latency of one request's work on a 2,000-item bank over the 22 DigCompEdu
   competences: restore the JSON state, build the engine, ``next_item``
   (profile mode, 6 competences, and global mode, 22), over ``--requests``
   requests: p50, p95, max.

Simulees draw answers from the 2PL model with a known θ (the engine sees only
the 0/1 scores). Figures hold *under the model*: they say nothing about whether
items measure DigCompEdu competences.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import percentile  # noqa: E402
from certification.selftest.engine import Config, CutScores, Engine, State  # noqa: E402
from certification.selftest.engine.simulate import (  # noqa: E402
    Recovery,
    classification,
    fixed_form,
    make_bank,
    recovery,
    seeded_rng,
    simulees,
)

# The 22 DigCompEdu competence codes (lms/data/digcompedu.json), without Django.
COMPETENCES = (
    *(f"1.{k}" for k in range(1, 5)),
    *(f"2.{k}" for k in range(1, 4)),
    *(f"3.{k}" for k in range(1, 5)),
    *(f"4.{k}" for k in range(1, 4)),
    *(f"5.{k}" for k in range(1, 4)),
    *(f"6.{k}" for k in range(1, 6)),
)


def global_config(**options: object) -> Config:
    defaults: dict[str, object] = {
        "competences": ("1.1",),
        "mode": "global",
        "top_k": 3,
        "exposure_ceiling": None,
        "pretest_items_per_attempt": 0,
        "max_items_total": 60,
    }
    return Config(**(defaults | options))  # type: ignore[arg-type]


def row(label: str, run: Recovery) -> str:
    return (
        f"  {label:<22} items mean {run.mean_items:5.1f}  p90 {run.p90_items:4.0f}  "
        f"RMSE {run.rmse:.3f}  bias {run.bias:+.3f}  coverage95 {run.coverage95:.3f}  "
        f"mean SE {run.mean_se:.3f}"
    )


def recovery_section(n: int, seed: int) -> None:
    thetas = simulees(seed, n)
    for label, a_log_mean in (("a ≈ 1", 0.0), ("a ≈ 1.5", 0.4)):
        bank = make_bank(seed + 100, 200, a_log_mean=a_log_mean)
        print(f"θ recovery, global mode, R1 bank {label}, {n} simulees:")
        for target in (0.50, 0.40, 0.35):
            config = global_config(se_target_global=target, min_items_total=1)
            run = recovery(bank, config, thetas, seed=seed + 1)
            print(row(f"SE ≤ {target:.2f}", run))


def fixed_form_section(n: int, seed: int) -> None:
    bank = make_bank(seed + 100, 200)
    thetas = simulees(seed + 2, n)
    config = global_config(se_target_global=0.0, min_items_total=15, max_items_total=15)
    cat = recovery(bank, config, thetas, seed=seed + 3)
    print(f"Adaptive vs random fixed forms, R1 a ≈ 1, {n} simulees:")
    print(row("CAT, 15 items", cat))
    for length in (15, 30, 45, 60):
        print(
            row(
                f"fixed form, {length} items",
                fixed_form(bank, length, thetas, seed=seed + 4),
            )
        )


def classification_section(n: int, seed: int, banks: int = 5) -> None:
    config = Config(
        competences=("2.2",),
        top_k=3,
        exposure_ceiling=None,
        pretest_items_per_attempt=0,
        min_items_per_competence=8,
        max_items_per_competence=8,
        cut_scores={"2.2": CutScores.expert([-1.5, -0.75, 0.0, 0.75, 1.5])},
    )
    # A 30-item bank is small enough for its draw to matter: average several.
    runs = [
        classification(
            make_bank(seed + 200 + k, 30, competences=("2.2",)),
            config,
            "2.2",
            simulees(seed + 5 + k, n // banks),
            seed=seed + 6,
        )
        for k in range(banks)
    ]
    print(
        f"Level classification, one competence, 8 items, {banks} banks of 30 items, "
        f"{n // banks} simulees each:"
    )
    exact = statistics.fmean(r.exact for r in runs)
    within = statistics.fmean(r.within_one for r in runs)
    rmse = math.sqrt(statistics.fmean(r.rmse**2 for r in runs))
    print(
        f"  exact level {exact:.3f} (banks {min(r.exact for r in runs):.3f}–"
        f"{max(r.exact for r in runs):.3f})  within ±1 level {within:.3f}  RMSE {rmse:.3f}"
    )


def exposure_section(sessions: int, seed: int) -> None:
    bank = make_bank(seed + 100, 200)
    thetas = simulees(seed + 7, sessions)
    print(f"Exposure control, R1 a ≈ 1, {sessions} sequential sessions of 15 items:")
    for ceiling in (0.25, 0.40, None):
        config = global_config(
            se_target_global=0.0,
            min_items_total=15,
            max_items_total=15,
            exposure_ceiling=ceiling,
        )
        run = recovery(bank, config, thetas, seed=seed + 8, track_exposure=True)
        label = "none" if ceiling is None else f"{ceiling:.2f}"
        print(
            f"  ceiling {label:<5} max exposure {run.max_exposure:.3f}  "
            f"RMSE {run.rmse:.3f}"
        )


def latency_section(requests: int, seed: int) -> None:
    bank = make_bank(seed + 300, 2000, competences=COMPETENCES, n_pretest=40)
    modes = (
        (
            "profile, 6 competences",
            Config(competences=("3.1", "3.2", "3.3", "3.4", "4.1", "4.2")),
        ),
        ("global, 22 competences", Config(competences=COMPETENCES, mode="global")),
    )
    print(f"Request latency, 2,000-item bank over 22 competences, {requests} requests:")
    for label, config in modes:
        rng = seeded_rng(seed + 9)
        timings: list[float] = []
        lengths: list[int] = []
        attempt = 0
        while len(timings) < requests:
            stored = json.dumps(Engine(bank, config, seed=attempt).start().to_json())
            while len(timings) < requests:
                started = time.perf_counter()
                engine = Engine(bank, config, seed=attempt)
                state, item = engine.next_item(State.from_json(json.loads(stored)))
                stored = json.dumps(state.to_json())
                timings.append((time.perf_counter() - started) * 1000)
                if item is None:
                    lengths.append(len(state.answers))
                    break
                correct = rng.random() < 0.5
                state = engine.record_response(state, item.id, correct)
                stored = json.dumps(state.to_json())
            attempt += 1
        mean_length = statistics.fmean(lengths) if lengths else float("nan")
        print(
            f"  {label:<24} p50 {percentile(timings, 0.50):6.2f} ms  "
            f"p95 {percentile(timings, 0.95):6.2f} ms  max {max(timings):6.2f} ms  "
            f"(mean test length {mean_length:.1f})"
        )
    # The same next_item on one warm engine (no JSON, caches kept), for reference.
    engine = Engine(bank, modes[1][1], seed="warm")
    state = engine.start()
    warm: list[float] = []
    rng = seeded_rng(seed + 10)
    while True:
        started = time.perf_counter()
        state, item = engine.next_item(state)
        warm.append((time.perf_counter() - started) * 1000)
        if item is None:
            break
        state = engine.record_response(state, item.id, rng.random() < 0.5)
    print(
        f"  warm engine, global       p50 {percentile(warm, 0.50):6.2f} ms  "
        f"p95 {percentile(warm, 0.95):6.2f} ms  ({len(warm)} calls)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--simulees", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    recovery_section(args.simulees, args.seed)
    fixed_form_section(args.simulees, args.seed)
    classification_section(args.simulees, args.seed)
    exposure_section(args.sessions, args.seed)
    latency_section(args.requests, args.seed)
    print(f"Done in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
