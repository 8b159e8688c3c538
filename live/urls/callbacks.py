"""URLs of the callbacks part of ``live`` (namespace ``live``): what BBB calls."""

from django.urls import path

from ..views import callbacks as views

urlpatterns: list = [
    path(
        "bbb/end/<uuid:uuid>/<str:nonce>/",
        views.bbb_end_callback,
        name="bbb_end_callback",
    ),
    path(
        "bbb/recording-ready/<uuid:uuid>/",
        views.bbb_recording_ready,
        name="bbb_recording_ready",
    ),
]
