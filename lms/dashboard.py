"""Personal dashboard: panels registered by apps, shown according to roles.

Each app contributes panels (``register_panel``) that render a template with a
context computed for the user; later issues replace the core's empty-state
panels ("Mes formations", "Mes cohortes") with real content by key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .permissions import roles_of
from .roles import IFPC_STAFF_ROLES, Role

LEARNER_ROLES = frozenset(
    {Role.TEACHER, Role.CTP, Role.DCO, Role.INTERNAL_TRAINER, Role.SCHOOL_DIRECTOR}
)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template_name: str
    order: int
    roles: frozenset[str] = field(default_factory=frozenset)
    get_context: Callable[[Any], dict[str, Any]] | None = None

    def visible_to(self, user: Any) -> bool:
        return not self.roles or bool(roles_of(user) & self.roles)


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add or replace a dashboard panel (keyed by ``panel.key``)."""
    _PANELS[panel.key] = panel


def panels_for(user: Any) -> list[dict[str, Any]]:
    """The panels ``user`` sees, each with its rendered context."""
    panels = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        if panel.visible_to(user):
            context = panel.get_context(user) if panel.get_context else {}
            panels.append({"panel": panel, "context": context})
    return panels


def _directed_establishments(user: Any) -> dict[str, Any]:
    from .selectors import establishments_directed_by

    return {"establishments": establishments_directed_by(user)}


register_panel(
    Panel(
        "my_trainings",
        _("Mes formations"),
        "lms/panels/my_trainings.html",
        10,
        roles=LEARNER_ROLES,
    )
)
register_panel(
    Panel(
        "my_cohorts",
        _("Mes cohortes"),
        "lms/panels/my_cohorts.html",
        20,
        roles=frozenset({Role.TUTOR}),
    )
)
register_panel(
    Panel(
        "my_establishments",
        _("Mes établissements"),
        "lms/panels/my_establishments.html",
        30,
        roles=frozenset({Role.SCHOOL_DIRECTOR}),
        get_context=_directed_establishments,
    )
)
register_panel(
    Panel(
        "ifpc_tools",
        _("Outils IFPC"),
        "lms/panels/ifpc_tools.html",
        40,
        roles=frozenset(IFPC_STAFF_ROLES),
    )
)
