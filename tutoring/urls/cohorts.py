"""URLs of the cohorts part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import cohorts as views

urlpatterns: list = [
    path("", views.my_trainings, name="my_trainings"),
    path("cohorts/", views.cohort_list, name="cohort_list"),
    path("<int:cohort_id>/", views.cohort_home, name="cohort_home"),
    path("<int:cohort_id>/calendar/", views.cohort_calendar, name="cohort_calendar"),
    path("<int:cohort_id>/manage/", views.cohort_manage, name="cohort_manage"),
    path(
        "<int:cohort_id>/manage/tutors/",
        views.cohort_tutors_update,
        name="cohort_tutors_update",
    ),
    path(
        "<int:cohort_id>/manage/groups/",
        views.cohort_group_create,
        name="cohort_group_create",
    ),
    path(
        "<int:cohort_id>/manage/learners/",
        views.cohort_enrol,
        name="cohort_enrol",
    ),
    path(
        "<int:cohort_id>/manage/learners/group/",
        views.cohort_group_assign,
        name="cohort_group_assign",
    ),
    path(
        "<int:cohort_id>/manage/learners/<int:user_id>/unenrol/",
        views.cohort_unenrol,
        name="cohort_unenrol",
    ),
    path(
        "<int:cohort_id>/manage/import/",
        views.enrolment_import,
        name="enrolment_import",
    ),
]
