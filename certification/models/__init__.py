"""Models of ``certification``: completion rules, attestations, delivery outbox,
share links. The self-test lives in ``certification.selftest``."""

from .attestations import Attestation, AttestationEvent
from .delivery import Delivery, DeliveryAttempt
from .portfolio import ShareLink
from .rules import CompletionRule, RuleRequirement, SessionClosure
from .selftest import (
    Attempt,
    Blueprint,
    CalibrationRun,
    Campaign,
    CampaignParticipation,
    CompetenceEstimate,
    Item,
    ItemExposure,
    ItemFamily,
    ItemOption,
    ItemResponse,
    RecommendationDismissal,
)

__all__ = [
    "Attempt",
    "Attestation",
    "Blueprint",
    "CalibrationRun",
    "Campaign",
    "CampaignParticipation",
    "CompetenceEstimate",
    "Item",
    "ItemExposure",
    "ItemFamily",
    "ItemOption",
    "ItemResponse",
    "RecommendationDismissal",
    "AttestationEvent",
    "CompletionRule",
    "Delivery",
    "DeliveryAttempt",
    "RuleRequirement",
    "SessionClosure",
    "ShareLink",
]
