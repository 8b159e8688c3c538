"""Services of the catalogue: the only code that changes registrations and seats.

Capacity is guarded three times: every change takes the session's row lock
(``SELECT … FOR UPDATE``) inside one transaction, seats are counted on the
locked row (``Session.seats_taken``), and a database check keeps
``seats_taken <= capacity``. Status changes go through ``catalogue.flows``,
which writes the audit log. E-mails and domain events leave only after commit.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lms import audit
from lms.permissions import has_role, roles_of

from .errors import RegistrationError
from .events import (
    RegistrationAccepted,
    RegistrationCancelled,
    registration_accepted,
    registration_cancelled,
)
from .flows import RegistrationFlow, SessionSeats
from .models import (
    Registration,
    RegistrationLog,
    Session,
    TrackPage,
    TrackRegistration,
    TrainingPage,
)
from .models.taxonomy import AUDIENCE_OF_ROLE
from .permissions import REGISTRATION_DECIDER_ROLES

logger = logging.getLogger(__name__)

Status = Registration.Status

#: Roles that may decide on registrations and cancel them at any time.
REGISTRATION_STAFF_ROLES = REGISTRATION_DECIDER_ROLES


# --- Audience ----------------------------------------------------------------------


def audiences_of(user: Any) -> frozenset[str]:
    """The audience codes (``Audience``) of ``user``'s roles."""
    return frozenset(
        AUDIENCE_OF_ROLE[role] for role in roles_of(user) if role in AUDIENCE_OF_ROLE
    )


def is_audience_mismatch(user: Any, training: TrainingPage) -> bool:
    """True when ``training`` targets audiences and ``user`` belongs to none of them."""
    targeted = {a.code for a in training.audiences.all()}
    return bool(targeted) and not (targeted & audiences_of(user))


# --- Registering to a session ---------------------------------------------------------


def _locked_session(session_id: int) -> Session:
    """Lock the session row (not the page row) for the rest of the transaction."""
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("training")
        .get(pk=session_id)
    )


def _check_open(session: Session, now: Any) -> None:
    """Raise a French ``RegistrationError`` unless ``session`` takes registrations."""
    if not session.training.live:
        raise RegistrationError(
            _("Cette formation n'est pas publiée."), code="not_published"
        )
    status = session.status
    if status == Session.Status.CANCELLED:
        raise RegistrationError(_("Cette session a été annulée."), code="cancelled")
    if status == Session.Status.PLANNED:
        raise RegistrationError(
            _("Les inscriptions à cette session ne sont pas encore ouvertes."),
            code="not_open",
        )
    if status == Session.Status.CLOSED or now >= session.registration_closes_at:
        raise RegistrationError(
            _("Les inscriptions à cette session sont clôturées."), code="closed"
        )
    if session.registration_opens_at and now < session.registration_opens_at:
        opens = formats.date_format(
            timezone.localtime(session.registration_opens_at), "DATETIME_FORMAT"
        )
        raise RegistrationError(
            _("Les inscriptions à cette session ouvriront le %(date)s.")
            % {"date": opens},
            code="not_open",
        )


def registration_problem(session: Session) -> str:
    """Why ``session`` takes no new registration now, in French ('' if it does)."""
    try:
        _check_open(session, timezone.now())
    except RegistrationError as error:
        return error.message
    if session.seats_left == 0 and not session.has_waitlist:
        return _full_error().message
    return ""


def _full_error() -> RegistrationError:
    return RegistrationError(
        _("Cette session est complète et n'a pas de liste d'attente."), code="full"
    )


