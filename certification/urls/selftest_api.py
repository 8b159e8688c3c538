"""JSON API of the self-test (``/api/v1/selftest/``, namespace ``selftest_api``)."""

from django.urls import path

from ..views import selftest_api

app_name = "selftest_api"

urlpatterns = [
    path("attempts/", selftest_api.attempts_collection, name="attempts"),
    path(
        "attempts/<uuid:uuid>/current",
        selftest_api.attempt_current,
        name="attempt_current",
    ),
    path(
        "attempts/<uuid:uuid>/answer",
        selftest_api.attempt_answer,
        name="attempt_answer",
    ),
    path(
        "attempts/<uuid:uuid>/result",
        selftest_api.attempt_result,
        name="attempt_result",
    ),
]
