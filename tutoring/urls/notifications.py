"""URLs of the notifications part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import notifications as views

urlpatterns = [
    path("notifications/", views.inbox, name="notifications"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/preferences/",
        views.preferences,
        name="notification_preferences",
    ),
]
