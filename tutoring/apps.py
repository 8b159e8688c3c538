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
        # --- end cohorts ---
        # --- dashboard ---
        # --- end dashboard ---
        # --- discussions and notifications ---
        # --- end discussions and notifications ---
        # --- chat ---
        # --- end chat ---
        # --- assignments and nudges ---
        # --- end assignments and nudges ---
