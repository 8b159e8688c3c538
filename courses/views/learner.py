"""Learner pages: the course page, activity pages, downloads, submissions."""

from __future__ import annotations

import logging
import posixpath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.permissions import check_object_permission, has_object_permission

from .. import selectors, services
from ..activity_types import activity_type_for
from ..forms import (
    SubmissionForm,
    apply_validation_error,
)
from ..models import Activity, Course, Submission
from ..permissions import can_manage_courses, visible_learner_ids
from ..progress import is_unlocked
from ._common import play_url

logger = logging.getLogger(__name__)


@login_required
@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    """A learner's course page: modules, what is done, what is next, resume button."""
    course = get_object_or_404(Course, pk=course_id)
    check_object_permission(request.user, "courses.view_course", course)
    page = selectors.course_page(request.user, course)
    next_activity = page.next_activity
    next_url = ""
    if next_activity is not None:
        next_url = (
            play_url(next_activity)
            if next_activity.kind in (Activity.Kind.SCORM, Activity.Kind.H5P)
            else ""
        ) or reverse("courses:activity_detail", args=[next_activity.uuid])
    is_learner = services.is_active_learner(request.user, course)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "page": page,
            "next_url": next_url,
            "chart": _module_chart(page),
            "is_learner": is_learner,
            "can_manage": can_manage_courses(request.user),
            # Tutors and staff reach the run's report from here (learners never).
            "can_report": not is_learner
            and has_object_permission(request.user, "courses.view_reports", course),
        },
    )


def _module_chart(page: selectors.CoursePage) -> dict[str, Any]:
    """Geometry of the small per-module bar chart (SVG, no inline styles)."""
    rows = []
    for index, entry in enumerate(m for m in page.modules if m.total_required):
        title = entry.module.title
        rows.append(
            {
                "y": index * 26 + 4,
                "text_y": index * 26 + 16,
                "width": round(220 * entry.percent / 100),
                "percent": entry.percent,
                "label": title if len(title) <= 28 else title[:27] + "…",
                "full_label": title,
            }
        )
    return {"rows": rows, "height": len(rows) * 26 + 4}


def _learner_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    """Whether the user follows the run, and the activity's lock/progress state."""
    course = activity.module.course
    is_learner = services.is_active_learner(request.user, course)
    progress_map = selectors.learner_progress_on(
        request.user, [activity, *activity.prerequisites.all()]
    )
    progress = progress_map.get(activity.pk)
    completed = progress is not None and progress.is_completed
    locked = is_learner and not completed and not is_unlocked(activity, progress_map)
    missing = [
        p
        for p in activity.prerequisites.all()
        if not (progress_map.get(p.pk) and progress_map[p.pk].is_completed)
    ]
    return {
        "course": course,
        "is_learner": is_learner,
        "progress": progress,
        "is_locked": locked,
        "missing_prerequisites": missing if locked else [],
    }


def _viewable_activity(request: HttpRequest, activity_uuid: Any) -> Activity:
    try:
        activity = selectors.activity_for_page(activity_uuid)
    except Activity.DoesNotExist:
        raise Http404 from None
    check_object_permission(request.user, "courses.view_course", activity.module.course)
    return activity


def _render_activity(
    request: HttpRequest,
    activity: Activity,
    context: dict[str, Any],
    submission_form: SubmissionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    submissions = (
        selectors.submissions_of(request.user, activity)
        if activity.kind == Activity.Kind.ASSIGNMENT
        else []
    )
    can_submit = (
        context["is_learner"]
        and not context["is_locked"]
        and not any(s.status == Submission.Status.ACCEPTED for s in submissions)
    )
    slot = activity_type_for(activity.kind)
    if slot is not None and not context["is_locked"]:
        context = {
            **context,
            "slot_template": slot.template_name,
            "slot": slot.context_for(activity, request.user),
        }
    progress = context["progress"]
    state_entry = {
        "is_locked": context["is_locked"],
        "state": progress.state if progress else "not_started",
    }
    return render(
        request,
        "courses/activity_detail.html",
        {
            **context,
            "state_entry": state_entry,
            "activity": activity,
            "play_url": play_url(activity),
            "submissions": submissions,
            "can_submit": can_submit,
            "submission_form": submission_form or SubmissionForm(),
        },
        status=status,
    )


@login_required
@require_GET
def activity_detail(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    """One activity: page body, file, link, assignment or the way to the player.

    Opening a page counts as viewing it (for learners, once unlocked).
    """
    activity = _viewable_activity(request, activity_uuid)
    context = _learner_context(request, activity)
    if (
        activity.kind == Activity.Kind.PAGE
        and context["is_learner"]
        and not context["is_locked"]
    ):
        context["progress"] = services.mark_viewed(request.user, activity)
    return _render_activity(request, activity, context)


def _open_for_learner(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    context = _learner_context(request, activity)
    if context["is_locked"]:
        raise PermissionDenied
    return context


@login_required
@require_GET
def activity_file(request: HttpRequest, activity_uuid: Any) -> FileResponse:
    """Download a file activity (access checked; RFC 6266 attachment); counts as
    viewed for learners."""
    activity = _viewable_activity(request, activity_uuid)
    if activity.kind != Activity.Kind.FILE or not activity.file:
        raise Http404
    context = _open_for_learner(request, activity)
    try:
        handle = activity.file.open("rb")
    except FileNotFoundError:
        logger.error("activity file missing activity=%s", activity.pk)
        raise Http404 from None
    if context["is_learner"]:
        services.mark_viewed(request.user, activity)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=posixpath.basename(activity.file.name),
    )


@login_required
@require_GET
def activity_link(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    """Follow an external link activity (opened in a new tab); counts as viewed."""
    activity = _viewable_activity(request, activity_uuid)
    if activity.kind != Activity.Kind.LINK or not activity.url:
        raise Http404
    context = _open_for_learner(request, activity)
    if context["is_learner"]:
        services.mark_viewed(request.user, activity)
    # Only http(s) URLs are ever stored (services validate them).
    response = HttpResponseRedirect(activity.url)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def submission_create(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    """Hand in work for an assignment."""
    activity = _viewable_activity(request, activity_uuid)
    if activity.kind != Activity.Kind.ASSIGNMENT:
        raise Http404
    context = _learner_context(request, activity)
    if not context["is_learner"] or context["is_locked"]:
        raise PermissionDenied
    form = SubmissionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.submit_assignment(
                request.user,
                activity,
                form.cleaned_data["text"],
                form.cleaned_data.get("file"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Votre travail a été remis. Votre tuteur·rice va l'examiner."),
            )
            return redirect("courses:activity_detail", activity.uuid)
    context["progress"] = selectors.learner_progress_on(request.user, [activity]).get(
        activity.pk
    )
    return _render_activity(request, activity, context, form, status=400)


@login_required
@require_GET
def submission_file(request: HttpRequest, submission_id: int) -> FileResponse:
    """Download the file of a submission: its author, the run's tutors, IFPC staff."""
    submission = get_object_or_404(
        Submission.objects.select_related("activity__module__course"), pk=submission_id
    )
    if submission.user_id != request.user.pk:
        course = submission.activity.module.course
        check_object_permission(request.user, "courses.view_reports", course)
        visible = visible_learner_ids(request.user, course)
        if visible is not None and submission.user_id not in visible:
            raise PermissionDenied
    if not submission.file:
        raise Http404
    try:
        handle = submission.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=submission.original_filename
        or posixpath.basename(submission.file.name),
    )
