"""URLs of the catalogue outside Wagtail's page tree (registrations, exports).

Each area keeps its own block; routes follow ``<noun>_<action>`` names.
Training and track pages are served by Wagtail at their tree path.
"""

from django.urls import path  # noqa: F401

app_name = "catalogue"

urlpatterns: list = [
    # --- registration (teacher side) ---
    # --- end registration ---
]
