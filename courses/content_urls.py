"""URL configuration of the *content origin* (no session, no cookies).

Served when the request's host is the host of ``settings.CONTENT_ORIGIN``;
see ``courses.middleware.ContentOriginMiddleware``.
"""

from django.urls import path  # noqa: F401

app_name = "content"

urlpatterns: list = [
    # --- package files, wrapper (player) pages ---
    # --- tracking API (attempt-token authenticated) ---
]
