"""The indicator dashboard's admin URLs and menu item (IFPC staff only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.permissions import has_object_permission

from . import views


class IndicatorsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return has_object_permission(request.user, "indicators.view_dashboard", None)


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    urls = [
        path("", views.IndicatorDashboardView.as_view(), name="dashboard"),
        path("refresh/", views.refresh_now, name="refresh"),
        path("export.csv", views.export_csv, name="export_csv"),
        path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    ]
    return [path("indicators/", include((urls, "indicators"), namespace="indicators"))]


@hooks.register("register_admin_menu_item")
def register_menu_item() -> MenuItem:
    return IndicatorsMenuItem(
        gettext_lazy("Indicateurs IFPC"),
        reverse("indicators:dashboard"),
        name="indicators",
        icon_name="table",
        order=850,
    )
