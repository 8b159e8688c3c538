"""Outbox delivery to the staff space ("Mon Espace").

``deliver_due()`` (Celery task ``certification.tasks.deliver_due``):

1. takes up to ``STAFF_SPACE_BATCH_SIZE`` due rows in a short transaction
   (``SELECT … FOR UPDATE SKIP LOCKED``, then a lease: ``leased_until``) —
   issue rows once the attestation has its PDF, revocation rows once the
   attestation itself was received;
2. sends them from a thread pool of ``STAFF_SPACE_CONCURRENCY`` sharing one
   HTTP client (the threads only do HTTP; every database write stays in the
   calling thread);
3. records each answer in its own short transaction (the row, a
   ``DeliveryAttempt``, an ``AttestationEvent`` when received or dead);
4. starts again while rows are due, for about ``TIME_BUDGET_SECONDS``, then
   schedules itself for the earliest row still pending.

A killed worker leaves a lease that runs out (``STAFF_SPACE_LEASE_SECONDS``);
the row is then sent again, with the same ``Idempotency-Key`` and body, and the
staff space answers 200 with the first receipt. ``reconcile()`` (beat, every
minute) re-enqueues what lost tasks left behind.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import CHANGE
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms import audit

from ..models import Attestation, AttestationEvent, Delivery, DeliveryAttempt
from .staff_space import (
    Outcome,
    Request,
    StaffSpaceClient,
    issue_request,
    revocation_request,
)

logger = logging.getLogger(__name__)

#: A task stops taking new batches after this long (Celery soft limits, fairness).
TIME_BUDGET_SECONDS = 50.0
#: Attestations without a PDF this old are sent back to ``render_pdfs``.
PDF_GRACE = timedelta(minutes=2)
RENDER_CHUNK = 50
RENDER_RECONCILE_LIMIT = 5_000
#: Bounds of the self-scheduled follow-up (the beat covers anything later).
FOLLOW_UP_MIN_SECONDS = 1
FOLLOW_UP_MAX_SECONDS = 300
WAKE_KEY = "certification:delivery:wake-at"
RENDER_KEY = "certification:render-requested:%s"

State = Delivery.State
Action = Delivery.Action


@dataclass
class Claimed:
    """A row this worker holds: ``lease`` is the value it wrote in ``leased_until``."""

    delivery: Delivery
    lease: datetime


# --- selection -------------------------------------------------------------------------


def _issue_received() -> Exists:
    return Exists(
        Delivery.objects.filter(
            attestation=OuterRef("attestation"),
            action=Action.ISSUE,
            state=State.DELIVERED,
        )
    )


def ready_rows() -> QuerySet[Delivery]:
    """Pending rows that can be sent: an attestation with its PDF, or a
    revocation of an attestation the staff space received."""
    return Delivery.objects.filter(state=State.PENDING).filter(
        (Q(action=Action.ISSUE) & ~Q(attestation__pdf_path=""))
        | (Q(action=Action.REVOKE) & _issue_received())
    )


def due_rows(now: datetime) -> QuerySet[Delivery]:
    """Ready rows that may be sent now: due, lease free or run out."""
    return ready_rows().filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        next_attempt_at__lte=now,
    )


def _claim(limit: int) -> list[Claimed]:
    """Take up to ``limit`` due rows (short transaction; other workers skip them)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.STAFF_SPACE_LEASE_SECONDS)
    with transaction.atomic():
        rows = list(
            due_rows(now)
            .select_related("attestation")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "id")[:limit]
        )
        if not rows:
            return []
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            leased_until=lease, updated_at=now
        )
    return [Claimed(row, lease) for row in rows]


# --- bodies ----------------------------------------------------------------------------


def stored_pdf(attestation: Attestation) -> bytes:
    """The attestation's PDF: the stored file, else ``certification.pdf.pdf_bytes``."""
    if attestation.pdf_path:
        try:
            with default_storage.open(attestation.pdf_path, "rb") as handle:
                return handle.read()
        except OSError:
            logger.warning(
                "stored PDF missing attestation=%s path=%s",
                attestation.uuid,
                attestation.pdf_path,
            )
    from ..pdf import pdf_bytes  # renders (and stores) it when missing

    return pdf_bytes(attestation)


