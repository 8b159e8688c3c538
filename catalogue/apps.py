"""App configuration of ``catalogue``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        # --- search index signals ---
        from . import signal_handlers_search

        signal_handlers_search.connect()
        # --- end search index signals ---
        # --- registration: dashboard panel, navigation, event handlers ---
        from . import permissions  # noqa: F401  (registers the object rules)
        from .dashboard import register_dashboard

        register_dashboard()
        # --- end registration ---
        # --- demo data, workflow ---
        from django.db.models.signals import post_migrate, post_save

        from lms.navigation import NavItem
        from lms.navigation import register as register_nav_item

        from . import demo, workflow
        from .models import CatalogueIndexPage

        post_migrate.connect(
            workflow.setup_after_migrate, dispatch_uid="catalogue.moderation_setup"
        )
        post_save.connect(
            workflow.setup_for_new_index,
            sender=CatalogueIndexPage,
            dispatch_uid="catalogue.moderation_new_index",
        )
        register_nav_item(
            NavItem("catalogue", _("Catalogue"), "catalogue:index", 5, public=True)
        )
        demo.register()
        # --- end demo data, workflow ---
        pass
