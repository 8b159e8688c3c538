"""URLs of ``certification`` (namespace ``certification``, under ``/certification/``);
one module per part. ``well_known`` is mounted at the site root."""

from django.urls import include, path

app_name = "certification"

urlpatterns = [
    path("", include("certification.urls.verification")),
    path("", include("certification.urls.portfolio")),
    path("", include("certification.urls.rules")),
    path("", include("certification.urls.delivery")),
    path("", include("certification.urls.selftest")),
    path("", include("certification.urls.selftest_reco")),
    path("", include("certification.urls.selftest_campaigns")),
    path("", include("certification.urls.selftest_calibration")),
]
