"""Tutor pages for assignments: the review queue, reviewing one submission with
the rubric, downloading its file, and editing an assignment's rubric."""

from __future__ import annotations

import logging
import posixpath
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from courses.forms import apply_validation_error
from courses.models import Activity, Submission
from lms.permissions import check_object_permission

from ..assignments import review_with_rubric, rubric_is_used, rubric_of, set_rubric
from ..forms_assignments import ReviewForm, rubric_formset
from ..models import Cohort, Enrolment, SubmissionReview
from ..permissions import TutorScope, scoped_enrolments, tutor_scope

logger = logging.getLogger(__name__)

PAGE_SIZE = 30

Status = Submission.Status

#: Queue filters: query value → (label, submission status or None for all).
STATUS_FILTERS: dict[str, tuple[Any, str | None]] = {
    "to_review": (gettext_lazy("À évaluer"), Status.SUBMITTED),
    "accepted": (gettext_lazy("Acceptés"), Status.ACCEPTED),
    "needs_revision": (gettext_lazy("À retravailler"), Status.NEEDS_REVISION),
    "all": (gettext_lazy("Tous"), None),
}


def tutored_cohort(request: HttpRequest, cohort_id: int) -> tuple[Cohort, TutorScope]:
    """The cohort (404 if unknown) and the user's tutor scope in it (403 if none)."""
    cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=cohort_id)
    check_object_permission(request.user, "tutoring.tutor_cohort", cohort)
    return cohort, tutor_scope(request.user, cohort)


def assignment_activities(cohort: Cohort) -> QuerySet[Activity]:
    """The assignment activities of the cohort's course, in course order."""
    if not cohort.course_id:
        return Activity.objects.none()
    return (
        Activity.objects.filter(
            module__course_id=cohort.course_id, kind=Activity.Kind.ASSIGNMENT
        )
        .select_related("module")
        .order_by("module__position", "module_id", "position", "pk")
    )


