"""Issuing attestations: one place that writes an attestation, signs it, and
puts it in the outbox in the same transaction.

``issue_attestation`` is idempotent per (learner, session or track, kind): a
second call — a double click, a concurrent rule evaluation, a replayed task —
returns the existing attestation (``created=False``) and writes nothing.
After commit, the PDF is rendered and the delivery is attempted by tasks
(``certification.tasks``); the reconciler catches up if those are lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.admin.models import ADDITION
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import audit

from .credentials import sign
from .models import Attestation, AttestationEvent, Delivery

logger = logging.getLogger(__name__)

HOURS_QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class AttestationContent:
    """What an attestation states about a learner (computed by ``certification.rules``)."""

    training_code: str
    training_title: str
    modality: str
    operator: str
    starts_on: date
    ends_on: date
    sync_hours: Decimal
    async_hours: Decimal
    competences: list[str]


def _holder_fields(user: Any) -> dict[str, str]:
    return {
        "holder_name": user.get_full_name() or user.email,
        "holder_given_name": user.first_name,
        "holder_family_name": user.last_name,
        "holder_matricule": user.matricule or "",
        "holder_email": user.email,
    }


def _existing(user: Any, kind: str, session: Any, track: Any) -> Attestation | None:
    lookup = {"user": user, "kind": kind}
    if session is not None:
        lookup["session"] = session
    else:
        lookup["track"] = track
    return Attestation.objects.filter(**lookup).first()


def issue_attestation(
    *,
    user: Any,
    kind: str,
    content: AttestationContent,
    origin: str,
    session: Any = None,
    track: Any = None,
    by: Any = None,
    reason: str = "",
) -> tuple[Attestation, bool]:
    """Issue (or find) the ``kind`` attestation of ``user`` for a session or a track.

    Writes the attestation with its signed credential, its issue event and its
    outbox row in one transaction; schedules the PDF and the delivery after
    commit. Raises ``certification.keys.SigningKeyMissing`` (nothing written)
    when no signing key is usable.
    """
    if (session is None) == (track is None):
        raise ValueError("exactly one of session and track")
    existing = _existing(user, kind, session, track)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            attestation = _create(
                user, kind, content, origin, session, track, by, reason
            )
    except IntegrityError:
        # A concurrent issue won the unique constraint: return its row.
        existing = _existing(user, kind, session, track)
        if existing is None:
            raise
        return existing, False
    _after_commit([attestation.pk])
    return attestation, True


def _create(
    user: Any,
    kind: str,
    content: AttestationContent,
    origin: str,
    session: Any,
    track: Any,
    by: Any,
    reason: str,
) -> Attestation:
    now = timezone.now()
    attestation = Attestation.objects.create(
        kind=kind,
        origin=origin,
        user=user,
        session=session,
        track=track,
        issued_at=now,
        issued_by=by,
        issue_reason=reason,
        credential="",
        kid="",
        sync_hours=content.sync_hours.quantize(HOURS_QUANTUM),
        async_hours=content.async_hours.quantize(HOURS_QUANTUM),
        training_code=content.training_code,
        training_title=content.training_title,
        modality=content.modality,
        operator=content.operator,
        starts_on=content.starts_on,
        ends_on=content.ends_on,
        competences=sorted(content.competences),
        **_holder_fields(user),
    )
    # The status-list position is the id: sign once the row exists.
    attestation.credential, attestation.kid = sign(attestation)
    Attestation.objects.filter(pk=attestation.pk).update(
        credential=attestation.credential, kid=attestation.kid
    )
    Delivery.objects.create(
        attestation=attestation, action=Delivery.Action.ISSUE, next_attempt_at=now
    )
    AttestationEvent.objects.create(
        attestation=attestation,
        kind=AttestationEvent.Kind.ISSUED,
        actor=by,
        message=reason or attestation.get_origin_display(),
    )
    audit.record(
        by,
        [attestation],
        ADDITION,
        _("Attestation émise manuellement : %(reason)s") % {"reason": reason}
        if by is not None
        else str(attestation.get_origin_display()),
        logger=logger,
        action=audit.Action.ATTESTATION_ISSUED,
    )
    return attestation


def _after_commit(attestation_ids: list[int]) -> None:
    from . import tasks

    def enqueue() -> None:
        tasks.render_pdfs.delay(attestation_ids)

    transaction.on_commit(enqueue)


def issue_many(
    items: list[tuple[Any, str, AttestationContent]],
    *,
    session: Any,
    origin: str,
    chunk_size: int = 500,
) -> int:
    """Issue session attestations in bulk: ``items`` are (user, kind, content).

    Chunks of ``chunk_size`` go in one transaction each (rows, credentials,
    outbox, events); users who already have the attestation are skipped, and a
    chunk that meets a concurrent issue falls back to one-by-one. Returns how
    many attestations were created.
    """
    created = 0
    for start in range(0, len(items), chunk_size):
        chunk = items[start : start + chunk_size]
        try:
            with transaction.atomic():
                ids = _create_chunk(chunk, session, origin)
        except IntegrityError:
            ids = []
            for user, kind, content in chunk:
                attestation, was_created = issue_attestation(
                    user=user,
                    kind=kind,
                    content=content,
                    origin=origin,
                    session=session,
                )
                if was_created:
                    created += 1
            continue
        created += len(ids)
        for offset in range(0, len(ids), 50):
            _after_commit(ids[offset : offset + 50])
    return created


def _create_chunk(
    chunk: list[tuple[Any, str, AttestationContent]], session: Any, origin: str
) -> list[int]:
    have = set(
        Attestation.objects.filter(
            session=session, user__in=[user for user, _kind, _content in chunk]
        ).values_list("user_id", "kind")
    )
    now = timezone.now()
    rows = [
        Attestation(
            kind=kind,
            origin=origin,
            user=user,
            session=session,
            issued_at=now,
            credential="",
            kid="",
            sync_hours=content.sync_hours.quantize(HOURS_QUANTUM),
            async_hours=content.async_hours.quantize(HOURS_QUANTUM),
            training_code=content.training_code,
            training_title=content.training_title,
            modality=content.modality,
            operator=content.operator,
            starts_on=content.starts_on,
            ends_on=content.ends_on,
            competences=sorted(content.competences),
            **_holder_fields(user),
        )
        for user, kind, content in chunk
        if (user.pk, kind) not in have
    ]
    if not rows:
        return []
    Attestation.objects.bulk_create(rows)  # PostgreSQL and SQLite return the ids
    for attestation in rows:
        attestation.credential, attestation.kid = sign(attestation)
    Attestation.objects.bulk_update(rows, ["credential", "kid"])
    Delivery.objects.bulk_create(
        Delivery(attestation=a, action=Delivery.Action.ISSUE, next_attempt_at=now)
        for a in rows
    )
    AttestationEvent.objects.bulk_create(
        AttestationEvent(
            attestation=a,
            kind=AttestationEvent.Kind.ISSUED,
            message=a.get_origin_display(),
        )
        for a in rows
    )
    audit.events(
        None, audit.Action.ATTESTATION_ISSUED, rows, _("Émise automatiquement")
    )
    return [a.pk for a in rows]


def revoke_attestation(attestation: Attestation, *, by: Any, reason: str) -> bool:
    """Revoke with a reason (audited); the revocation goes through the outbox.

    Returns False when it was already revoked (nothing changes).
    """
    from django.contrib.admin.models import CHANGE

    from . import status_list

    reason = reason.strip()
    if not reason:
        raise ValueError("a revocation needs a reason")
    with transaction.atomic():
        locked = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if locked.is_revoked:
            return False
        now = timezone.now()
        locked.revoked_at = now
        locked.revoked_by = by
        locked.revocation_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        Delivery.objects.get_or_create(
            attestation=locked,
            action=Delivery.Action.REVOKE,
            defaults={"next_attempt_at": now},
        )
        AttestationEvent.objects.create(
            attestation=locked,
            kind=AttestationEvent.Kind.REVOKED,
            actor=by,
            message=reason,
        )
        audit.record(
            by,
            [locked],
            CHANGE,
            _("Attestation révoquée : %(reason)s") % {"reason": reason},
            logger=logger,
            action=audit.Action.ATTESTATION_REVOKED,
        )
        number, _index = status_list.position(locked.pk)
        transaction.on_commit(lambda: status_list.forget(number))
        transaction.on_commit(_wake_delivery)
    attestation.refresh_from_db()
    return True


def _wake_delivery() -> None:
    from . import tasks

    tasks.deliver_due.delay()
