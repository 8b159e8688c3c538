"""A staff-space ("Mon Espace") stand-in: a separate process that takes attestations.

Run ``python -m certification.staff_space_standin --port 8091 --token T``. It
implements ``docs/staff-space-api.md`` exactly (``POST /v1/attestations``,
``POST /v1/attestations/{id}/revocation``: bearer token, Idempotency-Key,
validated bodies, 201/200/409 by canonical body hash), keeps what it received
in memory, and injects faults set by flags or at run time: a share of 5xx, of
429, of timeouts, of connection resets, added latency, and "duplicate
deliveries" (stored, then answered with a fault so that the sender retries).
A fault never loses an accepted attestation: a request is either stored (later
retries get 200 and the same receipt) or not. Control endpoints under
``/_standin/`` (same token) expose the state, reset it and change the faults;
``tests/certification/staff_space.py`` drives it from tests and benchmarks.

No Django: only the standard library.
"""

from .server import StaffSpaceServer, make_server
from .store import FaultPlan, Store
from .validation import attestation_errors, body_hash, canonical_json

__all__ = [
    "FaultPlan",
    "StaffSpaceServer",
    "Store",
    "attestation_errors",
    "body_hash",
    "canonical_json",
    "make_server",
]
