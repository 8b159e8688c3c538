"""The test as a state machine: ``Engine(bank, config, seed)`` and an immutable ``State``.

``next_item`` serves an item (or stops), ``record_response`` records its 0/1 score,
``result`` reads levels off the posteriors. The state is plain data that
round-trips through JSON, so it can live in the database between requests; every
random choice is derived from (seed, step), so the same state always gives the
same next item.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .bank import Bank, ExposureStats, Item, area_of
from .config import Config, Mode
from .estimation import (
    DEFAULT_GRID,
    Grid,
    Posterior,
    ScoredAnswer,
    person_fit_lz,
    posterior_from_log_likelihood,
    sum_log_likelihood,
)
from .levels import (
    CutScores,
    LevelReading,
    level_of,
    mean_cut_scores,
    median_level,
    read_level,
    scaled_score,
)
from .rng import SeededDraws
from .selection import (
    AttemptContext,
    area_order,
    choose_item,
    competence_order,
    hard_filter,
    soft_filters,
)
from .stopping import StopReason, open_competences, stop_reason

# Key of the single posterior in global mode (``theta_start``, caches).
GLOBAL_SCOPE = "*"
STATE_VERSION = 1
# First step (0-based) that may hold a pretest item: never the warm-up items.
FIRST_PRETEST_STEP = 3


class EngineError(ValueError):
    """A request the engine refuses; the state is left unchanged."""


class ItemNotServed(EngineError):
    """The answer is for an item that is not the pending one (tampered or replayed)."""


class AttemptFinished(EngineError):
    """The test has stopped: no more answers are accepted."""


@dataclass(frozen=True)
class Answer:
    """One recorded answer with the parameters used to score it (a snapshot)."""

    item_id: str
    competence: str
    a: float
    b: float
    c: float
    correct: bool
    is_pretest: bool

    def scored(self) -> ScoredAnswer:
        return ScoredAnswer(self.a, self.b, self.c, self.correct)


@dataclass(frozen=True)
class State:
    """Everything about one attempt that the engine needs between requests."""

    answers: tuple[Answer, ...] = ()
    pending: str | None = None
    stop_reason: StopReason | None = None
    # Starting θ for selection only (retakes: 0.5·θ̂_prev), never a prior.
    theta_start: Mapping[str, float] = field(default_factory=dict)
    # Items served to this user in previous attempts of the blueprint (soft filter).
    seen_before: frozenset[str] = frozenset()
    accessibility_needs: frozenset[str] = frozenset()

    @property
    def is_finished(self) -> bool:
        return self.stop_reason is not None

    @property
    def served(self) -> int:
        return len(self.answers) + (self.pending is not None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; ``State.from_json`` reverses it exactly."""
        return {
            "version": STATE_VERSION,
            "answers": [
                [a.item_id, a.competence, a.a, a.b, a.c, a.correct, a.is_pretest]
                for a in self.answers
            ],
            "pending": self.pending,
            "stop_reason": None if self.stop_reason is None else str(self.stop_reason),
            "theta_start": dict(sorted(self.theta_start.items())),
            "seen_before": sorted(self.seen_before),
            "accessibility_needs": sorted(self.accessibility_needs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> State:
        if data.get("version") != STATE_VERSION:
            raise EngineError(f"unsupported state version {data.get('version')!r}")
        answers = tuple(
            Answer(
                str(item_id),
                str(competence),
                float(a),
                float(b),
                float(c),
                bool(correct),
                bool(is_pretest),
            )
            for item_id, competence, a, b, c, correct, is_pretest in data["answers"]
        )
        reason = data.get("stop_reason")
        return cls(
            answers=answers,
            pending=data.get("pending"),
            stop_reason=None if reason is None else StopReason(reason),
            theta_start={
                str(k): float(v) for k, v in data.get("theta_start", {}).items()
            },
            seen_before=frozenset(data.get("seen_before", ())),
            accessibility_needs=frozenset(data.get("accessibility_needs", ())),
        )


@dataclass(frozen=True)
class CompetenceResult:
    """The measured level of one competence, with its uncertainty."""

    competence: str
    theta: float
    se: float
    n_items: int
    # Profile: n_c ≥ min_c. Global: the test reached its minimum length.
    is_measured: bool
    # "low" when SE is above the target.
    precision: str
    level: str
    confidence: float
    level_probabilities: dict[str, float]
    range_low: str
    range_high: str
    theta_q10: float
    theta_q90: float
    # Show "provisional — answer more questions" (confidence < 0.5 or SE > target).
    is_provisional: bool
    cut_scores_provisional: bool
    # Global mode: one overall θ read through this competence's cut scores.
    from_overall: bool
    scaled_score: int
    person_fit: float | None


@dataclass(frozen=True)
class AreaSummary:
    """Indicative area level: precision-weighted mean θ of its measured competences."""

    area: str
    theta: float
    level: str
    competences: tuple[str, ...]
    is_indicative: bool = True


@dataclass(frozen=True)
class OverallEstimate:
    """The single θ of global mode."""

    theta: float
    se: float
    theta_q10: float
    theta_q90: float
    scaled_score: int
    person_fit: float | None


@dataclass(frozen=True)
class Result:
    """What the result page and ``CompetenceEstimate`` rows are built from."""

    mode: str
    is_complete: bool
    stop_reason: StopReason | None
    n_scored: int
    n_pretest: int
    competences: tuple[CompetenceResult, ...]
    areas: tuple[AreaSummary, ...]
    # Median competence level over measured competences (indicative).
    overall_level: str | None
    overall: OverallEstimate | None

    def competence(self, code: str) -> CompetenceResult:
        for row in self.competences:
            if row.competence == code:
                return row
        raise KeyError(code)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Summary:
    """Counts and posteriors of the scored answers so far."""

    scored: tuple[Answer, ...]
    counts: dict[str, int]
    posteriors: dict[str, Posterior]


def retake_theta_start(previous: Result) -> dict[str, float]:
    """Selection starting points for a retake: 0.5·θ̂ of the previous attempt (B8)."""
    start = {
        row.competence: 0.5 * row.theta
        for row in previous.competences
        if row.is_measured and not row.from_overall
    }
    if previous.overall is not None:
        start[GLOBAL_SCOPE] = 0.5 * previous.overall.theta
    return start


def _pools(bank: Bank, config: Config) -> tuple[dict, dict, tuple]:
    """Operational items per competence and per area, and pretest items, of the
    tested competences: built once per bank and blueprint (memo on the bank)."""
    key = (config.competences, config.areas, config.locale)
    pools = bank.pools.get(key)
    if pools is not None:
        return pools
    tested = set(config.competences)

    def servable(item: Item) -> bool:
        return config.locale is None or item.locale == config.locale

    operational: dict[str, tuple[Item, ...]] = {
        c: tuple(i for i in bank.of_competence(c) if not i.is_pretest and servable(i))
        for c in config.competences
    }
    by_area: dict[str, tuple[Item, ...]] = {
        area: tuple(
            item
            for c in config.competences
            if area_of(c) == area
            for item in operational[c]
        )
        for area in config.areas
    }
    pretest = tuple(
        i for i in bank if i.is_pretest and i.competence in tested and servable(i)
    )
    pools = (operational, by_area, pretest)
    bank.pools[key] = pools
    return pools


class Engine:
    """The adaptive engine for one attempt (``seed``) of one blueprint (``config``).

    ``exposure`` holds the rolling exposure counters read when the engine is
    built; ``secret`` keys the HMAC of the random draws (server-side only).
    """

    def __init__(
        self,
        bank: Bank,
        config: Config,
        seed: str | bytes | int,
        *,
        secret: bytes | None = None,
        exposure: ExposureStats | None = None,
    ) -> None:
        self.bank = bank
        self.config = config
        self.exposure = exposure
        self._draws = SeededDraws(seed, secret)
        if (config.grid_bound, config.grid_size) == (4.0, 161):
            self._grid = DEFAULT_GRID
        else:
            self._grid = Grid.regular(config.grid_bound, config.grid_size)
        self._operational, self._by_area, self._pretest_items = _pools(bank, config)
        self._pretest_steps = self._draw_pretest_steps()
        self._posteriors: dict[str, tuple[tuple, list[float] | None, Posterior]] = {}
        self._cuts: dict[str, CutScores] = {}

    # --- The attempt -------------------------------------------------------

    def start(
        self,
        *,
        seen_before: Iterable[str] = (),
        accessibility_needs: Iterable[str] = (),
        theta_start: Mapping[str, float] | None = None,
    ) -> State:
        """A new attempt's state (retakes pass the previous items and θ start)."""
        return State(
            theta_start=dict(theta_start or {}),
            seen_before=frozenset(seen_before),
            accessibility_needs=frozenset(accessibility_needs),
        )

    def next_item(
        self, state: State, *, elapsed_seconds: float | None = None
    ) -> tuple[State, Item | None]:
        """The item to show now and the new state; ``None`` once the test stops.

        An unanswered pending item is returned again (reload); otherwise the
        choice depends only on (seed, state), so recomputing it gives the same item.
        """
        if state.stop_reason is not None:
            return state, None
        if state.pending is not None:
            pending = self.bank.get(state.pending)
            if pending is None:
                raise EngineError(f"pending item {state.pending!r} left the bank")
            return state, pending
        summary = self._summarise(state)
        global_posterior = summary.posteriors.get(GLOBAL_SCOPE)
        reason = stop_reason(
            self.config,
            served=len(state.answers),
            scored=len(summary.scored),
            counts=summary.counts,
            se={c: p.se for c, p in summary.posteriors.items()},
            global_se=None if global_posterior is None else global_posterior.se,
            elapsed_seconds=elapsed_seconds,
        )
        if reason is not None:
            return replace(state, stop_reason=reason), None
        step = len(state.answers)
        context = self._context(state)
        item = None
        if step in self._pretest_steps:
            item = self._choose_pretest(context, step)
        if item is None:
            if self.config.mode == Mode.PROFILE:
                item = self._choose_for_profile(state, summary, context, step)
            else:
                item = self._choose_for_global(state, summary, context, step)
        if item is None:
            return replace(state, stop_reason=StopReason.POOL_EXHAUSTED), None
        return replace(state, pending=item.id), item

    def record_response(self, state: State, item_id: str, correct: bool) -> State:
        """Record the 0/1 score of the pending item; refuses any other item."""
        if state.stop_reason is not None:
            raise AttemptFinished("the test has ended")
        if state.pending is None or item_id != state.pending:
            raise ItemNotServed(f"item {item_id!r} is not the item being shown")
        if correct not in (True, False):
            raise EngineError("a score is 0 or 1")
        item = self.bank.get(item_id)
        if item is None:
            raise EngineError(f"item {item_id!r} left the bank")
        answer = Answer(
            item.id,
            item.competence,
            item.a,
            item.b,
            item.c,
            bool(correct),
            item.is_pretest,
        )
        return replace(state, answers=(*state.answers, answer), pending=None)

    def abandon(self, state: State) -> State:
        """Stop an attempt the teacher left; answered items keep their scores."""
        if state.stop_reason is not None:
            return state
        return replace(state, pending=None, stop_reason=StopReason.ABANDONED)

    # --- Reading the result ------------------------------------------------

    def posterior(self, state: State, scope: str) -> Posterior:
        """The posterior of one competence (profile) or ``GLOBAL_SCOPE`` (global)."""
        scored = [a for a in state.answers if not a.is_pretest]
        if scope != GLOBAL_SCOPE:
            scored = [a for a in scored if a.competence == scope]
        return self._posterior(scope, scored)

    def cut_scores(self, competence: str) -> CutScores:
        """The blueprint's cut scores, else RP67 cuts derived from the bank."""
        if competence not in self._cuts:
            given = self.config.cut_scores.get(competence)
            self._cuts[competence] = given or self.bank.derived_cut_scores(competence)
        return self._cuts[competence]

    def result(self, state: State) -> Result:
        """Levels per competence with confidence and 80 % range; indicative summaries."""
        config = self.config
        summary = self._summarise(state)
        rows: list[CompetenceResult] = []
        overall = None
        if config.mode == Mode.GLOBAL:
            posterior = summary.posteriors[GLOBAL_SCOPE]
            measured = len(summary.scored) >= config.min_test_length
            fit = person_fit_lz([a.scored() for a in summary.scored], posterior.theta)
            overall = OverallEstimate(
                posterior.theta,
                posterior.se,
                posterior.quantile(0.10),
                posterior.quantile(0.90),
                scaled_score(posterior.theta),
                fit,
            )
            for c in config.competences:
                rows.append(
                    self._competence_result(
                        c,
                        posterior,
                        summary.counts[c],
                        measured,
                        config.se_target_global,
                        fit,
                        True,
                    )
                )
        else:
            for c in config.competences:
                posterior = summary.posteriors[c]
                answers = [a.scored() for a in summary.scored if a.competence == c]
                rows.append(
                    self._competence_result(
                        c,
                        posterior,
                        summary.counts[c],
                        summary.counts[c] >= config.min_items_per_competence,
                        config.se_target_competence,
                        person_fit_lz(answers, posterior.theta),
                        False,
                    )
                )
        areas = self._area_summaries(rows)
        return Result(
            mode=str(config.mode),
            is_complete=state.stop_reason is not None,
            stop_reason=state.stop_reason,
            n_scored=len(summary.scored),
            n_pretest=sum(1 for a in state.answers if a.is_pretest),
            competences=tuple(rows),
            areas=areas,
            overall_level=median_level(r.level for r in rows if r.is_measured),
            overall=overall,
        )

    # --- Internals ---------------------------------------------------------

    def _competence_result(
        self,
        competence: str,
        posterior: Posterior,
        n_items: int,
        measured: bool,
        se_target: float,
        fit: float | None,
        from_overall: bool,
    ) -> CompetenceResult:
        cuts = self.cut_scores(competence)
        reading: LevelReading = read_level(posterior, cuts)
        low_precision = posterior.se > se_target
        return CompetenceResult(
            competence=competence,
            theta=posterior.theta,
            se=posterior.se,
            n_items=n_items,
            is_measured=measured,
            precision="low" if low_precision else "ok",
            level=reading.level,
            confidence=reading.confidence,
            level_probabilities=reading.probabilities,
            range_low=reading.range_low,
            range_high=reading.range_high,
            theta_q10=reading.theta_q10,
            theta_q90=reading.theta_q90,
            is_provisional=reading.confidence < 0.5 or low_precision,
            cut_scores_provisional=cuts.is_provisional,
            from_overall=from_overall,
            scaled_score=scaled_score(posterior.theta),
            person_fit=fit,
        )

    def _area_summaries(
        self, rows: Sequence[CompetenceResult]
    ) -> tuple[AreaSummary, ...]:
        summaries = []
        for area in self.config.areas:
            measured = [
                r for r in rows if r.is_measured and area_of(r.competence) == area
            ]
            if not measured:
                continue
            weights = [1.0 / max(r.se, 1e-6) ** 2 for r in measured]
            theta = math.fsum(
                w * r.theta for w, r in zip(weights, measured, strict=True)
            )
            theta /= math.fsum(weights)
            cuts = mean_cut_scores([self.cut_scores(r.competence) for r in measured])
            summaries.append(
                AreaSummary(
                    area,
                    theta,
                    level_of(theta, cuts),
                    tuple(r.competence for r in measured),
                )
            )
        return tuple(summaries)

    def _summarise(self, state: State) -> _Summary:
        scored = tuple(a for a in state.answers if not a.is_pretest)
        counts = Counter(a.competence for a in scored)
        counts_by_competence = {c: counts.get(c, 0) for c in self.config.competences}
        posteriors: dict[str, Posterior] = {}
        if self.config.mode == Mode.GLOBAL:
            posteriors[GLOBAL_SCOPE] = self._posterior(GLOBAL_SCOPE, scored)
        else:
            for c in self.config.competences:
                posteriors[c] = self._posterior(
                    c, [a for a in scored if a.competence == c]
                )
        return _Summary(scored, counts_by_competence, posteriors)

    def _posterior(self, scope: str, answers: Sequence[Answer]) -> Posterior:
        """The posterior of ``answers``, reusing the last one computed for ``scope``.

        The log-likelihood is always summed in answer order, whether extended from
        the cache or rebuilt, so both paths give bit-identical floats.
        """
        key = tuple((a.a, a.b, a.c, a.correct) for a in answers)
        cached = self._posteriors.get(scope)
        if cached is not None and cached[0] == key:
            return cached[2]
        if key and cached is not None and cached[0] == key[:-1]:
            start, todo = cached[1], key[-1:]
        else:
            start, todo = None, key
        total = sum_log_likelihood(
            self._grid, (ScoredAnswer(*k) for k in todo), start=start
        )
        posterior = posterior_from_log_likelihood(self._grid, total)
        self._posteriors[scope] = (key, total, posterior)
        return posterior

    def _context(self, state: State) -> AttemptContext:
        administered = {a.item_id for a in state.answers}
        used_families = {
            item.family
            for item_id in administered
            if (item := self.bank.get(item_id)) is not None and item.family
        }
        seen_families = {
            item.family
            for item_id in state.seen_before
            if (item := self.bank.get(item_id)) is not None and item.family
        }
        return AttemptContext(
            administered=frozenset(administered),
            used_families=frozenset(used_families),
            accessibility_needs=state.accessibility_needs,
            seen_before=state.seen_before,
            seen_families=frozenset(seen_families),
        )

    def _draw_pretest_steps(self) -> frozenset[int]:
        """Steps holding a pretest item, drawn once per attempt from the seed.

        They lie in [3, L − 1] where L is the minimum test length, so a precision
        stop cannot end the test before a pretest slot is reached.
        """
        count = self.config.pretest_items_per_attempt
        if count == 0 or not self._pretest_items:
            return frozenset()
        last = max(FIRST_PRETEST_STEP, self.config.min_test_length - 1)
        steps = list(range(FIRST_PRETEST_STEP, last + 1))
        chosen = []
        for draw in range(min(count, len(steps))):
            chosen.append(
                steps.pop(self._draws.index("pretest_step", draw, len(steps)))
            )
        return frozenset(chosen)

    def _choose_pretest(self, context: AttemptContext, step: int) -> Item | None:
        """A pretest item of a tested competence, uniformly (not information-based)."""
        candidates = hard_filter(self._pretest_items, context)
        unseen = [i for i in candidates if i.id not in context.seen_before]
        candidates = unseen or candidates
        if not candidates:
            return None
        return candidates[self._draws.index("pretest_item", step, len(candidates))]

    def _selection_theta(
        self, state: State, scope: str, n: int, posterior: Posterior
    ) -> float:
        if n == 0:
            return state.theta_start.get(scope, 0.0)
        return posterior.theta

    def _choose_for_profile(
        self, state: State, summary: _Summary, context: AttemptContext, step: int
    ) -> Item | None:
        config = self.config
        se = {c: summary.posteriors[c].se for c in config.competences}
        open_now = open_competences(config, summary.counts, se)
        previous = state.answers[-1].competence if state.answers else None
        filters = soft_filters(context, config, self.exposure)
        u = self._draws.uniform("pick", step)
        for c in competence_order(config, open_now, se, summary.counts, previous):
            candidates = hard_filter(self._operational[c], context)
            n = summary.counts[c]
            theta = self._selection_theta(state, c, n, summary.posteriors[c])
            item = choose_item(
                candidates,
                theta,
                config=config,
                filters=filters,
                is_first=n == 0,
                u=u,
                scope=c,
            )
            if item is not None:
                return item
        return None

    def _choose_for_global(
        self, state: State, summary: _Summary, context: AttemptContext, step: int
    ) -> Item | None:
        config = self.config
        n = len(summary.scored)
        theta = self._selection_theta(
            state, GLOBAL_SCOPE, n, summary.posteriors[GLOBAL_SCOPE]
        )
        area_counts = Counter(area_of(a.competence) for a in summary.scored)
        filters = soft_filters(context, config, self.exposure)
        u = self._draws.uniform("pick", step)
        for area in area_order(config, area_counts):
            candidates = hard_filter(self._by_area[area], context)
            item = choose_item(
                candidates,
                theta,
                config=config,
                filters=filters,
                is_first=n == 0,
                u=u,
                scope=f"area {area}",
            )
            if item is not None:
                return item
        return None
