"""URLs of the cohorts part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
