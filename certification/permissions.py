"""Who sees and does what in ``certification``.

* ``certification.view_attestation`` (Attestation): its holder, and IFPC staff
  (catalogue/registrations managers, administrators). Tutors do not.
* ``certification.manage_attestations`` (no object; ``has_role``): IFPC staff —
  rules, session close, manual issue, revocation, dead letters.
* Verification pages and the published keys and status lists are public.
"""

from __future__ import annotations

from typing import Any

from lms.permissions import is_ifpc_staff, rule


def is_certification_staff(user: Any) -> bool:
    """IFPC staff (catalogue or registrations managers, administrators)."""
    return bool(user.is_authenticated) and (user.is_superuser or is_ifpc_staff(user))


@rule("certification.view_attestation")
def _can_view_attestation(user: Any, attestation: Any) -> bool:
    return attestation.user_id == user.pk or is_certification_staff(user)