def _scoped_submissions(request: HttpRequest, cohort: Cohort) -> QuerySet[Submission]:
    if not cohort.course_id:
        return Submission.objects.none()
    learners = scoped_enrolments(request.user, cohort).values("user_id")
    return Submission.objects.filter(
        activity__module__course_id=cohort.course_id,
        activity__kind=Activity.Kind.ASSIGNMENT,
        user_id__in=learners,
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def submissions(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The review queue: submissions of the learners the tutor follows, oldest
    first, filtered by state and activity, 30 a page."""
    cohort, scope = tutored_cohort(request, cohort_id)
    activities = list(assignment_activities(cohort))
    status_key = request.GET.get("status", "to_review")
    if status_key not in STATUS_FILTERS:
        status_key = "to_review"
    activity_id = _int_or_none(request.GET.get("activity"))
    selected = next((a for a in activities if a.pk == activity_id), None)
    queryset = _scoped_submissions(request, cohort)
    if selected is not None:
        queryset = queryset.filter(activity_id=selected.pk)
    counts = queryset.aggregate(
        to_review=Count("pk", filter=Q(status=Status.SUBMITTED)),
        accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
        needs_revision=Count("pk", filter=Q(status=Status.NEEDS_REVISION)),
        all=Count("pk"),
    )
    status = STATUS_FILTERS[status_key][1]
    if status is not None:
        queryset = queryset.filter(status=status)
    queryset = queryset.select_related(
        "user", "activity", "rubric_review", "reviewed_by"
    ).order_by("created_at", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            k: v
            for k, v in (
                ("status", status_key if status_key != "to_review" else ""),
                ("activity", selected.pk if selected else ""),
            )
            if v
        }
    )
    tabs = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "query": urlencode(
                {"status": key, **({"activity": selected.pk} if selected else {})}
            ),
        }
        for key, (label, _status) in STATUS_FILTERS.items()
    ]
    return render(
        request,
        "tutoring/assignments/submissions.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "can_edit_rubric": scope.whole_cohort,
            "activities": activities,
            "selected": selected,
            "status_key": status_key,
            "status_label": STATUS_FILTERS[status_key][0],
            "tabs": tabs,
            "page": page,
            "query": query,
        },
    )


def _submission_in_scope(
    request: HttpRequest, cohort: Cohort, submission_id: int, scope: TutorScope
) -> Submission:
    """The submission (404 unless it belongs to an assignment of the cohort's
    course), 403 unless its author is a learner in the tutor's scope."""
    submission = get_object_or_404(
        Submission.objects.select_related("activity__module", "user", "reviewed_by"),
        pk=submission_id,
        activity__module__course_id=cohort.course_id or 0,
        activity__kind=Activity.Kind.ASSIGNMENT,
    )
    if not scope.is_tutor:
        raise PermissionDenied
    if (
        not scoped_enrolments(request.user, cohort, include_withdrawn=True)
        .filter(user_id=submission.user_id)
        .exists()
    ):
        raise PermissionDenied
    return submission


def _score_rows(criteria: list[Any], review: SubmissionReview | None) -> list[Any]:
    scores = review.scores if review else {}
    return [{"criterion": c, "points": scores.get(str(c.pk))} for c in criteria]


@login_required
@require_http_methods(["GET", "POST"])
def submission_review(
    request: HttpRequest, cohort_id: int, submission_id: int
) -> HttpResponse:
    """One submission: the work, the learner's earlier submissions, and the
    rubric scoring form (accept or ask for a revision)."""
    cohort, scope = tutored_cohort(request, cohort_id)
    submission = _submission_in_scope(request, cohort, submission_id, scope)
    activity = submission.activity
    criteria = rubric_of(activity)
    is_open = submission.status == Status.SUBMITTED
    form = ReviewForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        if not is_open:
            messages.warning(
                request,
                _(
                    "Ce travail a déjà été évalué : votre évaluation n'a pas été "
                    "enregistrée une seconde fois."
                ),
            )
            return redirect("tutoring:submission_review", cohort.pk, submission.pk)
        if form.is_valid():
            try:
                review_with_rubric(
                    submission,
                    request.user,
                    form.cleaned_data["status"],
                    form.cleaned_data["feedback"],
                    form.scores(),
                    cohort=cohort,
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "already_reviewed":
                    messages.warning(request, error.messages[0])
                    return redirect(
                        "tutoring:submission_review", cohort.pk, submission.pk
                    )
                apply_validation_error(form, error)
            else:
                if form.cleaned_data["status"] == Status.ACCEPTED:
                    messages.success(
                        request,
                        _("Travail accepté : l'activité est terminée pour %(name)s.")
                        % {"name": submission.user.get_full_name()},
                    )
                else:
                    messages.success(
                        request,
                        _("Demande de révision envoyée à %(name)s.")
                        % {"name": submission.user.get_full_name()},
                    )
                return redirect("tutoring:submission_review", cohort.pk, submission.pk)
    review = SubmissionReview.objects.filter(submission=submission).first()
    history = list(
        Submission.objects.filter(activity=activity, user_id=submission.user_id)
        .exclude(pk=submission.pk)
        .select_related("reviewed_by", "rubric_review")
        .order_by("-created_at", "-pk")
    )
    enrolment = (
        Enrolment.objects.filter(cohort=cohort, user_id=submission.user_id)
        .select_related("group")
        .first()
    )
    next_submission = (
        _scoped_submissions(request, cohort)
        .filter(status=Status.SUBMITTED)
        .exclude(pk=submission.pk)
        .order_by("created_at", "pk")
        .first()
    )
    return render(
        request,
        "tutoring/assignments/submission_review.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "can_edit_rubric": scope.whole_cohort,
            "submission": submission,
            "activity": activity,
            "learner": submission.user,
            "enrolment": enrolment,
            "criteria": criteria,
            "score_rows": _score_rows(criteria, review),
            "review": review,
            "history": history,
            "form": form if is_open else None,
            "next_submission": next_submission,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def submission_file(
    request: HttpRequest, cohort_id: int, submission_id: int
) -> FileResponse:
    """Download a submission's file: its author or a tutor whose scope holds them."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    check_object_permission(request.user, "tutoring.view_cohort", cohort)
    submission = get_object_or_404(
        Submission.objects.select_related("activity__module"),
        pk=submission_id,
        activity__module__course_id=cohort.course_id or 0,
    )
    if submission.user_id != request.user.pk:
        _submission_in_scope(
            request, cohort, submission.pk, tutor_scope(request.user, cohort)
        )
    if not submission.file:
        raise Http404
    try:
        handle = submission.file.open("rb")
    except FileNotFoundError:
        logger.error("submission file missing submission=%s", submission.pk)
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=submission.original_filename
        or posixpath.basename(submission.file.name),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric_edit(request: HttpRequest, cohort_id: int, activity_id: int) -> HttpResponse:
    """Edit the rubric of an assignment of the cohort's course (cohort tutors and
    IFPC staff; group tutors may not)."""
    cohort, scope = tutored_cohort(request, cohort_id)
    if not scope.whole_cohort:
        raise PermissionDenied
    activity = get_object_or_404(assignment_activities(cohort), pk=activity_id)
    criteria = rubric_of(activity)
    locked = rubric_is_used(activity)
    formset = rubric_formset(criteria, request.POST or None)
    error = None
    if request.method == "POST":
        if formset.is_valid():
            try:
                set_rubric(activity, formset.criteria(), by=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("La grille d'évaluation est enregistrée."))
                return redirect("tutoring:rubric_edit", cohort.pk, activity.pk)
    return render(
        request,
        "tutoring/assignments/rubric_edit.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "activity": activity,
            "criteria": criteria,
            "formset": formset,
            "locked": locked,
            "error": error,
        },
        status=400 if request.method == "POST" else 200,
    )
