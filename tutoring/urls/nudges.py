"""URLs of the nudges and messages part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import nudges as views

urlpatterns: list = [
    path("<int:cohort_id>/nudges/", views.nudge_rules, name="nudge_rules"),
    path("<int:cohort_id>/nudges/log/", views.nudge_log, name="nudge_log"),
    path(
        "<int:cohort_id>/messages/new/",
        views.message_learners,
        name="message_learners",
    ),
    path("<int:cohort_id>/messages/", views.message_list, name="messages"),
]
