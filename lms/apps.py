"""App configuration of the shared core."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    default = True
    name = "lms"
    verbose_name = _("Noyau Tremplin")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signal_handlers
        from .oidc import checks  # noqa: F401 (registers the system checks)

        # Not limited to this app: the permissions that role groups carry
        # (e.g. wagtailadmin.access_admin) are created by later apps' migrate.
        post_migrate.connect(
            signal_handlers.sync_role_groups_after_migrate,
            dispatch_uid="lms.sync_role_groups",
        )


class TremplinAdminConfig(admin_apps.AdminConfig):
    """Django admin whose default site only lets administrators in."""

    default = False
    default_site = "lms.admin_site.TremplinAdminSite"
