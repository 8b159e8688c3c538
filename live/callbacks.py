"""BBB callbacks: the end of a meeting and a recording being ready.

Reliability spec §D1–D3:

* End callback (``meta_endCallbackUrl``, a GET that BBB does not sign): the URL
  carries the class's random ``end_nonce``, compared in constant time. A wrong
  nonce or an unknown class → 401, logged, nothing changed. The end is then
  confirmed with ``getMeetingInfo`` before attendance is closed: a meeting BBB
  still reports running leaves the receipt unprocessed (retried by the
  ``process_callback`` task), so a forged or early call changes nothing.
* Recording ready (``meta_bbb-recording-ready-url``, POST ``signed_parameters``):
  a JWT verified with PyJWT, algorithm pinned to HS256, the class's server
  secret, ``exp`` honoured when present, ``meeting_id`` must be the class's.
  Anything else → 401, logged, nothing changed.

Accepted callbacks are stored once per (kind, key) in ``CallbackReceipt``:
replays answer 202 "already processed"; BBB unreachable keeps the receipt for
the task to retry (202).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone

from .bbb import BbbError, BbbUnavailable, client_for
from .bbb.servers import secret_for
from .models import CallbackReceipt, VirtualClass
from .polling import close_class
from .recordings import sync_recordings

logger = logging.getLogger(__name__)

Kind = CallbackReceipt.Kind

# Outcomes of processing a receipt.
PROCESSED = "processed"
ALREADY = "already processed"
PENDING = "pending"  # BBB says the meeting still runs: retry later
UNAVAILABLE = "unavailable"  # BBB unreachable: retry later


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    message: str
    receipt_id: int | None = None
    outcome: str = ""


def _refuse(kind: str, reason: str, uuid: Any) -> Answer:
    logger.warning(
        "bbb callback refused kind=%s class=%s reason=%s", kind, uuid, reason
    )
    return Answer(401, "unauthorized")


def _receipt(kind: str, key: str, meeting_id: str, payload: dict) -> CallbackReceipt:
    try:
        with transaction.atomic():
            receipt, _created = CallbackReceipt.objects.get_or_create(
                kind=kind,
                key=key[:200],
                defaults={"meeting_id": meeting_id, "payload": payload},
            )
    except IntegrityError:  # a concurrent duplicate won the insert
        receipt = CallbackReceipt.objects.get(kind=kind, key=key[:200])
    return receipt


def _answer(receipt: CallbackReceipt, outcome: str) -> Answer:
    if outcome == PROCESSED:
        return Answer(200, "ok", receipt.pk, outcome)
    if outcome == ALREADY:
        return Answer(202, "already processed", receipt.pk, outcome)
    return Answer(202, "accepted, will retry", receipt.pk, outcome)


# --- end of meeting -------------------------------------------------------------------
def handle_end(uuid: Any, nonce: str, params: dict[str, str]) -> Answer:
    virtual_class = VirtualClass.objects.filter(uuid=uuid).first()
    if virtual_class is None:
        hmac.compare_digest(nonce.encode(), b"x" * 32)  # same work either way
        return _refuse(Kind.END, "unknown class", uuid)
    if not hmac.compare_digest(nonce.encode(), virtual_class.end_nonce.encode()):
        return _refuse(Kind.END, "bad nonce", uuid)
    meeting_id = params.get("meetingID")
    if meeting_id and meeting_id != virtual_class.meeting_id:
        return _refuse(Kind.END, "meetingID mismatch", uuid)
    # One end per BBB meeting instance (a reopened class is a new createTime).
    receipt = _receipt(
        Kind.END,
        f"{virtual_class.meeting_id}:{virtual_class.create_time or ''}",
        virtual_class.meeting_id,
        {
            k: str(v)[:200]
            for k, v in params.items()
            if k in ("meetingID", "recordingmarks")
        },
    )
    return _answer(receipt, process_receipt(receipt))


def _process_end(receipt: CallbackReceipt, virtual_class: VirtualClass) -> str:
    if virtual_class.status in (
        VirtualClass.Status.ENDED,
        VirtualClass.Status.CANCELLED,
    ):
        return PROCESSED
    if virtual_class.created_on_server_at is None:
        return PENDING  # never created from Tremplin: nothing to close yet
    info = client_for(virtual_class).get_meeting_info(virtual_class.meeting_id)
    if info is not None and info.running:
        return PENDING
    if info is not None and not (info.has_been_forcibly_ended or info.end_time):
        return PENDING  # created, nobody came yet: not an end
    ended_at = (info.end_time if info is not None else None) or timezone.now()
    close_class(virtual_class, ended_at)
    return PROCESSED


# --- recording ready ------------------------------------------------------------------
def handle_recording_ready(uuid: Any, token: str) -> Answer:
    virtual_class = VirtualClass.objects.filter(uuid=uuid).first()
    if virtual_class is None:
        return _refuse(Kind.RECORDING_READY, "unknown class", uuid)
    if not token:
        return _refuse(Kind.RECORDING_READY, "missing signed_parameters", uuid)
    try:
        claims = jwt.decode(
            token,
            secret_for(virtual_class),
            algorithms=["HS256"],
            options={"require": ["meeting_id", "record_id"]},
        )
    except jwt.InvalidTokenError as exc:
        return _refuse(
            Kind.RECORDING_READY, f"invalid JWT ({type(exc).__name__})", uuid
        )
    meeting_id = claims.get("meeting_id")
    record_id = claims.get("record_id")
    if not isinstance(meeting_id, str) or not hmac.compare_digest(
        meeting_id.encode(), virtual_class.meeting_id.encode()
    ):
        return _refuse(Kind.RECORDING_READY, "meeting_id mismatch", uuid)
    if not isinstance(record_id, str) or not record_id or len(record_id) > 200:
        return _refuse(Kind.RECORDING_READY, "bad record_id", uuid)
    receipt = _receipt(
        Kind.RECORDING_READY,
        record_id,
        virtual_class.meeting_id,
        {"meeting_id": meeting_id, "record_id": record_id},
    )
    return _answer(receipt, process_receipt(receipt))


# --- processing (view, then the retry task) -------------------------------------------
def process_receipt(receipt: CallbackReceipt | int, *, schedule: bool = True) -> str:
    """Act on a receipt once; ``PENDING``/``UNAVAILABLE`` mean: retry later
    (``schedule``: queue the ``process_callback`` task for that)."""
    receipt_id = receipt if isinstance(receipt, int) else receipt.pk
    with transaction.atomic():
        locked = CallbackReceipt.objects.select_for_update().get(pk=receipt_id)
        if locked.processed_at is not None:
            return ALREADY
        locked.attempts += 1
        virtual_class = VirtualClass.objects.filter(
            meeting_id=locked.meeting_id
        ).first()
        try:
            if virtual_class is None:
                outcome = PENDING
            elif locked.kind == Kind.END:
                outcome = _process_end(locked, virtual_class)
            else:
                sync_recordings(virtual_class)
                outcome = PROCESSED
            locked.last_error = "" if outcome == PROCESSED else outcome
        except (BbbUnavailable, BbbError) as exc:
            logger.warning("bbb callback receipt=%s: %s", locked.pk, exc)
            outcome = UNAVAILABLE
            locked.last_error = str(exc)[:300]
        if outcome == PROCESSED:
            locked.processed_at = timezone.now()
        locked.save(update_fields=["attempts", "last_error", "processed_at"])
    if schedule and outcome in (PENDING, UNAVAILABLE):
        schedule_retry(locked.pk)
    return outcome


def schedule_retry(receipt_id: int) -> None:
    from .tasks import process_callback

    def send() -> None:
        try:
            process_callback.apply_async((receipt_id,), countdown=60)
        except Exception:  # noqa: BLE001 (the broker down must not fail the callback)
            logger.exception("could not schedule the retry of receipt %s", receipt_id)

    transaction.on_commit(send)
