"""URLs of the selftest_reco part of ``certification``: the teacher's
recommended trainings."""

from django.urls import path

from ..views import selftest_reco

urlpatterns = [
    path(
        "autotest/recommandations/",
        selftest_reco.recommendations,
        name="selftest_recommendations",
    ),
    path(
        "autotest/recommandations/<int:training_id>/masquer/",
        selftest_reco.dismiss,
        name="selftest_recommendation_dismiss",
    ),
]
