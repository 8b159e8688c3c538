"""URLs of the discussions part of ``tutoring`` (namespace ``tutoring``)."""

from django.urls import path

from ..views import discussions as views

urlpatterns = [
    path("<int:cohort_id>/forum/", views.forum, name="forum"),
    path("<int:cohort_id>/forum/new/", views.thread_create, name="thread_create"),
    path("<int:cohort_id>/forum/<int:thread_id>/", views.thread, name="thread"),
    path(
        "<int:cohort_id>/forum/posts/<int:post_id>/moderate/",
        views.post_moderate,
        name="post_moderate",
    ),
    path(
        "<int:cohort_id>/forum/posts/<int:post_id>/report/",
        views.post_report,
        name="post_report",
    ),
    path("<int:cohort_id>/forum/reports/", views.reports, name="reports"),
]
