"""Rules a staff change to a session must follow, in the admin form and the import."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Session


def session_change_errors(
    session: Session, previous_status: str | None
) -> list[tuple[str, str]]:
    """Problems (field name, French message) with saving ``session`` as it stands.

    ``previous_status`` is the stored status (None for a new session). Seats
    already taken bound the capacity; a cancelled session stays cancelled; staff
    cannot mark "full" a session with seats left (a full session whose capacity
    is raised reopens by itself: see ``needs_seat_refresh``).
    """
    errors: list[tuple[str, str]] = []
    taken = session.seats_taken or 0
    if session.capacity is not None and taken > session.capacity:
        errors.append(
            (
                "capacity",
                ngettext(
                    "%(taken)s inscription est déjà acceptée : le nombre de places "
                    "ne peut pas être inférieur à %(taken)s.",
                    "%(taken)s inscriptions sont déjà acceptées : le nombre de "
                    "places ne peut pas être inférieur à %(taken)s.",
                    taken,
                )
                % {"taken": taken},
            )
        )
    if (
        previous_status == Session.Status.CANCELLED
        and session.status != Session.Status.CANCELLED
    ):
        errors.append(
            (
                "status",
                _(
                    "Une session annulée ne peut pas être rouverte : créez une "
                    "nouvelle session."
                ),
            )
        )
    if (
        session.status == Session.Status.FULL
        and previous_status != Session.Status.FULL
        and session.capacity is not None
        and taken < session.capacity
    ):
        errors.append(
            (
                "status",
                _(
                    "Il reste des places : une session n'est « Complète » que si "
                    "toutes ses places sont prises. Choisissez « Inscriptions "
                    "ouvertes » ou « Inscriptions clôturées »."
                ),
            )
        )
    return errors


def needs_seat_refresh(
    session: Session, previous_capacity: int | None, previous_status: str | None
) -> bool:
    """True when a saved change may free seats for waitlisted people (or reopen a
    full session): call ``catalogue.services.promote_waitlisted`` then."""
    if previous_capacity is None:
        return False
    return session.capacity > previous_capacity or session.status != previous_status
