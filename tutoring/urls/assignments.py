"""URLs of the assignments part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import assignments as views

urlpatterns: list = [
    path("<int:cohort_id>/submissions/", views.submissions, name="submissions"),
    path(
        "<int:cohort_id>/submissions/<int:submission_id>/",
        views.submission_review,
        name="submission_review",
    ),
    path(
        "<int:cohort_id>/submissions/<int:submission_id>/file/",
        views.submission_file,
        name="submission_file",
    ),
    path(
        "<int:cohort_id>/activities/<int:activity_id>/rubric/",
        views.rubric_edit,
        name="rubric_edit",
    ),
]
