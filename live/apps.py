"""App configuration of ``live``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("Classes virtuelles et présentiel")

    def ready(self) -> None:
        from tutoring.cohort_tabs import CohortTab, register_cohort_tab

        from . import permissions  # noqa: F401  (registers the object rules)

        register_cohort_tab(
            CohortTab("agenda", _("Classes et présentiel"), "live:cohort_agenda", 65)
        )
        register_cohort_tab(
            CohortTab(
                "attendance", _("Présences"), "live:attendance", 66, audience="tutor"
            )
        )
        register_cohort_tab(
            CohortTab(
                "my_attendance",
                _("Mes présences"),
                "live:my_attendance",
                66,
                audience="learner",
            )
        )
        # >>> attendance (activity types, session-day sync, handlers)
        from . import activity_types, handlers

        activity_types.register()
        handlers.connect()
        # <<< attendance
        from . import demo

        demo.register()
