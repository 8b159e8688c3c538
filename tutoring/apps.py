"""App configuration of ``tutoring``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TutoringConfig(AppConfig):
    name = "tutoring"
    verbose_name = _("Tutorat")

    def ready(self) -> None:
        from . import (
            handlers,
            permissions,  # noqa: F401  (registers the object rules)
        )

        handlers.connect()
        from courses.permissions import register_learner_scope

        register_learner_scope(permissions.course_learner_scope)
        # Navigation, dashboard panels, demo data.
        from lms import navigation as nav
        from lms.dashboard import LEARNER_ROLES, Panel, register_panel
        from lms.roles import IFPC_STAFF_ROLES, Role

        from . import demo, selectors

        nav.register(
            nav.NavItem(
                "my_trainings",
                _("Mes formations"),
                "tutoring:my_trainings",
                15,
                roles=LEARNER_ROLES,
            )
        )
        nav.register(
            nav.NavItem(
                "tutoring",
                _("Tutorat"),
                "tutoring:cohort_list",
                25,
                roles=frozenset({Role.TUTOR, *IFPC_STAFF_ROLES}),
            )
        )
        register_panel(
            Panel(
                "my_cohorts",
                _("Mes cohortes"),
                "tutoring/panels/my_cohorts.html",
                20,
                roles=frozenset({Role.TUTOR}),
                get_context=selectors.tutor_panel_context,
            )
        )
        nav.register(
            nav.NavItem(
                "notifications", _("Notifications"), "tutoring:notifications", 70
            )
        )
        demo.register()
