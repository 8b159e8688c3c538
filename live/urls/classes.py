"""URLs of the classes part of ``live`` (namespace ``live``)."""

from django.urls import path

from ..views import classes as views

urlpatterns: list = [
    path(
        "cohorts/<int:cohort_id>/classes/new/",
        views.class_create,
        name="class_create",
    ),
    path("classes/<uuid:uuid>/", views.class_detail, name="class_detail"),
    path("classes/<uuid:uuid>/edit/", views.class_edit, name="class_edit"),
    path("classes/<uuid:uuid>/cancel/", views.class_cancel, name="class_cancel"),
    path("classes/<uuid:uuid>/reopen/", views.class_reopen, name="class_reopen"),
    path("classes/<uuid:uuid>/end/", views.class_end, name="class_end"),
    path("classes/<uuid:uuid>/join/", views.class_join, name="class_join"),
    path("recordings/<int:pk>/", views.recording_open, name="recording_open"),
    path(
        "recordings/<int:pk>/visibility/",
        views.recording_visibility,
        name="recording_visibility",
    ),
]
