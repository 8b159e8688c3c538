"""Read queries of the shared core, with their joins spelled out."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Establishment, RoleAssignment, User
from .roles import Role


def establishments_directed_by(user: User) -> QuerySet[Establishment]:
    """Establishments for which ``user`` holds the school director role."""
    return Establishment.objects.filter(
        role_assignments__user=user, role_assignments__role=Role.SCHOOL_DIRECTOR
    ).distinct()


def establishment_staff(establishment: Establishment) -> QuerySet[User]:
    """Active staff of ``establishment`` with their role assignments prefetched."""
    return (
        establishment.staff.filter(is_active=True)
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.order_by("role"),
            )
        )
        .order_by("last_name", "first_name", "pk")
    )


def profile_summary(user: User) -> dict[str, object]:
    """What the dashboard shows about the user: roles and establishments."""
    assignments = list(
        user.role_assignments.select_related("establishment").order_by("role")
    )
    return {
        "role_assignments": assignments,
        "establishments": list(user.establishments.order_by("name")),
    }
