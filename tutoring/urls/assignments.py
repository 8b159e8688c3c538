"""URLs of the assignments part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
