"""URLs of the selftest part of ``certification``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
