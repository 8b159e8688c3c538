"""What the stand-in has received, and the faults it injects (thread-safe).

``Store.record_attestation`` / ``Store.record_revocation`` decide the answer
(201 new, 200 identical replay, 409 different body, 404 unknown attestation)
under one lock, so concurrent deliveries of the same attestation store it once.
``FaultPlan.draw`` decides a request's fault before it is processed, from the
seed, the request path, its Idempotency-Key and how many times that pair was
seen: a seeded run draws the same faults whatever the interleaving of requests.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

Outcome = Literal["created", "replayed", "conflict", "not_found"]
Fault = Literal["none", "timeout", "reset", "error", "throttle"]
# What a duplicate delivery answers once the request is stored.
AFTERMATHS = ("500", "502", "503", "reset")
ERROR_STATUSES = (500, 502, 503)


@dataclass
class FaultPlan:
    """Shares of requests that fail (disjoint: their sum is at most 1)."""

    fail_rate: float = 0.0
    timeout_rate: float = 0.0
    reset_rate: float = 0.0
    throttle_rate: float = 0.0
    duplicate_rate: float = 0.0
    latency_ms: int = 0
    timeout_seconds: float = 30.0
    retry_after_max: int = 2
    seed: int | None = None
    refuse: list[str] = field(default_factory=list)

    RATES = ("fail_rate", "timeout_rate", "reset_rate", "throttle_rate")

    def check(self) -> None:
        """Raise ``ValueError`` when a setting is out of range."""
        for name in (*self.RATES, "duplicate_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} doit être entre 0 et 1")
        if sum(getattr(self, name) for name in self.RATES) > 1 + 1e-9:
            raise ValueError(
                "fail_rate + timeout_rate + reset_rate + throttle_rate dépasse 1"
            )
        if self.latency_ms < 0 or self.timeout_seconds < 0 or self.retry_after_max < 0:
            raise ValueError("latence, durée et Retry-After doivent être ≥ 0")

    def updated(self, changes: dict[str, Any]) -> FaultPlan:
        """A copy with ``changes`` applied (checked; unknown names refused)."""
        known = {f.name: f.type for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError("réglages inconnus : " + ", ".join(unknown))
        data = asdict(self)
        for name, value in changes.items():
            if name == "refuse":
                if not isinstance(value, list) or not all(
                    isinstance(item, str) for item in value
                ):
                    raise ValueError("refuse : liste d'identifiants attendue")
            elif name == "seed":
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int)
                ):
                    raise ValueError("seed : entier ou null attendu")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} : nombre attendu")
            data[name] = value
        data["latency_ms"] = int(data["latency_ms"])
        data["retry_after_max"] = int(data["retry_after_max"])
        plan = FaultPlan(**data)
        plan.check()
        return plan

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Draw:
    """The faults of one request, decided before it is processed."""

    fault: Fault
    status: int = 0  # for "error" / "throttle"
    retry_after: int | None = None
    duplicate: str | None = None  # one of AFTERMATHS when stored-but-failed


def draw(plan: FaultPlan, rng: random.Random) -> Draw:
    """The faults of one request from four draws of ``rng`` (always four)."""
    u, pick, wait, dup = rng.random(), rng.random(), rng.random(), rng.random()
    retry_after = 1 + int(wait * plan.retry_after_max) if plan.retry_after_max else 0
    duplicate = (
        AFTERMATHS[int(pick * len(AFTERMATHS)) % len(AFTERMATHS)]
        if dup < plan.duplicate_rate
        else None
    )
    bound = plan.timeout_rate
    if u < bound:
        return Draw("timeout")
    bound += plan.reset_rate
    if u < bound:
        return Draw("reset")
    bound += plan.fail_rate
    if u < bound:
        status = ERROR_STATUSES[int(pick * len(ERROR_STATUSES)) % 3]
        # 503 always says when to come back, 500 half the time, 502 never
        # (a proxy in front of a dead server does not know).
        with_retry_after = status == 503 or (status == 500 and wait < 0.5)
        return Draw("error", status, retry_after if with_retry_after else None)
    bound += plan.throttle_rate
    if u < bound:
        return Draw("throttle", 429, retry_after or 1)
    return Draw("none", duplicate=duplicate)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Revocation:
    reason: str
    receipt: str
    body_hash: str
    revoked_at: str
    deliveries: int = 1


@dataclass
class Received:
    """One attestation as stored (the PDF is kept as its size and digest)."""

    receipt: str
    body_hash: str
    body: dict[str, Any]
    flags: list[str]
    received_at: str
    last_delivery_at: str
    deliveries: int = 1
    revocation: Revocation | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "receipt": self.receipt,
            "body_hash": self.body_hash,
            "deliveries": self.deliveries,
            "flags": self.flags,
            "received_at": self.received_at,
            "last_delivery_at": self.last_delivery_at,
            "matricule": self.body["person"].get("matricule"),
            "training_code": self.body["training"]["code"],
            "revocation": asdict(self.revocation) if self.revocation else None,
        }


def _stored_body(body: dict[str, Any]) -> dict[str, Any]:
    """The body without the PDF bytes (12,000 PDFs would not fit in memory)."""
    kept = {key: value for key, value in body.items() if key != "pdf_base64"}
    pdf = body["pdf_base64"]
    kept["pdf"] = {
        "base64_chars": len(pdf),
        "sha256_of_base64": hashlib.sha256(pdf.encode()).hexdigest(),
    }
    return kept


class Store:
    def __init__(self, plan: FaultPlan) -> None:
        self.lock = threading.Lock()
        self.plan = plan
        self.reset()

    def reset(self) -> None:
        """Forget attestations, revocations, counters and attempt numbers."""
        with self.lock:
            self.attestations: dict[str, Received] = {}
            self.attempts: Counter[tuple[str, str]] = Counter()
            self.counters: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.sequence = 0

    def set_plan(self, changes: dict[str, Any]) -> FaultPlan:
        with self.lock:
            self.plan = self.plan.updated(changes)
            return self.plan

    def draw(self, route: str, key: str) -> tuple[Draw, FaultPlan]:
        """The faults for this attempt at (route, key), counted in the state."""
        with self.lock:
            plan = self.plan
            self.attempts[route, key] += 1
            attempt = self.attempts[route, key]
            self.sequence += 1
            if plan.seed is None:
                rng = random.Random()  # noqa: S311 (fault injection, not crypto)
            else:
                rng = random.Random(f"{plan.seed}|{route}|{key}|{attempt}")  # noqa: S311
            decided = draw(plan, rng)
            if decided.fault != "none":
                self.faults[decided.fault] += 1
            if plan.latency_ms:
                self.faults["latency"] += 1
        return decided, plan

    def count(self, name: str, fault: str | None = None) -> None:
        with self.lock:
            self.counters[name] += 1
            if fault:
                self.faults[fault] += 1

    def _receipt(self, kind: str, attestation_id: str) -> str:
        seed = self.plan.seed
        if seed is None:
            return f"{kind}-{uuid.uuid4()}"
        digest = hashlib.sha256(f"{seed}|{kind}|{attestation_id}".encode()).hexdigest()
        return f"{kind}-{uuid.UUID(digest[:32])}"

    def record_attestation(
        self, body: dict[str, Any], digest: str
    ) -> tuple[Outcome, Received]:
        """Store a valid attestation once; say whether it is new, a replay or a conflict."""
        attestation_id = body["id"]
        now = _now()
        with self.lock:
            found = self.attestations.get(attestation_id)
            if found is not None:
                if found.body_hash != digest:
                    return "conflict", found
                found.deliveries += 1
                found.last_delivery_at = now
                return "replayed", found
            flags = [] if body["person"].get("matricule") else ["matricule_missing"]
            received = Received(
                receipt=self._receipt("att", attestation_id),
                body_hash=digest,
                body=_stored_body(body),
                flags=flags,
                received_at=now,
                last_delivery_at=now,
            )
            self.attestations[attestation_id] = received
            return "created", received

    def record_revocation(
        self, attestation_id: str, reason: str, digest: str
    ) -> tuple[Outcome, Revocation | None]:
        """Revoke a received attestation once (same rules as attestations)."""
        with self.lock:
            found = self.attestations.get(attestation_id)
            if found is None:
                return "not_found", None
            revocation = found.revocation
            if revocation is not None:
                if revocation.body_hash != digest:
                    return "conflict", revocation
                revocation.deliveries += 1
                return "replayed", revocation
            found.revocation = Revocation(
                reason=reason,
                receipt=self._receipt("rev", attestation_id),
                body_hash=digest,
                revoked_at=_now(),
            )
            return "created", found.revocation

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            attestations = {
                key: received.summary() for key, received in self.attestations.items()
            }
            return {
                "attestations": attestations,
                "revocations": {
                    key: value["revocation"]
                    for key, value in attestations.items()
                    if value["revocation"]
                },
                "counts": {
                    "attestations": len(attestations),
                    "deliveries": sum(a["deliveries"] for a in attestations.values()),
                    "requests": self.sequence,
                    **dict(self.counters),
                },
                "faults_injected": dict(self.faults),
                "faults": self.plan.as_dict(),
            }

    def attestation(self, attestation_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.attestations.get(attestation_id)
            return None if found is None else {**found.summary(), "body": found.body}
