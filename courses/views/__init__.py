"""Views of the platform origin for courses (learner, staff, reports).

Thin: each view checks ``courses.permissions`` rules, then calls one selector or
service and renders. The player (``activity_play``) lives in ``courses.player``.
"""

from ._common import play_url
from .learner import (
    activity_detail,
    activity_file,
    activity_link,
    course_detail,
    submission_create,
    submission_file,
)
from .manage import (
    activity_create,
    activity_delete,
    activity_edit,
    activity_move,
    activity_package_replace,
    course_create,
    course_edit,
    course_manage,
    course_manage_list,
    course_participants,
    module_create,
    module_delete,
    module_edit,
    module_move,
    participant_revoke,
    run_create,
)
from .packages import (
    package_detail,
    package_list,
    package_status,
    package_status_payload,
    package_upload,
)
from .reports import course_report, course_report_csv, interactions_csv

__all__ = [
    "activity_create",
    "activity_delete",
    "activity_detail",
    "activity_edit",
    "activity_file",
    "activity_link",
    "activity_move",
    "activity_package_replace",
    "course_create",
    "course_detail",
    "course_edit",
    "course_manage",
    "course_manage_list",
    "course_participants",
    "course_report",
    "course_report_csv",
    "interactions_csv",
    "module_create",
    "module_delete",
    "module_edit",
    "module_move",
    "package_detail",
    "package_list",
    "package_status",
    "package_status_payload",
    "package_upload",
    "participant_revoke",
    "play_url",
    "run_create",
    "submission_create",
    "submission_file",
]
