"""URLs of the calendars part of ``live`` (namespace ``live``)."""

from django.urls import path

from ..views import calendars as views

urlpatterns: list = [
    path("ical/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/", views.calendar_links, name="calendar_links"),
    path(
        "calendar/regenerate/",
        views.calendar_regenerate,
        name="calendar_regenerate",
    ),
]
