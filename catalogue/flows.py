"""State machines of registrations and session seats, in one readable place.

``Registration.Status`` moves only along ``TRANSITIONS``; every move (and the
creation of a registration) writes one ``RegistrationLog`` row, so the audit
trail is complete by construction. Services call ``RegistrationFlow(r).accept()``
rather than setting ``status``; they hold the session's row lock while they do.
Each move returns the ``RegistrationLog`` it wrote (services queue the e-mail
of that log entry after commit).

Registration lifecycle (``TRANSITIONS`` below is the source of truth)::

    start     (new)                          → PENDING | ACCEPTED | WAITLISTED
    accept    PENDING, WAITLISTED            → ACCEPTED
    promote   WAITLISTED                     → ACCEPTED  (a seat freed up, no actor)
    waitlist  PENDING                        → WAITLISTED
    refuse    PENDING, WAITLISTED            → REFUSED
    cancel    PENDING, ACCEPTED, WAITLISTED  → CANCELLED

REFUSED and CANCELLED are final; registering again creates a new row (the
unique constraint only covers active statuses).

Session seats: ``OPEN`` becomes ``FULL`` when the last seat is taken and
``FULL`` becomes ``OPEN`` again when a seat frees up (other statuses are set by
staff and left alone).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import RegistrationError
from .models import Registration, RegistrationLog, Session

Status = Registration.Status

#: Statuses a new registration may start in.
INITIAL_STATUSES = frozenset({Status.PENDING, Status.ACCEPTED, Status.WAITLISTED})

#: target status → the statuses it may be reached from.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.ACCEPTED: frozenset({Status.PENDING, Status.WAITLISTED}),
    Status.WAITLISTED: frozenset({Status.PENDING}),
    Status.PENDING: frozenset(),
    Status.REFUSED: frozenset({Status.PENDING, Status.WAITLISTED}),
    Status.CANCELLED: frozenset({Status.PENDING, Status.ACCEPTED, Status.WAITLISTED}),
}

#: Transitions that are a staff decision (they set ``decided_at``/``decided_by``).
DECISIONS = frozenset({Status.ACCEPTED, Status.WAITLISTED, Status.REFUSED})


def can_transition(current: str, target: str) -> bool:
    """True when a registration in ``current`` may move to ``target``."""
    return current in TRANSITIONS.get(target, frozenset())


class RegistrationFlow:
    """The allowed moves of one registration; each save writes the audit log."""

    def __init__(self, registration: Registration) -> None:
        self.registration = registration
        self.last_log: RegistrationLog | None = None

    @classmethod
    def start(
        cls,
        *,
        session: Session,
        user: Any,
        status: str,
        actor: Any = None,
        note: str = "",
        **fields: Any,
    ) -> RegistrationFlow:
        """Create a registration in ``status`` (one of ``INITIAL_STATUSES``)."""
        if status not in INITIAL_STATUSES:
            raise ValueError(f"A registration cannot start as {status!r}")
        registration = Registration(session=session, user=user, status=status, **fields)
        if status == Status.ACCEPTED and actor is not None and actor != user:
            registration.decided_at = timezone.now()
            registration.decided_by = actor
        registration.save()
        flow = cls(registration)
        flow.last_log = _log(registration, "", status, actor or user, note)
        return flow

    def accept(self, *, actor: Any = None, note: str = "") -> RegistrationLog:
        return self._move(Status.ACCEPTED, actor, note)

    def promote(self) -> RegistrationLog:
        """Accept a waitlisted registration because a seat freed up."""
        if self.registration.status != Status.WAITLISTED:
            raise self._refusal(Status.ACCEPTED)
        return self._move(
            Status.ACCEPTED, None, "Promotion automatique depuis la liste d'attente"
        )

    def waitlist(self, *, actor: Any = None, note: str = "") -> RegistrationLog:
        return self._move(Status.WAITLISTED, actor, note)

    def refuse(self, *, actor: Any = None, note: str = "") -> RegistrationLog:
        return self._move(Status.REFUSED, actor, note)

    def cancel(self, *, actor: Any = None, note: str = "") -> RegistrationLog:
        return self._move(Status.CANCELLED, actor, note)

    def _move(self, target: str, actor: Any, note: str) -> RegistrationLog:
        registration = self.registration
        source = registration.status
        if not can_transition(source, target):
            raise self._refusal(target)
        now = timezone.now()
        registration.status = target
        fields = ["status", "updated_at"]
        if target in DECISIONS and actor is not None:
            registration.decided_at = now
            registration.decided_by = actor
            registration.decision_note = note
            fields += ["decided_at", "decided_by", "decision_note"]
        if target == Status.CANCELLED:
            registration.cancelled_at = now
            fields.append("cancelled_at")
        registration.save(update_fields=fields)
        self.last_log = _log(registration, source, target, actor, note)
        return self.last_log

    def _refusal(self, target: str) -> RegistrationError:
        current = Status(self.registration.status).label
        wanted = Status(target).label
        return RegistrationError(
            _(
                "Impossible de passer cette inscription de « %(current)s » à "
                "« %(wanted)s »."
            )
            % {"current": current, "wanted": wanted},
            code="transition",
        )


def _log(
    registration: Registration, source: str, target: str, actor: Any, note: str
) -> RegistrationLog:
    return RegistrationLog.objects.create(
        registration=registration,
        from_status=source,
        to_status=target,
        actor=actor,
        note=note[:500],
    )


class SessionSeats:
    """Seat accounting of a session whose row the caller has locked."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def has_free_seat(self) -> bool:
        return self.session.seats_taken < self.session.capacity

    def take(self) -> None:
        """Take one seat; an OPEN session that fills up becomes FULL."""
        session = self.session
        session.seats_taken += 1
        if (
            session.seats_taken >= session.capacity
            and session.status == Session.Status.OPEN
        ):
            session.status = Session.Status.FULL
        # The check constraint seats_taken <= capacity is the last guard.
        session.save(update_fields=["seats_taken", "status", "updated_at"])

    def free(self) -> None:
        """Free one seat; a FULL session reopens (the caller promotes first)."""
        session = self.session
        session.seats_taken = max(session.seats_taken - 1, 0)
        if (
            session.status == Session.Status.FULL
            and session.seats_taken < session.capacity
        ):
            session.status = Session.Status.OPEN
        session.save(update_fields=["seats_taken", "status", "updated_at"])

    def refresh_status(self) -> None:
        """After a capacity change: FULL ↔ OPEN to match the seats actually left."""
        session = self.session
        if session.status == Session.Status.FULL and self.has_free_seat:
            session.status = Session.Status.OPEN
        elif session.status == Session.Status.OPEN and not self.has_free_seat:
            session.status = Session.Status.FULL
        else:
            return
        session.save(update_fields=["status", "updated_at"])
