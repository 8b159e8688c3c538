"""Application configuration of ``indicators``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicateurs IFPC")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the object rules)
