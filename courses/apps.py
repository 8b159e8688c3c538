"""App configuration of ``courses``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Cours en ligne")

    def ready(self) -> None:
        # --- dashboard panel, navigation, demo data (course pages) ---
        from . import demo
        from .dashboard import register_dashboard

        register_dashboard()
        demo.register()
        # --- end dashboard panel, navigation, demo data ---
