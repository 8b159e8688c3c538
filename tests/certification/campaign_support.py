"""Builders for the campaign tests: campaigns, and participations with
attempts and estimates written directly (no test taken)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from certification.models import (
    Attempt,
    Campaign,
    CampaignParticipation,
    CompetenceEstimate,
)
from certification.selftest.campaigns import generate_code
from certification.selftest.engine import LEVELS
from lms.models import Competence
from tests.factories import UserFactory
from tests.factories.selftest import make_blueprint

THETA = {"A1": -2.0, "A2": -1.0, "B1": 0.0, "B2": 1.0, "C1": 2.0, "C2": 3.0}


def make_campaign(blueprint=None, **fields) -> Campaign:
    """An open IFPC campaign (unless told otherwise) on a 2.1/2.2 blueprint."""
    fields.setdefault("scope", Campaign.Scope.IFPC)
    fields.setdefault("opens_at", timezone.now() - dt.timedelta(days=1))
    return Campaign.objects.create(
        code=fields.pop("code", None) or generate_code(),
        title=fields.pop("title", "Campagne de printemps"),
        blueprint=blueprint or make_blueprint(),
        **fields,
    )


def participate(
    campaign: Campaign,
    levels: dict[str, str],
    *,
    user=None,
    status: str = CampaignParticipation.Status.SHARED,
    precise: bool = True,
    theta_shift: float = 0.0,
) -> CampaignParticipation:
    """A participation whose completed attempt measured ``levels``."""
    user = user or UserFactory()
    now = timezone.now()
    participation = CampaignParticipation.objects.create(
        campaign=campaign,
        user=user,
        status=status,
        shared_at=now if status == CampaignParticipation.Status.SHARED else None,
    )
    attempt = Attempt.objects.create(
        user=user,
        blueprint=campaign.blueprint,
        participation=participation,
        status=Attempt.Status.COMPLETED,
        seed=secrets.token_hex(16),
        completed_at=now,
    )
    for code, level in levels.items():
        CompetenceEstimate.objects.create(
            attempt=attempt,
            competence=Competence.objects.get(code=code),
            theta=THETA[level] + theta_shift,
            se=0.4 if precise else 0.9,
            n_items=5,
            level=level,
            confidence=0.7,
            range_low=LEVELS[max(LEVELS.index(level) - 1, 0)],
            range_high=LEVELS[min(LEVELS.index(level) + 1, 5)],
            is_precise=precise,
        )
    return participation
