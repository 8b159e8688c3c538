"""Recommendations of catalogue trainings from self-test results (spec B5).

A published training is a candidate for competence *c* when one of its
``TrainingCompetenceTarget`` rows reads (c, from, to) with from ≤ level_c < to,
level_c being the teacher's latest measured level (the low end of the 80 %
range when the measure is not precise yet). Weak competences weigh more:
gap_c = (median level − level_c) + 1, clipped at 0; a competence with gap 0 at
B2 or above gets nothing unless it is one of the teacher's three weakest.
Trainings already followed or registered to are left out; those with an open
session come first. Five queries whatever the size of the catalogue.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from .engine.levels import LEVELS

#: Open sessions shown per recommendation.
SESSIONS_PER_TRAINING = 3
#: Recommendations per competence.
PER_COMPETENCE = 3
#: Strong competences (gap 0, level ≥ B2) still count when among this many weakest.
WEAKEST_KEPT = 3
STRONG_FROM = LEVELS.index("B2")


@dataclass(frozen=True)
class Recommendation:
    """One training recommended for one competence, with the reason shown."""

    training: Any  # catalogue.TrainingPage
    competence: str  # the competence code the reason is about, e.g. "2.3"
    reason: str
    score: float
    sessions: list  # open catalogue sessions, soonest first (at most 3)
    url: str = ""  # the training page
    level: str = ""  # the level used for the competence (range_low if imprecise)
    level_from: str = ""
    level_to: str = ""
    is_precise: bool = True
    competences: tuple[str, ...] = field(default_factory=tuple)  # all matched

    @property
    def has_open_session(self) -> bool:
        return bool(self.sessions)


class RecommendationList(list):
    """The recommendations, and whether the teacher has any measured level (the
    include tells "take the test" from "nothing in the catalogue matches")."""

    has_estimates: bool = False


@dataclass(frozen=True)
class _Measure:
    code: str
    name: str
    level: str  # the level used: range_low when imprecise
    theta: float
    is_precise: bool

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)


def latest_estimates(user: Any) -> list[Any]:
    """The latest ``CompetenceEstimate`` per competence over ``user``'s completed
    attempts (one query, PostgreSQL ``DISTINCT ON``)."""
    from ..models import Attempt, CompetenceEstimate

    return list(
        CompetenceEstimate.objects.filter(
            attempt__user=user, attempt__status=Attempt.Status.COMPLETED
        )
        .select_related("competence")
        .order_by(
            "competence_id",
            F("attempt__completed_at").desc(nulls_last=True),
            "-attempt_id",
        )
        .distinct("competence_id")
    )


def _measures(estimates: list[Any]) -> dict[int, _Measure]:
    return {
        e.competence_id: _Measure(
            code=e.competence.code,
            name=e.competence.name,
            level=e.level if e.is_precise else e.range_low,
            theta=e.theta,
            is_precise=e.is_precise,
        )
        for e in estimates
        if (e.level if e.is_precise else e.range_low) in LEVELS
    }


def gaps(measures: dict[int, _Measure]) -> dict[int, float]:
    """gap_c for the competences that may receive recommendations."""
    if not measures:
        return {}
    median = statistics.median(m.rank for m in measures.values())
    weakest = {
        pk
        for pk, _m in sorted(
            measures.items(), key=lambda kv: (kv[1].rank, kv[1].theta, kv[1].code)
        )[:WEAKEST_KEPT]
    }
    result = {}
    for pk, measure in measures.items():
        gap = max(median - measure.rank + 1, 0.0)
        if gap == 0 and measure.rank >= STRONG_FROM and pk not in weakest:
            continue
        result[pk] = float(gap)
    return result


def reason_for(measure: _Measure, level_from: str, level_to: str) -> str:
    """The French sentence shown with a recommendation."""
    text = _(
        "Votre niveau estimé en %(code)s (%(name)s) est %(level)s ; "
        "cette formation vise %(from)s → %(to)s."
    ) % {
        "code": measure.code,
        "name": measure.name,
        "level": measure.level,
        "from": level_from,
        "to": level_to,
    }
    if not measure.is_precise:
        text += " " + _(
            "La mesure est encore peu précise : nous retenons le bas de la "
            "fourchette probable."
        )
    return text


def _open_sessions(training_ids: set[int]) -> dict[int, list[Any]]:
    """The next open sessions of each training, at most three each (one query)."""
    from catalogue.models import Session

    now = timezone.now()
    rows = (
        Session.objects.filter(training_id__in=training_ids)
        .open_for_registration(now)
        .upcoming(timezone.localdate())
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("training_id")],
                order_by=[F("starts_on").asc(), F("code").asc()],
            )
        )
        .filter(position__lte=SESSIONS_PER_TRAINING)
        .order_by("training_id", "starts_on", "code")
    )
    by_training: dict[int, list[Any]] = {}
    for session in rows:
        by_training.setdefault(session.training_id, []).append(session)
    return by_training


#: A hidden recommendation comes back after this many days.
DISMISSAL_DAYS = 90


def _followed(user: Any, training_ids: set[int]) -> set[int]:
    """Trainings ``user`` is registered to (any non-cancelled registration),
    holds an attestation for, or hid less than ``DISMISSAL_DAYS`` ago (three
    queries)."""
    from datetime import timedelta

    from django.utils import timezone

    from catalogue.models import Registration

    from ..models import Attestation, RecommendationDismissal

    hidden = set(
        # All of the person's recent dismissals (a few rows): one query always.
        RecommendationDismissal.objects.filter(
            user=user,
            dismissed_at__gte=timezone.now() - timedelta(days=DISMISSAL_DAYS),
        ).values_list("training_id", flat=True)
    )

    registered = Registration.objects.filter(
        user=user, session__training_id__in=training_ids
    ).exclude(status=Registration.Status.CANCELLED)
    attested = Attestation.objects.filter(
        user=user, session__training_id__in=training_ids
    )
    return (
        hidden
        | set(registered.values_list("session__training_id", flat=True))
        | set(attested.values_list("session__training_id", flat=True))
    )


def recommend(user: Any, *, limit: int = 8, request: Any = None) -> RecommendationList:
    """Trainings for ``user``'s weakest competences, best first (spec B5)."""
    from catalogue.models import TrainingCompetenceTarget

    result = RecommendationList()
    if user is None or not getattr(user, "is_authenticated", False):
        return result
    measures = _measures(latest_estimates(user))
    result.has_estimates = bool(measures)
    weights = gaps(measures)
    if not weights or limit <= 0:
        return result

    matching = Q()
    for pk in weights:
        level = measures[pk].level
        matching |= Q(competence_id=pk, level_from__lte=level, level_to__gt=level)
    targets = list(
        TrainingCompetenceTarget.objects.filter(matching, page__live=True)
        .select_related("page")
        .order_by("page_id", "sort_order", "pk")
    )
    by_training: dict[int, list[Any]] = {}
    for target in targets:
        by_training.setdefault(target.page_id, []).append(target)
    if not by_training:
        return result

    excluded = _followed(user, set(by_training))
    candidates = {pk: t for pk, t in by_training.items() if pk not in excluded}
    sessions = _open_sessions(set(candidates))

    ranked = []
    for pk, training_targets in candidates.items():
        training = training_targets[0].page
        score = sum(
            (
                t.weight * Decimal(str(weights[t.competence_id]))
                for t in training_targets
            ),
            Decimal(0),
        )
        ranked.append(
            (pk not in sessions, -score, training.total_hours, training.title, pk)
        )
    ranked.sort()

    per_competence: dict[int, int] = {}
    for _no_session, negative_score, _hours, _title, pk in ranked:
        if len(result) >= limit:
            break
        # Shown under the matched competence that weighs most and still has room.
        options = sorted(
            (
                t
                for t in candidates[pk]
                if per_competence.get(t.competence_id, 0) < PER_COMPETENCE
            ),
            key=lambda t: (
                -t.weight * Decimal(str(weights[t.competence_id])),
                measures[t.competence_id].rank,
                measures[t.competence_id].code,
            ),
        )
        if not options:
            continue
        target = options[0]
        per_competence[target.competence_id] = (
            per_competence.get(target.competence_id, 0) + 1
        )
        measure = measures[target.competence_id]
        training = target.page
        result.append(
            Recommendation(
                training=training,
                competence=measure.code,
                reason=reason_for(measure, target.level_from, target.level_to),
                score=float(-negative_score),
                sessions=sessions.get(pk, []),
                url=training.get_url(request) or "",
                level=measure.level,
                level_from=target.level_from,
                level_to=target.level_to,
                is_precise=measure.is_precise,
                competences=tuple(
                    sorted({measures[t.competence_id].code for t in candidates[pk]})
                ),
            )
        )
    return result
