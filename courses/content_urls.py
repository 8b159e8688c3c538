"""URL configuration of the *content origin* (no session, no cookies).

Served when the request's host is the host of ``settings.CONTENT_ORIGIN``;
see ``courses.middleware.ContentOriginMiddleware``.
"""

from django.urls import include, path

from courses.player import files as player_files
from courses.player import views as player_views
from courses.tracking import api as tracking_api

app_name = "content"

urlpatterns: list = [
    # --- package files, wrapper (player) pages ---
    path(
        "packages/<uuid:package_uuid>/<path:path>",
        player_files.package_file,
        name="package_file",
    ),
    path(
        "play/scorm/<uuid:package_uuid>/",
        player_views.scorm_wrapper,
        name="scorm_wrapper",
    ),
    path("play/h5p/<uuid:package_uuid>/", player_views.h5p_wrapper, name="h5p_wrapper"),
    # --- end package files, wrapper (player) pages ---
    # --- tracking API (attempt-token authenticated) ---
    path(
        "api/v1/tracking/state",
        tracking_api.tracking_state,
        name="tracking_state",
    ),
    path(
        "api/v1/tracking/commits",
        tracking_api.tracking_commit,
        name="tracking_commit",
    ),
    path(
        "api/v1/tracking/statements",
        tracking_api.tracking_statements,
        name="tracking_statements",
    ),
    path(
        "api/v1/tracking/h5p-state",
        tracking_api.tracking_h5p_state,
        name="tracking_h5p_state",
    ),
    # --- end tracking API ---
]

# This module is a root URLconf (set per request by the middleware), where
# ``app_name`` alone does not create a namespace: include the routes under it so
# they reverse as "content:<name>" (pass ``urlconf="courses.content_urls"`` when
# reversing from the platform origin; see ``courses.player.links``).
urlpatterns = [path("", include((urlpatterns, app_name)))]

# Error pages of the platform use its navigation (URL names absent here): this
# origin answers errors in plain text.
handler400 = "courses.player.views.content_bad_request"
handler403 = "courses.player.views.content_forbidden"
handler404 = "courses.player.views.content_not_found"
handler500 = "courses.player.views.content_server_error"