def register_for_session(
    user: Any,
    session: Session,
    *,
    motivation: str = "",
    track_registration: TrackRegistration | None = None,
) -> Registration:
    """Register ``user`` to ``session`` and return the registration.

    Preconditions: the training is live, the session is OPEN (or FULL with a
    waitlist) and inside its registration window; otherwise ``RegistrationError``
    with a French message. Idempotent: when ``user`` already holds an active
    registration to ``session`` (pending, accepted or waitlisted), it is returned
    unchanged (double submit, retries).

    Outcome by ``session.policy``, decided while holding the session's row lock:
    AUTOMATIC → ACCEPTED while a seat is free (the last seat turns an OPEN
    session FULL), else WAITLISTED if the session has a waitlist, else
    ``RegistrationError``; MANUAL and MANUAL_PRIORITY → PENDING (staff decide
    with ``decide_registrations``). ``is_audience_mismatch`` records whether the
    person is outside the training's targeted audiences.

    Side effects after commit: ``registration_accepted`` when accepted, and the
    matching e-mail (confirmation with .ics, pending or waitlisted).
    """
    now = timezone.now()
    existing = _active_registration(session, user)
    if existing is not None:
        return _attach_track(existing, track_registration)
    # Read what does not depend on the seats before queueing for the lock, and
    # keep the locked part to a few statements: every registrant waits for it.
    mismatch = is_audience_mismatch(user, session.training)
    try:
        with transaction.atomic():
            locked = _locked_session(session.pk)
            _check_open(locked, now)
            seats = SessionSeats(locked)
            if locked.policy == Session.Policy.AUTOMATIC:
                if seats.has_free_seat:
                    status = Status.ACCEPTED
                elif locked.has_waitlist:
                    status = Status.WAITLISTED
                else:
                    raise _full_error()
            else:
                if locked.status == Session.Status.FULL and not locked.has_waitlist:
                    raise _full_error()
                status = Status.PENDING
            flow = RegistrationFlow.start(
                session=locked,
                user=user,
                status=status,
                actor=user,
                motivation=motivation.strip()[:2000],
                is_audience_mismatch=mismatch,
                track_registration=track_registration,
            )
            if status == Status.ACCEPTED:
                seats.take()
            _after_commit(flow.registration, flow.last_log, locked)
    except IntegrityError:
        # The same person registered concurrently (double submit): the partial
        # unique constraint refused this one, so hand back the one that won.
        existing = _active_registration(session, user)
        if existing is None:
            raise
        return _attach_track(existing, track_registration)
    registration = flow.registration
    logger.info(
        "registration %s of user %s to session %s: %s",
        registration.pk,
        getattr(user, "pk", None),
        locked.pk,
        registration.status,
    )
    return registration


def _attach_track(
    registration: Registration, track_registration: TrackRegistration | None
) -> Registration:
    """Link an existing registration to the track registration that needs it."""
    if track_registration is not None and registration.track_registration_id is None:
        registration.track_registration = track_registration
        registration.save(update_fields=["track_registration", "updated_at"])
    return registration


def _active_registration(session: Session, user: Any) -> Registration | None:
    return Registration.objects.active().filter(session=session, user=user).first()


# --- Cancelling ---------------------------------------------------------------------


def can_cancel_anytime(actor: Any) -> bool:
    """Staff who may cancel any registration, even after the deadline."""
    return has_role(actor, *REGISTRATION_STAFF_ROLES)


