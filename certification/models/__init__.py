"""Models of ``certification``: completion rules, attestations, delivery outbox,
share links. The self-test lives in ``certification.selftest``."""

from .attestations import Attestation, AttestationEvent
from .delivery import Delivery, DeliveryAttempt
from .portfolio import ShareLink
from .rules import CompletionRule, RuleRequirement, SessionClosure

__all__ = [
    "Attestation",
    "AttestationEvent",
    "CompletionRule",
    "Delivery",
    "DeliveryAttempt",
    "RuleRequirement",
    "SessionClosure",
    "ShareLink",
]
