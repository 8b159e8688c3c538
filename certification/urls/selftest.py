"""URLs of the selftest part of ``certification``: taking the self-test, the
result of a sitting and the teacher's profile."""

from django.urls import path

from ..views import selftest

urlpatterns = [
    path("autotest/", selftest.selftest_home, name="selftest_home"),
    path(
        "autotest/commencer/<slug:slug>/",
        selftest.selftest_start,
        name="selftest_start",
    ),
    path("autotest/profil/", selftest.selftest_profile, name="selftest_profile"),
    path(
        "autotest/passages/<uuid:uuid>/",
        selftest.selftest_attempt,
        name="selftest_attempt",
    ),
    path(
        "autotest/passages/<uuid:uuid>/repondre/",
        selftest.selftest_answer,
        name="selftest_answer",
    ),
    path(
        "autotest/passages/<uuid:uuid>/arreter/",
        selftest.selftest_abandon,
        name="selftest_abandon",
    ),
    path(
        "autotest/passages/<uuid:uuid>/resultat/",
        selftest.selftest_result,
        name="selftest_result",
    ),
]