def cancel_registration(registration: Registration, *, actor: Any) -> Registration:
    """Cancel an active registration and return it.

    ``actor`` is the registered person (only before the session's effective
    cancellation deadline) or registrations staff (at any time); anyone else
    gets ``RegistrationError``. An already cancelled or refused registration
    raises ``RegistrationError``.

    When the cancelled registration held a seat, in the same transaction the
    oldest waitlisted registration (FIFO by ``created_at``) is promoted to
    ACCEPTED and takes the seat; if nobody waits the seat is freed and a FULL
    session becomes OPEN again. After commit: ``registration_cancelled``, the
    cancellation e-mail, and for a promotion ``registration_accepted`` and the
    promotion e-mail (with .ics).
    """
    is_staff = can_cancel_anytime(actor)
    if not is_staff and getattr(actor, "pk", None) != registration.user_id:
        raise RegistrationError(
            _("Vous ne pouvez annuler que vos propres inscriptions."), code="forbidden"
        )
    now = timezone.now()
    with transaction.atomic():
        session = _locked_session(registration.session_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if not current.is_active:
            raise RegistrationError(
                _("Cette inscription n'est plus active (%(status)s).")
                % {"status": current.get_status_display()},
                code="inactive",
            )
        deadline = session.effective_cancellation_deadline
        if not is_staff and now >= deadline:
            raise RegistrationError(
                _(
                    "La date limite de désinscription (%(date)s) est dépassée. "
                    "Contactez l'IFPC pour annuler votre inscription."
                )
                % {
                    "date": formats.date_format(
                        timezone.localtime(deadline), "DATETIME_FORMAT"
                    )
                },
                code="deadline",
            )
        was_accepted = current.status == Status.ACCEPTED
        flow = RegistrationFlow(current)
        log = flow.cancel(actor=actor)
        _after_commit(current, log, session, was_accepted=was_accepted)
        if was_accepted:
            _fill_freed_seat(session)
    return current


def _fill_freed_seat(session: Session) -> Registration | None:
    """Give a freed seat to the first waitlisted person, or free it (lock held)."""
    promoted = None
    if session.status != Session.Status.CANCELLED:
        promoted = (
            Registration.objects.select_for_update()
            .filter(session=session, status=Status.WAITLISTED)
            .order_by("created_at", "pk")
            .first()
        )
    if promoted is None:
        SessionSeats(session).free()
        return None
    log = RegistrationFlow(promoted).promote()
    _after_commit(promoted, log, session)
    return promoted


def cancel_session_registrations(
    session: Session, *, actor: Any, note: str = ""
) -> list[Registration]:
    """Cancel every active registration of a CANCELLED session; return them.

    Call when staff cancel a session. Holds the session's row lock; each
    registration is cancelled through the flow (logged with ``note``), its seat is
    released, and after commit each person gets the cancellation e-mail and
    ``registration_cancelled`` is sent. Raises ``RegistrationError`` when the
    session is not cancelled. Running it again cancels nothing more.
    """
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if locked.status != Session.Status.CANCELLED:
            raise RegistrationError(
                _("La session doit d'abord être annulée."), code="not_cancelled"
            )
        active = list(
            Registration.objects.select_for_update()
            .filter(session=locked, status__in=Registration.ACTIVE_STATUSES)
            .order_by("created_at", "pk")
        )
        for registration in active:
            was_accepted = registration.status == Status.ACCEPTED
            log = RegistrationFlow(registration).cancel(actor=actor, note=note)
            _after_commit(registration, log, locked, was_accepted=was_accepted)
        if locked.seats_taken:
            locked.seats_taken = 0
            locked.save(update_fields=["seats_taken", "updated_at"])
    logger.info(
        "session %s cancelled: %s registrations cancelled", session.pk, len(active)
    )
    return active


def promote_waitlisted(session: Session) -> list[Registration]:
    """Give every free seat of ``session`` to waitlisted people, oldest first.

    Call after staff raise a session's capacity (or reopen it). Holds the
    session's row lock; each promotion is logged, e-mailed and announced with
    ``registration_accepted`` after commit, exactly like a promotion on
    cancellation. A cancelled session promotes nobody. Returns the promoted
    registrations.
    """
    promoted: list[Registration] = []
    with transaction.atomic():
        locked = _locked_session(session.pk)
        if locked.status == Session.Status.CANCELLED:
            return promoted
        seats = SessionSeats(locked)
        free = locked.capacity - locked.seats_taken
        waiting = list(
            Registration.objects.select_for_update()
            .filter(session=locked, status=Status.WAITLISTED)
            .order_by("created_at", "pk")[: max(free, 0)]
        )
        for registration in waiting:
            log = RegistrationFlow(registration).promote()
            seats.take()
            _after_commit(registration, log, locked)
            promoted.append(registration)
        seats.refresh_status()
    return promoted


# --- Staff decisions ------------------------------------------------------------------


class Decision:
    ACCEPT = "accept"
    REFUSE = "refuse"
    WAITLIST = "waitlist"
    CHOICES = (ACCEPT, REFUSE, WAITLIST)


@dataclass
class DecisionReport:
    """What ``decide_registrations`` did: ids changed, and ids left with a reason."""

    changed: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def skipped_ids(self) -> list[int]:
        return [pk for pk, _reason in self.skipped]


def decide_registrations(
    registrations: Iterable[Registration],
    *,
    decision: str,
    actor: Any,
    note: str = "",
) -> DecisionReport:
    """Accept, refuse or waitlist several registrations at once (staff only).

    ``decision`` is one of ``Decision.CHOICES``; ``actor`` must be registrations
    staff (else ``RegistrationError``). Registrations are handled per session,
    one transaction per session holding its row lock, in the order given.
    ACCEPT takes a seat per registration (pending or waitlisted) as long as
    seats are free; the others are reported in ``skipped`` (the session is
    full). REFUSE applies to pending and waitlisted registrations; WAITLIST to
    pending ones. Registrations in any other status are skipped with a reason.
    ``note`` is stored on the registration and the log and sent in the e-mail.
    Returns a ``DecisionReport``. E-mails and events leave after each commit.
    """
    if decision not in Decision.CHOICES:
        raise ValueError(f"Unknown decision {decision!r}")
    if not can_cancel_anytime(actor):
        raise RegistrationError(
            _("Seul le personnel chargé des inscriptions peut décider."),
            code="forbidden",
        )
    note = note.strip()
    by_session: OrderedDict[int, list[int]] = OrderedDict()
    for registration in registrations:
        ids = by_session.setdefault(registration.session_id, [])
        if registration.pk not in ids:
            ids.append(registration.pk)
    report = DecisionReport()
    for session_id, ids in by_session.items():
        with transaction.atomic():
            session = _locked_session(session_id)
            rows = Registration.objects.select_for_update().in_bulk(ids)
            seats = SessionSeats(session)
            for pk in ids:
                registration = rows.get(pk)
                if registration is None:
                    report.skipped.append((pk, _("Inscription introuvable.")))
                    continue
                reason = _decide_one(
                    registration, session, seats, decision, actor, note
                )
                if reason:
                    report.skipped.append((pk, reason))
                else:
                    report.changed.append(pk)
    return report


def _decide_one(
    registration: Registration,
    session: Session,
    seats: SessionSeats,
    decision: str,
    actor: Any,
    note: str,
) -> str:
    """Apply ``decision`` to one locked registration; return why not, or ''."""
    status = registration.status
    flow = RegistrationFlow(registration)
    if decision == Decision.ACCEPT:
        if status not in (Status.PENDING, Status.WAITLISTED):
            return _("Déjà %(status)s.") % {"status": registration.get_status_display()}
        if session.status == Session.Status.CANCELLED:
            return _("La session est annulée.")
        if not seats.has_free_seat:
            return _("Plus de place disponible dans la session.")
        log = flow.accept(actor=actor, note=note)
        seats.take()
    elif decision == Decision.REFUSE:
        if status not in (Status.PENDING, Status.WAITLISTED):
            return _("Déjà %(status)s.") % {"status": registration.get_status_display()}
        log = flow.refuse(actor=actor, note=note)
    else:
        if status != Status.PENDING:
            return _(
                "Seule une inscription en attente de validation peut être "
                "placée sur liste d'attente."
            )
        log = flow.waitlist(actor=actor, note=note)
    audit.event(
        actor,
        audit.Action.REGISTRATION_DECIDED,
        " — ".join(p for p in (registration.get_status_display(), note) if p),
        obj=registration,
        object_label=_("Inscription n° %(id)s à la session %(code)s")
        % {"id": registration.pk, "code": session.code},
    )
    _after_commit(registration, log, session)
    return ""


# --- Tracks -------------------------------------------------------------------------


def is_eligible_for_track(user: Any, track: TrackPage) -> bool:
    """True when ``track`` is open to all, or to one of ``user``'s functions."""
    eligible = {a.code for a in track.eligible_audiences.all()}
    return not eligible or bool(eligible & audiences_of(user))


def register_for_track(user: Any, track: TrackPage) -> TrackRegistration:
    """Register ``user`` to ``track`` and to the fixed session of each step.

    Preconditions: the track is live and ``user`` holds one of its eligible
    functions (``TrackPage.eligible_audiences``, compared through
    ``AUDIENCE_OF_ROLE``); otherwise ``RegistrationError``. Idempotent: an
    active track registration is returned as is.

    All or nothing: one transaction creates the ``TrackRegistration`` and calls
    ``register_for_session`` for every step with a fixed session (sessions are
    locked in id order, so concurrent track registrations cannot deadlock); any
    step's ``RegistrationError`` (prefixed with the step) rolls everything back.
    Steps without a fixed session stay "to choose". Side effects are those of
    ``register_for_session``, after commit.
    """
    if not track.live:
        raise RegistrationError(
            _("Ce parcours n'est pas publié."), code="not_published"
        )
    if not is_eligible_for_track(user, track):
        names = ", ".join(str(a) for a in track.eligible_audiences.all())
        raise RegistrationError(
            _("Ce parcours est réservé aux fonctions suivantes : %(names)s.")
            % {"names": names},
            code="ineligible",
        )
    steps = list(
        track.steps.select_related("training", "session").order_by("sort_order")
    )
    with transaction.atomic():
        existing = TrackRegistration.objects.filter(
            track=track, user=user, status=TrackRegistration.Status.ACTIVE
        ).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                track_registration = TrackRegistration.objects.create(
                    track=track, user=user
                )
        except IntegrityError:
            return TrackRegistration.objects.get(
                track=track, user=user, status=TrackRegistration.Status.ACTIVE
            )
        numbered = [(n, s) for n, s in enumerate(steps, start=1) if s.session_id]
        for number, step in sorted(numbered, key=lambda item: item[1].session_id):
            try:
                register_for_session(
                    user, step.session, track_registration=track_registration
                )
            except RegistrationError as error:
                raise RegistrationError(
                    _("Étape %(number)s (%(title)s) : %(message)s")
                    % {
                        "number": number,
                        "title": step.training.title,
                        "message": error.message,
                    },
                    code=error.code,
                ) from error
    return track_registration


# --- After commit -------------------------------------------------------------------


def _after_commit(
    registration: Registration,
    log: RegistrationLog,
    session: Session,
    *,
    was_accepted: bool = False,
) -> None:
    """Queue the e-mail of ``log`` and the domain event, both after commit."""
    from .tasks import send_registration_email

    send_registration_email.delay_on_commit(log.pk)
    if log.to_status == Status.ACCEPTED:
        event = RegistrationAccepted(
            registration_id=registration.pk,
            user_id=registration.user_id,
            session_id=session.pk,
            training_id=session.training_id,
            course_template_id=session.training.course_template_id,
        )
        transaction.on_commit(
            lambda: registration_accepted.send(sender=Registration, event=event)
        )
    elif log.to_status == Status.CANCELLED:
        cancelled = RegistrationCancelled(
            registration_id=registration.pk,
            user_id=registration.user_id,
            session_id=session.pk,
            training_id=session.training_id,
            was_accepted=was_accepted,
        )
        transaction.on_commit(
            lambda: registration_cancelled.send(sender=Registration, event=cancelled)
        )
