"""The Django admin site, reserved to administrators (role, not just a flag)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .permissions import is_administrator


class TremplinAdminSite(admin.AdminSite):
    site_header = _("Tremplin — administration technique")
    site_title = _("Tremplin")
    index_title = _("Administration technique")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_administrator(user))


admin_site = admin.site
