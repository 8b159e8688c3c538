"""URLs of the self-test calibration staff page (namespace ``certification``)."""

from django.urls import path

from ..views import selftest_calibration as views

urlpatterns = [
    path(
        "staff/autotest/calibrations/",
        views.calibration_runs,
        name="selftest_calibration",
    ),
    path(
        "staff/autotest/calibrations/start/",
        views.calibration_start,
        name="selftest_calibration_start",
    ),
]
