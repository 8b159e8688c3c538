"""URLs of the days part of ``live`` (namespace ``live``)."""

from django.urls import path

from ..views import days as views

urlpatterns: list = [
    path("cohorts/<int:cohort_id>/days/new/", views.day_create, name="day_create"),
    path("days/<uuid:uuid>/", views.day_detail, name="day_detail"),
    path("days/<uuid:uuid>/edit/", views.day_edit, name="day_edit"),
    path("days/<uuid:uuid>/cancel/", views.day_cancel, name="day_cancel"),
    path("days/<uuid:uuid>/sheet/", views.day_sheet, name="day_sheet"),
    path("days/<uuid:uuid>/qr/<str:half>/", views.day_qr, name="day_qr"),
    path(
        "days/<uuid:uuid>/qr/<str:half>/token/",
        views.day_qr_token,
        name="day_qr_token",
    ),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
]
