"""URLs of the rules part of ``certification``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
