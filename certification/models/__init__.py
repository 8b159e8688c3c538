"""Models of ``certification``: completion rules, attestations, delivery outbox,
share links. The self-test lives in ``certification.selftest``."""

from .attestations import Attestation, AttestationEvent
from .delivery import Delivery, DeliveryAttempt
from .portfolio import ShareLink
from .rules import CompletionRule, RuleRequirement, SessionClosure
from .selftest import (
    Attempt,
    Blueprint,
    CompetenceEstimate,
    Item,
    ItemFamily,
    ItemOption,
    ItemResponse,
)

__all__ = [
    "Attempt",
    "Attestation",
    "Blueprint",
    "CompetenceEstimate",
    "Item",
    "ItemFamily",
    "ItemOption",
    "ItemResponse",
    "AttestationEvent",
    "CompletionRule",
    "Delivery",
    "DeliveryAttempt",
    "RuleRequirement",
    "SessionClosure",
    "ShareLink",
]
