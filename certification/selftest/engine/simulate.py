"""Simulated examinees for tests and benchmarks (spec C2).

Answers are drawn from the 2PL model with a known true θ, independently of the
engine: the engine only sees the 0/1 scores, as Pix's scenario simulator does.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .bank import Bank, ExposureStats, Item, ItemStatus
from .config import Config
from .estimation import ScoredAnswer, eap
from .irt import p_correct
from .levels import FALLBACK_CUTS, LEVELS, CutScores, level_index
from .session import GLOBAL_SCOPE, Engine, State

TrueParameters = Mapping[str, tuple[float, float, float]]


def seeded_rng(seed: int) -> random.Random:
    """A reproducible pseudo-random generator for simulations (not for secrets)."""
    return random.Random(seed)  # noqa: S311 — reproducibility is the point here


def make_bank(
    seed: int,
    n_items: int,
    *,
    competences: Sequence[str] = ("1.1",),
    a_log_mean: float = 0.0,
    a_log_sd: float = 0.3,
    a_bounds: tuple[float, float] = (0.5, 3.0),
    b_bounds: tuple[float, float] = (-3.0, 3.0),
    n_pretest: int = 0,
    prefix: str = "i",
) -> Bank:
    """A synthetic bank: a ~ LogNormal clipped, b ~ Uniform, spread over competences.

    Each item's authored level is the level band of b under the fallback cuts; the
    last ``n_pretest`` items are pretest items.
    """
    rng = seeded_rng(seed)
    cuts = CutScores(FALLBACK_CUTS)
    items = []
    for index in range(n_items):
        a = min(
            max(math.exp(rng.gauss(a_log_mean, a_log_sd)), a_bounds[0]), a_bounds[1]
        )
        b = rng.uniform(*b_bounds)
        items.append(
            Item(
                id=f"{prefix}{index:04d}",
                competence=competences[index % len(competences)],
                a=a,
                b=b,
                level=LEVELS[level_index(b, cuts)],
                status=ItemStatus.PRETEST
                if index >= n_items - n_pretest
                else ItemStatus.CALIBRATED,
            )
        )
    return Bank(items)


def answer(
    rng: random.Random, theta: float, a: float, b: float, c: float = 0.0
) -> bool:
    """A simulated 0/1 answer drawn from the model at the true ``theta``."""
    return rng.random() < p_correct(theta, a, b, c)


def take_test(
    engine: Engine,
    true_theta: float | Mapping[str, float],
    rng: random.Random,
    *,
    state: State | None = None,
    true_parameters: TrueParameters | None = None,
    on_item: Callable[[Item], None] | None = None,
) -> State:
    """Run one attempt to its end; answers come from ``true_parameters`` if given.

    ``true_theta`` is one θ, or one per competence (keys: competence codes).
    """
    state = state or engine.start()
    while True:
        state, item = engine.next_item(state)
        if item is None:
            return state
        if on_item is not None:
            on_item(item)
        if isinstance(true_theta, Mapping):
            theta = true_theta.get(item.competence, true_theta.get(GLOBAL_SCOPE, 0.0))
        else:
            theta = true_theta
        a, b, c = (
            true_parameters[item.id]
            if true_parameters is not None
            else (item.a, item.b, item.c)
        )
        state = engine.record_response(state, item.id, answer(rng, theta, a, b, c))


@dataclass(frozen=True)
class Recovery:
    """How well true θ is recovered over a set of simulees."""

    n: int
    rmse: float
    bias: float
    coverage95: float
    mean_se: float
    mean_items: float
    p90_items: float
    max_exposure: float | None = None


def summarise(
    truths: Sequence[float],
    estimates: Sequence[float],
    ses: Sequence[float],
    lengths: Sequence[int],
    max_exposure: float | None = None,
) -> Recovery:
    """RMSE, bias (mean error), 95 % coverage and test lengths."""
    errors = [e - t for e, t in zip(estimates, truths, strict=True)]
    covered = [abs(err) <= 1.96 * se for err, se in zip(errors, ses, strict=True)]
    ordered = sorted(lengths)
    return Recovery(
        n=len(errors),
        rmse=math.sqrt(statistics.fmean(err * err for err in errors)),
        bias=statistics.fmean(errors),
        coverage95=sum(covered) / len(covered),
        mean_se=statistics.fmean(ses),
        mean_items=statistics.fmean(lengths),
        p90_items=float(
            ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
        ),
        max_exposure=max_exposure,
    )


def recovery(
    bank: Bank,
    config: Config,
    thetas: Iterable[float],
    *,
    seed: int,
    true_parameters: TrueParameters | None = None,
    track_exposure: bool = False,
) -> Recovery:
    """Global-mode recovery of each true θ over sequential simulated sessions.

    With ``track_exposure``, each session sees the exposure counters of the
    sessions before it (as the rolling ``ItemExposure`` would), and the result
    reports the final maximum exposure rate.
    """
    rng = seeded_rng(seed)
    truths, estimates, ses, lengths = [], [], [], []
    administrations: dict[str, int] = {}
    sessions = 0
    for index, theta in enumerate(thetas):
        exposure = (
            ExposureStats(dict(administrations), sessions) if track_exposure else None
        )
        engine = Engine(bank, config, f"sim-{seed}-{index}", exposure=exposure)
        state = take_test(engine, theta, rng, true_parameters=true_parameters)
        if track_exposure:
            sessions += 1
            for item_answer in state.answers:
                administrations[item_answer.item_id] = (
                    administrations.get(item_answer.item_id, 0) + 1
                )
        result = engine.result(state)
        overall = result.overall
        if overall is None:
            raise ValueError("recovery() runs global-mode tests")
        truths.append(theta)
        estimates.append(overall.theta)
        ses.append(overall.se)
        lengths.append(result.n_scored)
    max_exposure = (
        max(administrations.values()) / sessions
        if track_exposure and sessions
        else None
    )
    return summarise(truths, estimates, ses, lengths, max_exposure)


def fixed_form(
    bank: Bank, length: int, thetas: Iterable[float], *, seed: int
) -> Recovery:
    """Recovery with a random (non-adaptive) form of ``length`` items per simulee."""
    rng = seeded_rng(seed)
    items = [i for i in bank if not i.is_pretest]
    truths, estimates, ses = [], [], []
    for theta in thetas:
        form = rng.sample(items, length)
        answers = [
            ScoredAnswer(i.a, i.b, i.c, answer(rng, theta, i.a, i.b, i.c)) for i in form
        ]
        posterior = eap(answers)
        truths.append(theta)
        estimates.append(posterior.theta)
        ses.append(posterior.se)
    return summarise(truths, estimates, ses, [length] * len(truths))


@dataclass(frozen=True)
class Classification:
    """Level classification against the level of the true θ."""

    n: int
    exact: float
    within_one: float
    rmse: float
    mean_items: float


def classification(
    bank: Bank, config: Config, competence: str, thetas: Iterable[float], *, seed: int
) -> Classification:
    """Profile-mode level accuracy for one competence (exact and ±1 level)."""
    rng = seeded_rng(seed)
    exact = within = 0
    errors: list[float] = []
    lengths: list[int] = []
    for index, theta in enumerate(thetas):
        engine = Engine(bank, config, f"cls-{seed}-{index}")
        state = take_test(engine, {competence: theta}, rng)
        result = engine.result(state)
        row = result.competence(competence)
        cuts = engine.cut_scores(competence)
        gap = abs(LEVELS.index(row.level) - level_index(theta, cuts))
        exact += gap == 0
        within += gap <= 1
        errors.append(row.theta - theta)
        lengths.append(row.n_items)
    n = len(errors)
    return Classification(
        n=n,
        exact=exact / n,
        within_one=within / n,
        rmse=math.sqrt(statistics.fmean(e * e for e in errors)),
        mean_items=statistics.fmean(lengths),
    )


def simulees(seed: int, n: int) -> list[float]:
    """``n`` true abilities drawn from N(0, 1)."""
    rng = seeded_rng(seed)
    return [rng.gauss(0.0, 1.0) for _ in range(n)]
