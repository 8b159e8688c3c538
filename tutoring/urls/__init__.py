"""URLs of ``tutoring`` (namespace ``tutoring``), one module per part."""

from . import assignments, chat, cohorts, dashboard, discussions, notifications, nudges

app_name = "tutoring"

urlpatterns = [
    *cohorts.urlpatterns,
    *dashboard.urlpatterns,
    *discussions.urlpatterns,
    *chat.urlpatterns,
    *assignments.urlpatterns,
    *nudges.urlpatterns,
    *notifications.urlpatterns,
]
