"""URLs of the attendance part of ``live`` (namespace ``live``)."""

from django.urls import path

from ..views import attendance as views

urlpatterns: list = [
    path("cohorts/<int:cohort_id>/agenda/", views.cohort_agenda, name="cohort_agenda"),
    path(
        "cohorts/<int:cohort_id>/agenda/import/",
        views.agenda_import,
        name="agenda_import",
    ),
    path(
        "cohorts/<int:cohort_id>/attendance/",
        views.attendance_matrix,
        name="attendance",
    ),
    path(
        "cohorts/<int:cohort_id>/attendance/new/<str:slot>/<int:user_id>/",
        views.attendance_record_new,
        name="attendance_record_new",
    ),
    path("attendance/<int:pk>/", views.attendance_record, name="attendance_record"),
    path(
        "cohorts/<int:cohort_id>/my-attendance/",
        views.my_attendance,
        name="my_attendance",
    ),
    path("cohorts/<int:cohort_id>/justify/", views.justify, name="justify"),
    path(
        "cohorts/<int:cohort_id>/justifications/",
        views.justification_list,
        name="justification_list",
    ),
    path(
        "justifications/<int:pk>/review/",
        views.justification_review,
        name="justification_review",
    ),
    path(
        "justifications/<int:pk>/file/",
        views.justification_file,
        name="justification_file",
    ),
]
