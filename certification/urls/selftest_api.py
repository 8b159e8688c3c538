"""JSON API of the self-test (``/api/v1/selftest/``, namespace ``selftest_api``)."""

from django.urls import path  # noqa: F401

app_name = "selftest_api"

urlpatterns: list = []
