"""URLs of the rules part of ``certification`` (staff pages)."""

from django.urls import path

from ..views import rules as views

urlpatterns: list = [
    path("staff/sessions/", views.sessions, name="sessions"),
    path(
        "staff/sessions/<int:session_id>/",
        views.session_attestations,
        name="session_attestations",
    ),
    path(
        "staff/sessions/<int:session_id>/rule/",
        views.session_rule,
        name="session_rule",
    ),
    path(
        "staff/sessions/<int:session_id>/close/",
        views.session_close,
        name="session_close",
    ),
    path(
        "staff/sessions/<int:session_id>/close/status/",
        views.session_close_status,
        name="session_close_status",
    ),
    path(
        "staff/sessions/<int:session_id>/issue/",
        views.manual_issue,
        name="manual_issue",
    ),
    path(
        "staff/trainings/<int:training_id>/rule/",
        views.training_rule,
        name="training_rule",
    ),
]
