"""Who may do what in the catalogue. Every view, API and admin view asks here.

Object rules (``lms.permissions.check_object_permission(user, action, obj)``),
one section per area.
"""

from __future__ import annotations

from typing import Any

from lms.permissions import has_role, rule
from lms.roles import Role

# --- registrations -------------------------------------------------------------------
#
# * ``catalogue.view_registration`` (Registration): the registered person, and
#   IFPC staff (registrations managers, catalogue managers, administrators).
# * ``catalogue.cancel_registration`` (Registration): the registered person (the
#   service enforces the deadline) and registrations managers / administrators.
# * ``catalogue.view_registrants`` (Session): IFPC staff (catalogue managers read
#   only); also covers the registrants exports.
# * ``catalogue.decide_registrations`` (Session): registrations managers and
#   administrators (accept, refuse, waitlist, cancel on behalf).

#: Staff who act on registrations.
REGISTRATION_DECIDER_ROLES = (Role.REGISTRATIONS_MANAGER, Role.ADMINISTRATOR)
#: Staff who see registrations (catalogue managers read only).
REGISTRATION_READER_ROLES = (*REGISTRATION_DECIDER_ROLES, Role.CATALOGUE_MANAGER)


def can_read_registrations(user: Any) -> bool:
    """IFPC staff who may open the approval queue and registrant lists."""
    return bool(user.is_authenticated and has_role(user, *REGISTRATION_READER_ROLES))


def can_decide_registrations(user: Any) -> bool:
    """IFPC staff who may accept, refuse or waitlist registrations."""
    return bool(user.is_authenticated and has_role(user, *REGISTRATION_DECIDER_ROLES))


@rule("catalogue.view_registration")
def _can_view_registration(user: Any, registration: Any) -> bool:
    return registration.user_id == user.pk or has_role(user, *REGISTRATION_READER_ROLES)


@rule("catalogue.cancel_registration")
def _can_cancel_registration(user: Any, registration: Any) -> bool:
    return registration.user_id == user.pk or has_role(
        user, *REGISTRATION_DECIDER_ROLES
    )


@rule("catalogue.view_registrants")
def _can_view_registrants(user: Any, session: Any) -> bool:
    return has_role(user, *REGISTRATION_READER_ROLES)


@rule("catalogue.decide_registrations")
def _can_decide_registrations(user: Any, session: Any) -> bool:
    return has_role(user, *REGISTRATION_DECIDER_ROLES)


# --- end registrations ---------------------------------------------------------------
