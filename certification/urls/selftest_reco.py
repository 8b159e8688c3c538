"""URLs of the selftest_reco part of ``certification``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
