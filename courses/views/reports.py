"""Run reports: learner × SCO table and CSV exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms import audit
from lms.permissions import check_object_permission, has_object_permission

from .. import reports
from ..models import Activity, Course
from ..permissions import visible_learner_ids

REPORT_PAGE_SIZE = 50


def _report_filter(
    request: HttpRequest, course: Course
) -> tuple[list[Activity], Activity | None]:
    activities = reports.package_activities(course)
    wanted = request.GET.get("activity", "")
    selected = next((a for a in activities if str(a.uuid) == wanted), None)
    return activities, selected


@login_required
@require_GET
def course_report(request: HttpRequest, course_id: int) -> HttpResponse:
    """Learner × SCO table of a run: status, score, time, attempts, last activity."""
    course = get_object_or_404(Course, pk=course_id)
    check_object_permission(request.user, "courses.view_reports", course)
    activities, selected = _report_filter(request, course)
    only_ids = visible_learner_ids(request.user, course)
    paginator = Paginator(reports.learners(course, only_ids), REPORT_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    users = [participant.user for participant in page.object_list]
    shown = [selected] if selected else activities
    rows = reports.report_rows(users, shown)
    query = f"activity={selected.uuid}" if selected else ""
    return render(
        request,
        "courses/reports/course_report.html",
        {
            "course": course,
            "activities": activities,
            "selected": selected,
            "page": page,
            "rows": rows,
            "query": query,
            "can_manage": has_object_permission(
                request.user, "courses.manage_course", course
            ),
        },
    )


def _csv_response(rows: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _csv_filename(course: Course, suffix: str) -> str:
    safe = "".join(
        c if (c.isascii() and c.isalnum()) or c in "-_." else "-" for c in course.code
    )
    return f"{safe}-{suffix}.csv"


@login_required
@require_GET
def course_report_csv(request: HttpRequest, course_id: int) -> StreamingHttpResponse:
    """The report table of a run as CSV (every learner, streamed)."""
    course = get_object_or_404(Course, pk=course_id)
    check_object_permission(request.user, "courses.view_reports", course)
    activities, selected = _report_filter(request, course)
    rows = reports.stream_csv(
        reports.report_csv_header(),
        reports.report_csv_rows(
            course,
            [selected] if selected else activities,
            visible_learner_ids(request.user, course),
        ),
    )
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Suivi des apprenants (CSV)"),
        obj=course,
    )
    return _csv_response(rows, _csv_filename(course, "suivi"))


@login_required
@require_GET
def interactions_csv(request: HttpRequest, course_id: int) -> StreamingHttpResponse:
    """Every stored SCORM interaction of a run's learners as CSV (streamed)."""
    course = get_object_or_404(Course, pk=course_id)
    check_object_permission(request.user, "courses.view_reports", course)
    activities, selected = _report_filter(request, course)
    rows = reports.stream_csv(
        reports.interactions_csv_header(),
        reports.interactions_csv_rows(
            course,
            [selected] if selected else activities,
            visible_learner_ids(request.user, course),
        ),
    )
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Interactions SCORM (CSV)"),
        obj=course,
    )
    return _csv_response(rows, _csv_filename(course, "interactions"))
