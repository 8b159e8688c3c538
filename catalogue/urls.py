"""URLs of the catalogue outside Wagtail's page tree (registrations, exports).

Each area keeps its own block; routes follow ``<noun>_<action>`` names.
Training and track pages are served by Wagtail at their tree path.
"""

from django.urls import path  # noqa: F401

from .views import registrations as registration_views
from .views.index_redirect import index_redirect

app_name = "catalogue"

urlpatterns: list = [
    # --- registration (teacher side) ---
    path(
        "sessions/<int:session_id>/register/",
        registration_views.session_register,
        name="session_register",
    ),
    path(
        "registrations/<int:registration_id>/cancel/",
        registration_views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "registrations/<int:registration_id>/calendar.ics",
        registration_views.registration_ics,
        name="registration_ics",
    ),
    path(
        "my-registrations/",
        registration_views.my_registrations,
        name="my_registrations",
    ),
    path(
        "tracks/<int:track_id>/register/",
        registration_views.track_register,
        name="track_register",
    ),
    # --- end registration ---
    # --- index redirect ---
    path("", index_redirect, name="index"),
    # --- end index redirect ---
]
