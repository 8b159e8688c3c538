"""URLs of the dashboard part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import dashboard as views

urlpatterns = [
    path("<int:cohort_id>/dashboard/", views.dashboard, name="dashboard"),
    path(
        "<int:cohort_id>/dashboard/export.<str:fmt>",
        views.dashboard_export,
        name="dashboard_export",
    ),
    path(
        "<int:cohort_id>/dashboard/bulk/", views.dashboard_bulk, name="dashboard_bulk"
    ),
    path(
        "<int:cohort_id>/learners/<int:user_id>/",
        views.learner_detail,
        name="learner_detail",
    ),
]
