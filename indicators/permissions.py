"""Who may see the IFPC indicators and ask for a refresh: IFPC staff only."""

from __future__ import annotations

from typing import Any

from lms.permissions import is_ifpc_staff, rule


@rule("indicators.view_dashboard")
def can_view_dashboard(user: Any, obj: Any = None) -> bool:
    """IFPC staff (catalogue, registrations managers, administrators) see the
    indicators of every network and province; nobody else does (a school
    director's own-school view is a later feature)."""
    return is_ifpc_staff(user)


@rule("indicators.request_refresh")
def can_request_refresh(user: Any, obj: Any = None) -> bool:
    """IFPC staff may ask for the aggregates to be recomputed now."""
    return is_ifpc_staff(user)
