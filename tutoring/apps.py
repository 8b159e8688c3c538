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
        # --- cohorts: navigation, dashboard panels, demo ---
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
        demo.register()
        # --- end cohorts ---
        # --- dashboard ---
        # --- end dashboard ---
        # --- discussions and notifications ---
        from lms import navigation

        navigation.register(
            navigation.NavItem(
                "notifications", _("Notifications"), "tutoring:notifications", 70
            )
        )
        # --- end discussions and notifications ---
        # --- chat ---
        from lms.demo import register_step

        from .chat import seed_demo_chat

        register_step(seed_demo_chat)
        # --- end chat ---
        # --- assignments and nudges ---
        # --- end assignments and nudges ---
