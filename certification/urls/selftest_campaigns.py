"""URLs of self-test campaigns: organisers' pages and joining with a code."""

from django.urls import path

from ..views import selftest_campaigns as views

urlpatterns = [
    path("autotest/campagnes/", views.campaign_list, name="selftest_campaigns"),
    path(
        "autotest/campagnes/nouvelle/",
        views.campaign_create,
        name="selftest_campaign_create",
    ),
    path(
        "autotest/campagnes/<uuid:uuid>/",
        views.campaign_detail,
        name="selftest_campaign",
    ),
    path(
        "autotest/campagnes/<uuid:uuid>/export.csv",
        views.campaign_export,
        name="selftest_campaign_export",
    ),
    path(
        "autotest/campagnes/<uuid:uuid>/archiver/",
        views.campaign_archive,
        name="selftest_campaign_archive",
    ),
    path("autotest/rejoindre/", views.join, name="selftest_join"),
    path(
        "autotest/participations/<int:pk>/",
        views.participation,
        name="selftest_participation",
    ),
    path(
        "autotest/participations/<int:pk>/partager/",
        views.participation_share,
        name="selftest_participation_share",
    ),
    path(
        "autotest/participations/<int:pk>/quitter/",
        views.participation_leave,
        name="selftest_participation_leave",
    ),
]
