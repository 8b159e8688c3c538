"""App configuration of ``catalogue``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        # --- search index signals ---
        # --- end search index signals ---
        # --- registration: dashboard panel, navigation, event handlers ---
        # --- end registration ---
        # --- demo data, workflow ---
        # --- end demo data, workflow ---
        pass
