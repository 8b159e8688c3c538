"""URLs of the platform origin (session cookie) for courses.

Each area keeps its own block; routes follow ``<noun>_<action>`` names.
"""

from django.urls import path

from . import views
from .player import launch as player_launch

app_name = "courses"

urlpatterns: list = [
    # --- learner: course page, activity pages, launch (player) ---
    path("<int:course_id>/", views.course_detail, name="course_detail"),
    path(
        "activities/<uuid:activity_uuid>/",
        views.activity_detail,
        name="activity_detail",
    ),
    path(
        "activities/<uuid:activity_uuid>/file/",
        views.activity_file,
        name="activity_file",
    ),
    path(
        "activities/<uuid:activity_uuid>/open/",
        views.activity_link,
        name="activity_link",
    ),
    path(
        "activities/<uuid:activity_uuid>/submissions/",
        views.submission_create,
        name="submission_create",
    ),
    path(
        "submissions/<int:submission_id>/file/",
        views.submission_file,
        name="submission_file",
    ),
    # --- end learner pages (helper 4) ---
    # --- player launch (helper 3) ---
    path(
        "activities/<uuid:activity_uuid>/play/",
        player_launch.activity_play,
        name="activity_play",
    ),
    path(
        "activities/<uuid:activity_uuid>/attempts/new/",
        player_launch.activity_new_attempt,
        name="activity_new_attempt",
    ),
    # --- end player launch (helper 3) ---
    # --- staff: course templates, modules, activities, package upload ---
    path("manage/", views.course_manage_list, name="course_manage_list"),
    path("manage/new/", views.course_create, name="course_create"),
    path("manage/<int:course_id>/", views.course_manage, name="course_manage"),
    path("manage/<int:course_id>/edit/", views.course_edit, name="course_edit"),
    path("manage/<int:course_id>/runs/new/", views.run_create, name="run_create"),
    path(
        "manage/<int:course_id>/participants/",
        views.course_participants,
        name="course_participants",
    ),
    path(
        "manage/participants/<int:participant_id>/revoke/",
        views.participant_revoke,
        name="participant_revoke",
    ),
    path(
        "manage/<int:course_id>/modules/new/",
        views.module_create,
        name="module_create",
    ),
    path("manage/modules/<int:module_id>/edit/", views.module_edit, name="module_edit"),
    path(
        "manage/modules/<int:module_id>/delete/",
        views.module_delete,
        name="module_delete",
    ),
    path("manage/modules/<int:module_id>/move/", views.module_move, name="module_move"),
    path(
        "manage/modules/<int:module_id>/activities/new/",
        views.activity_create,
        name="activity_create",
    ),
    path(
        "manage/activities/<uuid:activity_uuid>/edit/",
        views.activity_edit,
        name="activity_edit",
    ),
    path(
        "manage/activities/<uuid:activity_uuid>/delete/",
        views.activity_delete,
        name="activity_delete",
    ),
    path(
        "manage/activities/<uuid:activity_uuid>/move/",
        views.activity_move,
        name="activity_move",
    ),
    path(
        "manage/activities/<uuid:activity_uuid>/package/",
        views.activity_package_replace,
        name="activity_package_replace",
    ),
    path("manage/packages/", views.package_list, name="package_list"),
    path("manage/packages/upload/", views.package_upload, name="package_upload"),
    path(
        "manage/packages/<uuid:package_uuid>/",
        views.package_detail,
        name="package_detail",
    ),
    path(
        "manage/packages/<uuid:package_uuid>/status/",
        views.package_status,
        name="package_status",
    ),
    # --- end staff pages (helper 4) ---
    # --- reports ---
    path("<int:course_id>/report/", views.course_report, name="course_report"),
    path(
        "<int:course_id>/report.csv", views.course_report_csv, name="course_report_csv"
    ),
    path(
        "<int:course_id>/interactions.csv",
        views.interactions_csv,
        name="interactions_csv",
    ),
    # --- end reports (helper 4) ---
]
