"""URLs of ``live`` (namespace ``live``, mounted at ``/live/``), one module per part."""

from . import attendance, calendars, callbacks, classes, days

app_name = "live"

urlpatterns = [
    *classes.urlpatterns,
    *callbacks.urlpatterns,
    *days.urlpatterns,
    *attendance.urlpatterns,
    *calendars.urlpatterns,
]
