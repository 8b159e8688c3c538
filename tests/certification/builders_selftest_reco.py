"""Builders for the recommendation tests: measured levels and training targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from catalogue.models import TrainingCompetenceTarget, TrainingPage
from certification.models import Attempt, CompetenceEstimate
from certification.models.selftest import SEED_DIFFICULTY
from lms.models import Competence
from tests.factories.selftest import make_blueprint


def measure(
    user,
    levels: dict[str, str],
    *,
    imprecise: dict[str, str] | None = None,
    days_ago: int = 1,
    status: str = Attempt.Status.COMPLETED,
) -> Attempt:
    """An attempt of ``user`` with one estimate per competence: ``levels`` maps a
    competence code to its level; ``imprecise`` maps codes to their ``range_low``
    (those estimates are marked not precise)."""
    imprecise = imprecise or {}
    completed_at = timezone.now() - dt.timedelta(days=days_ago)
    attempt = Attempt.objects.create(
        user=user,
        blueprint=make_blueprint(competences=list(levels)),
        status=status,
        seed="seed",
        completed_at=completed_at if status == Attempt.Status.COMPLETED else None,
    )
    competences = {c.code: c for c in Competence.objects.filter(code__in=levels)}
    for code, level in levels.items():
        low = imprecise.get(code, level)
        CompetenceEstimate.objects.create(
            attempt=attempt,
            competence=competences[code],
            theta=SEED_DIFFICULTY[level],
            se=0.6 if code in imprecise else 0.3,
            n_items=5,
            level=level,
            confidence=0.5 if code in imprecise else 0.8,
            range_low=low,
            range_high=level,
            is_precise=code not in imprecise,
        )
    return attempt


def target(
    page: TrainingPage, code: str, level_from: str, level_to: str, weight: str = "1"
) -> TrainingCompetenceTarget:
    """``page`` moves competence ``code`` from ``level_from`` to ``level_to``."""
    return TrainingCompetenceTarget.objects.create(
        page=page,
        competence=Competence.objects.get(code=code),
        level_from=level_from,
        level_to=level_to,
        weight=Decimal(weight),
    )