def _request(delivery: Delivery) -> Request:
    attestation = delivery.attestation
    if delivery.action == Action.REVOKE:
        return revocation_request(attestation)
    return issue_request(attestation, stored_pdf(attestation))


# --- outcomes --------------------------------------------------------------------------


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Delay before the next try after ``attempts`` tries: exponential from
    ``STAFF_SPACE_RETRY_BASE_SECONDS``, capped at ``STAFF_SPACE_RETRY_MAX_SECONDS``,
    full jitter; never sooner than ``Retry-After`` (itself capped)."""
    base = float(settings.STAFF_SPACE_RETRY_BASE_SECONDS)
    cap = float(settings.STAFF_SPACE_RETRY_MAX_SECONDS)
    ceiling = min(cap, base * 2 ** min(max(attempts - 1, 0), 30))
    delay = random.uniform(0, ceiling)  # noqa: S311 (jitter, not a secret)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


def _give_up_message(outcome: Outcome, hours: int) -> str:
    return _(
        "Abandon après %(hours)s h de tentatives sans succès ; dernière erreur : "
        "%(error)s"
    ) % {"hours": hours, "error": outcome.error or _("inconnue")}


def _delivered_message(outcome: Outcome, attestation: Attestation) -> str:
    message = _("Accusé de réception : %(receipt)s") % {"receipt": outcome.receipt}
    if "matricule_missing" in outcome.flags or not attestation.has_matricule:
        message += " — " + _("transmise sans matricule (signalée)")
    return message


def _record(claimed: Claimed, outcome: Outcome) -> str:
    """Write one answer (short transaction); returns the resulting state.

    Nothing is written when the lease was lost (another worker took the row
    after it ran out): that worker records its own answer.
    """
    delivery = claimed.delivery
    now = timezone.now()
    kind = outcome.kind
    error = outcome.error
    first_attempt_at = delivery.first_attempt_at or now
    give_up = timedelta(hours=settings.STAFF_SPACE_GIVE_UP_HOURS)
    if kind == "retry" and now - first_attempt_at >= give_up:
        kind = "dead"
        error = _give_up_message(outcome, settings.STAFF_SPACE_GIVE_UP_HOURS)
    fields: dict[str, Any] = {
        "attempts": F("attempts") + 1,
        "first_attempt_at": Coalesce(F("first_attempt_at"), now),
        "last_status_code": outcome.status_code,
        "last_error": error,
        "leased_until": None,
        "updated_at": now,
    }
    if kind == "delivered":
        fields |= {
            "state": State.DELIVERED,
            "receipt": outcome.receipt,
            "delivered_at": now,
            "last_error": "",
        }
    elif kind == "retry":
        delay = backoff_seconds(delivery.attempts + 1, outcome.retry_after)
        fields |= {"next_attempt_at": now + timedelta(seconds=delay)}
    else:
        fields |= {"state": State.DEAD}
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery.pk, state=State.PENDING, leased_until=claimed.lease
        ).update(**fields)
        if not updated:
            logger.info("lease lost delivery=%s; answer not recorded", delivery.pk)
            return "lost"
        DeliveryAttempt.objects.create(
            delivery=delivery,
            outcome=kind,
            status_code=outcome.status_code,
            error=error,
            duration_ms=outcome.duration_ms,
        )
        if kind == "delivered":
            AttestationEvent.objects.create(
                attestation=delivery.attestation,
                kind=AttestationEvent.Kind.DELIVERED,
                message=(
                    _delivered_message(outcome, delivery.attestation)
                    if delivery.action == Action.ISSUE
                    else _("Révocation reçue ; accusé de réception : %(receipt)s")
                    % {"receipt": outcome.receipt}
                ),
            )
        elif kind == "dead":
            AttestationEvent.objects.create(
                attestation=delivery.attestation,
                kind=AttestationEvent.Kind.DELIVERY_FAILED,
                message=f"{delivery.get_action_display()} : {error}",
            )
        elif outcome.status_code == 404 and delivery.action == Action.REVOKE:
            # The staff space does not know the attestation: send it again
            # first (same key, same body), the revocation waits for it.
            Delivery.objects.filter(
                attestation=delivery.attestation_id,
                action=Action.ISSUE,
                state=State.DELIVERED,
            ).update(
                state=State.PENDING,
                next_attempt_at=now,
                leased_until=None,
                updated_at=now,
            )
    log = logger.warning if kind == "dead" else logger.info
    log(
        "delivery=%s attestation=%s action=%s outcome=%s status=%s",
        delivery.pk,
        delivery.attestation.uuid,
        delivery.action,
        kind,
        outcome.status_code,
    )
    return kind


# --- the loop --------------------------------------------------------------------------


def _send_batch(
    batch: list[Claimed], client: StaffSpaceClient, pool: ThreadPoolExecutor
) -> None:
    """Send a batch concurrently; record each answer as it comes."""
    futures: dict[Future[Outcome], Claimed] = {}
    for claimed in batch:
        try:
            request = _request(claimed.delivery)
        except Exception as error:  # noqa: BLE001 (a missing PDF must not stop the batch)
            logger.exception("cannot build delivery=%s", claimed.delivery.pk)
            _record(
                claimed,
                Outcome(
                    "retry",
                    error=_("Attestation impossible à préparer : %(e)s")
                    % {"e": str(error) or type(error).__name__},
                ),
            )
            continue
        futures[pool.submit(client.send, request)] = claimed
    pending: set[Future[Outcome]] = set(futures)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            _record(futures[future], future.result())


def deliver_due() -> int:
    """Send what is due now, for up to ``TIME_BUDGET_SECONDS``; returns how many
    rows were attempted. Schedules a follow-up for rows still pending."""
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    concurrency = max(1, settings.STAFF_SPACE_CONCURRENCY)
    batch_size = max(1, settings.STAFF_SPACE_BATCH_SIZE)
    attempted = 0
    with (
        StaffSpaceClient(max_connections=concurrency) as client,
        ThreadPoolExecutor(concurrency, thread_name_prefix="staff-space") as pool,
    ):
        while time.monotonic() < deadline:
            batch = _claim(batch_size)
            if not batch:
                break
            _send_batch(batch, client, pool)
            attempted += len(batch)
    schedule_follow_up()
    return attempted


def schedule_follow_up() -> None:
    """Enqueue ``deliver_due`` for the earliest pending row (bounded countdown).

    One follow-up at a time: a cache key holds the time of the one already
    scheduled; an earlier need still schedules. In eager mode (embedded
    default) nothing is scheduled: the countdown would be ignored.
    """
    from celery import current_app

    from .. import tasks

    if current_app.conf.task_always_eager:
        return
    now = timezone.now()
    due_at = ready_rows().aggregate(
        at=Min(Greatest("next_attempt_at", Coalesce("leased_until", "next_attempt_at")))
    )["at"]
    if due_at is None:
        return
    countdown = min(
        FOLLOW_UP_MAX_SECONDS,
        max(FOLLOW_UP_MIN_SECONDS, (due_at - now).total_seconds()),
    )
    wake_at = now.timestamp() + countdown
    scheduled = cache.get(WAKE_KEY)
    if scheduled is not None and now.timestamp() < scheduled <= wake_at + 1:
        return  # an earlier (or as early) follow-up will come
    cache.set(WAKE_KEY, wake_at, timeout=int(countdown) + 60)
    tasks.deliver_due.apply_async(countdown=countdown)


# --- reconciliation ----------------------------------------------------------------------


def reconcile() -> None:
    """Beat, every minute: re-enqueue PDFs still missing (older than
    ``PDF_GRACE``) and the delivery when rows are due or leases ran out."""
    from .. import tasks

    now = timezone.now()
    missing = list(
        Attestation.objects.filter(pdf_path="", created_at__lt=now - PDF_GRACE)
        .order_by("id")
        .values_list("id", flat=True)[:RENDER_RECONCILE_LIMIT]
    )
    # Do not pile up render tasks for ids already sent back recently.
    keys = {RENDER_KEY % pk: pk for pk in missing}
    recent = cache.get_many(list(keys)) if keys else {}
    ids = [pk for key, pk in keys.items() if key not in recent]
    for start in range(0, len(ids), RENDER_CHUNK):
        tasks.render_pdfs.delay(ids[start : start + RENDER_CHUNK])
    if ids:
        cache.set_many(dict.fromkeys((RENDER_KEY % pk for pk in ids), 1), timeout=900)
        logger.info("reconcile: %s attestation(s) sent back for their PDF", len(ids))
    if due_rows(now).exists():
        tasks.deliver_due.delay()


# --- staff actions and labels ----------------------------------------------------------


def retry(delivery: Delivery, by: Any) -> bool:
    """Send a dead row again now (IFPC staff); False when it was not dead.

    The 48-hour clock starts again; the attempt history is kept. Audited, and
    the delivery is woken after commit.
    """
    return retry_many(Delivery.objects.filter(pk=delivery.pk), by) == 1


def retry_many(deliveries: QuerySet[Delivery], by: Any) -> int:
    """``retry`` for every dead row of ``deliveries``; returns how many."""
    from .. import tasks

    now = timezone.now()
    with transaction.atomic():
        rows = list(
            deliveries.filter(state=State.DEAD)
            .select_related("attestation")
            .select_for_update(of=("self",))
        )
        if not rows:
            return 0
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=State.PENDING,
            next_attempt_at=now,
            first_attempt_at=None,
            leased_until=None,
            updated_at=now,
        )
        AttestationEvent.objects.bulk_create(
            AttestationEvent(
                attestation=row.attestation,
                kind=AttestationEvent.Kind.DELIVERY_RETRIED,
                actor=by,
                message=row.get_action_display(),
            )
            for row in rows
        )
        audit.record(
            by,
            _unique(row.attestation for row in rows),
            CHANGE,
            "Livraison à l'espace personnel relancée",
            logger=logger,
        )
        transaction.on_commit(tasks.deliver_due.delay)
    return len(rows)


def _unique(attestations: Iterable[Attestation]) -> list[Attestation]:
    return list({attestation.pk: attestation for attestation in attestations}.values())


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y à H:i")


def _row_state(delivery: Delivery) -> str:
    if delivery.state == State.DELIVERED and delivery.delivered_at:
        return _("reçue le %(when)s") % {"when": _when(delivery.delivered_at)}
    if delivery.state == State.DEAD:
        return _("en échec : %(error)s") % {
            "error": delivery.last_error or _("erreur inconnue")
        }
    if delivery.attempts:
        return ngettext(
            "en attente (%(count)s tentative)",
            "en attente (%(count)s tentatives)",
            delivery.attempts,
        ) % {"count": delivery.attempts}
    return _("en attente")


def delivery_state(attestation: Attestation) -> str:
    """The delivery to the staff space as a French label for the attestation page:
    "reçue le …", "en attente (3 tentatives)", "en échec : …", plus the
    revocation and a missing staff number when they apply. Uses
    ``attestation.deliveries.all()`` (prefetch it on lists)."""
    rows = {row.action: row for row in attestation.deliveries.all()}
    issue = rows.get(Action.ISSUE)
    if issue is None:
        return _("non transmise à l'espace personnel")
    label = _row_state(issue)
    if issue.state == State.DELIVERED and not attestation.has_matricule:
        label += " — " + _("sans matricule (signalée à l'espace personnel)")
    revoke = rows.get(Action.REVOKE)
    if revoke is not None:
        label += " ; " + _("révocation : %(state)s") % {"state": _row_state(revoke)}
    return label
