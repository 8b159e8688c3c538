"""Session close: bulk issue of the session's attestations.

``start_closure`` (the staff's click) records the ``SessionClosure`` row and
enqueues ``certification.tasks.close_session`` after commit; the task runs
``run_closure``, which issues a *participation* attestation to every active
learner with more than zero hours and a *completion* one to those for whom the
rule holds, chunk by chunk, updating the ``processed``/``issued`` counters the
progress bar polls. It is idempotent: one ``SessionClosure`` per session, and
``issuance.issue_many`` skips what was already issued, so a re-run (new
learners enrolled late, a failed run) catches up and issues nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Session
from lms import audit
from lms.models import User
from tutoring.models import Cohort

from .issuance import AttestationContent, issue_many
from .models import Attestation, SessionClosure
from .rules import RuleContext, active_learner_ids, award_tracks

logger = logging.getLogger(__name__)

#: A running closure whose counters have not moved for this long is taken as
#: lost (worker killed) and may be started again.
STALE_AFTER = dt.timedelta(minutes=15)


def chunk_size() -> int:
    """Learners per chunk: one transaction and one counter update each."""
    return int(getattr(settings, "CERTIFICATION_CLOSURE_CHUNK", 500))


class ClosureRefused(Exception):
    """A close that cannot start now; ``str(error)`` is a French message."""


def is_running(closure: SessionClosure | None) -> bool:
    """Running and not stale (its counters moved within ``STALE_AFTER``)."""
    return (
        closure is not None
        and closure.state == SessionClosure.State.RUNNING
        and closure.updated_at > timezone.now() - STALE_AFTER
    )


def start_closure(session: Session, by: User | None) -> SessionClosure:
    """Record the close of ``session`` by ``by`` (None: the automatic close)
    and enqueue the bulk issue.

    Raises ``ClosureRefused`` when the session has no cohort, has not reached
    its last day, or a close is already running. Audited.
    """
    from . import tasks

    if not Cohort.objects.filter(session_id=session.pk).exists():
        raise ClosureRefused(_("Cette session n'a pas de cohorte : rien à clôturer."))
    if session.ends_on > timezone.localdate():
        raise ClosureRefused(
            _("La session n'est pas terminée : clôture possible à partir du %(day)s.")
            % {"day": session.ends_on.strftime("%d/%m/%Y")}
        )
    with transaction.atomic():
        closure, created = SessionClosure.objects.select_for_update().get_or_create(
            session=session, defaults={"closed_by": by}
        )
        if not created and is_running(closure):
            raise ClosureRefused(_("La clôture de cette session est déjà en cours."))
        closure.state = SessionClosure.State.RUNNING
        closure.closed_by = by
        closure.processed = 0
        closure.issued = 0
        closure.error = ""
        closure.finished_at = None
        closure.save()
        audit.record(
            by,
            [closure],
            audit.ADDITION if created else audit.CHANGE,
            _("Clôture de session demandée")
            if created
            else _("Clôture de session relancée"),
            logger=logger,
        )
        session_id, user_id = session.pk, getattr(by, "pk", None)
        transaction.on_commit(lambda: tasks.close_session.delay(session_id, user_id))
    return closure


def close_ended_sessions() -> int:
    """Beat (daily): close the sessions that ended ``ATTESTATION_AUTO_CLOSE_DAYS``
    days ago or more and were never closed, so nobody waits for a click
    (0 turns it off). Cancelled sessions and sessions without a cohort are left
    alone. Returns how many closes were started.
    """
    days = settings.ATTESTATION_AUTO_CLOSE_DAYS
    if days <= 0:
        return 0
    last_day = timezone.localdate() - dt.timedelta(days=days)
    sessions = (
        Session.objects.filter(ends_on__lte=last_day, closure__isnull=True)
        .exclude(status=Session.Status.CANCELLED)
        .filter(pk__in=Cohort.objects.values("session_id"))
        .order_by("ends_on", "pk")
    )
    started = 0
    for session in sessions[:200]:  # the next day's run takes the rest
        try:
            start_closure(session, None)
        except ClosureRefused as refusal:
            logger.info(
                "automatic close of session=%s refused: %s", session.pk, refusal
            )
            continue
        started += 1
    if started:
        logger.info("automatic close started for %s session(s)", started)
    return started


def run_closure(session_id: int, user_id: int | None) -> None:
    """Issue the attestations of the closed session ``session_id``.

    Participation to every active learner with more than zero hours, completion
    where the rule holds (both origin "clôture"), in chunks of ``chunk_size()``
    learners through ``issuance.issue_many``; then the track attestations these
    completions finish. Updates the counters after each chunk; ends in state
    *done*, or *failed* with a French ``error`` (logged, not raised: the page
    shows it and the staff can start the close again). Audited.
    """
    session = Session.objects.select_related("training").get(pk=session_id)
    closure, _created = SessionClosure.objects.get_or_create(
        session=session, defaults={"closed_by_id": user_id}
    )
    by = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        issued = _issue_all(session, closure)
    except Exception as error:
        logger.exception("closure of session=%s failed", session_id)
        SessionClosure.objects.filter(pk=closure.pk).update(
            state=SessionClosure.State.FAILED,
            error=_("La clôture a échoué : %(error)s") % {"error": error},
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return
    SessionClosure.objects.filter(pk=closure.pk).update(
        state=SessionClosure.State.DONE,
        error="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    closure.refresh_from_db()
    audit.record(
        by,
        [closure],
        audit.CHANGE,
        _(
            "Session clôturée : %(issued)s attestation(s) émise(s) pour %(learners)s "
            "apprenant·e(s)"
        )
        % {"issued": issued, "learners": closure.learners},
        logger=logger,
    )


def _issue_all(session: Session, closure: SessionClosure) -> int:
    cohort = Cohort.objects.filter(session_id=session.pk).first()
    if cohort is None:
        raise ValueError(_("cette session n'a pas de cohorte"))
    user_ids = active_learner_ids(cohort)
    SessionClosure.objects.filter(pk=closure.pk).update(
        state=SessionClosure.State.RUNNING,
        learners=len(user_ids),
        processed=0,
        issued=0,
        error="",
        updated_at=timezone.now(),
    )
    context = RuleContext.load(cohort)
    size = chunk_size()
    issued = 0
    for start in range(0, len(user_ids), size):
        chunk = user_ids[start : start + size]
        evaluations = context.evaluate(chunk)
        users = User.objects.in_bulk(chunk)
        items: list[tuple[User, str, AttestationContent]] = []
        completed: list[int] = []
        for user_id in chunk:
            evaluation = evaluations[user_id]
            if evaluation.participation_hours > 0:
                items.append(
                    (
                        users[user_id],
                        Attestation.Kind.PARTICIPATION,
                        evaluation.participation,
                    )
                )
            if evaluation.holds:
                items.append(
                    (users[user_id], Attestation.Kind.COMPLETION, evaluation.completion)
                )
                completed.append(user_id)
        created = issue_many(
            items,
            session=session,
            origin=Attestation.Origin.CLOSURE,
            chunk_size=max(len(items), 1),
        )
        created += award_tracks(session, completed)
        issued += created
        SessionClosure.objects.filter(pk=closure.pk).update(
            processed=F("processed") + len(chunk),
            issued=F("issued") + created,
            updated_at=timezone.now(),
        )
    return issued
