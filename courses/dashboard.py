"""What ``courses`` adds to the shared dashboard and navigation (see ``lms``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from lms.dashboard import LEARNER_ROLES, Panel, register_panel
from lms.navigation import NavItem, register

from .permissions import MANAGER_ROLES


def my_courses_context(user: Any) -> dict[str, Any]:
    """The learner's active runs with their progress (one query)."""
    from .selectors import learner_courses

    return {"courses": learner_courses(user)}


def register_dashboard() -> None:
    """Replace the core's empty "my trainings" panel and add the staff menu item."""
    register_panel(
        Panel(
            "my_trainings",
            _("Mes cours"),
            "courses/panels/my_courses.html",
            10,
            roles=LEARNER_ROLES,
            get_context=my_courses_context,
        )
    )
    register(
        NavItem(
            "course_manage",
            _("Cours en ligne"),
            "courses:course_manage_list",
            70,
            roles=frozenset(MANAGER_ROLES),
        )
    )
