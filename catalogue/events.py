"""Domain events sent by ``catalogue``; higher apps (tutoring, live) subscribe.

``registration_accepted``
    Sent after the transaction commits whenever a registration becomes
    ACCEPTED: directly (automatic policy), by a staff decision, or by promotion
    from the waitlist. ``sender`` is ``Registration``; the keyword argument
    ``event`` is a :class:`RegistrationAccepted`. Tutoring subscribes to enrol
    the person in the session's cohort.

``registration_cancelled``
    Sent after the transaction commits whenever an active registration
    (pending, accepted or waitlisted) is cancelled, by the person or by staff.
    ``sender`` is ``Registration``; ``event`` is a :class:`RegistrationCancelled`
    (``was_accepted`` tells whether the person held a seat, i.e. whether a
    cohort enrolment must be withdrawn).

Subscribe in ``AppConfig.ready()`` with a ``dispatch_uid``; a handler calls one
service or enqueues one task. Never sent for a rolled-back transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

registration_accepted = Signal()
registration_cancelled = Signal()


@dataclass(frozen=True, slots=True)
class RegistrationAccepted:
    registration_id: int
    user_id: int
    session_id: int
    training_id: int
    course_template_id: int | None


@dataclass(frozen=True, slots=True)
class RegistrationCancelled:
    registration_id: int
    user_id: int
    session_id: int
    training_id: int
    was_accepted: bool
