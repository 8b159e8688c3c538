"""What registrations add to the shared dashboard and navigation (see ``lms``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.dashboard import LEARNER_ROLES, Panel, register_panel
from lms.navigation import NavItem, register

#: How many upcoming registrations the dashboard panel lists.
PANEL_SIZE = 5


def my_registrations_context(user: Any) -> dict[str, Any]:
    """The person's next active registrations (one query)."""
    from .models import Registration

    registrations = (
        Registration.objects.active()
        .filter(user=user, session__ends_on__gte=timezone.localdate())
        .select_related("session__training")
        .order_by("session__starts_on", "pk")[:PANEL_SIZE]
    )
    return {"registrations": list(registrations)}


def register_dashboard() -> None:
    """Add the "Mes inscriptions" panel and navigation item for learners."""
    register_panel(
        Panel(
            "my_registrations",
            _("Mes inscriptions"),
            "catalogue/registration_panel.html",
            15,
            roles=LEARNER_ROLES,
            get_context=my_registrations_context,
        )
    )
    register(
        NavItem(
            "my_registrations",
            _("Mes inscriptions"),
            "catalogue:my_registrations",
            20,
            roles=LEARNER_ROLES,
        )
    )
