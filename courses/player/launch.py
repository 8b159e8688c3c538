"""Platform-origin pages that launch a SCORM or H5P activity in the sandboxed player.

The play page starts or resumes the learner's attempt, mints a short-lived signed
attempt token and embeds the wrapper page of the *content origin* in a sandboxed
iframe. The token travels in the iframe URL's fragment, which browsers never send
to servers. Staff and tutors who are not learners of the run get a preview: the
same player, with nothing recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses import selectors as course_selectors
from courses.attempts import is_attempt_finished, start_or_resume_attempt
from courses.middleware import content_origin
from courses.models import Activity, Attempt, Package
from courses.player.links import content_url, launch_fragment
from courses.player.outline import build_outline
from courses.player.selectors import (
    AttemptSummary,
    attempt_summary,
    missing_prerequisites,
)
from courses.progress import is_unlocked, record_progress
from courses.services import is_active_learner
from courses.tracking.tokens import make_attempt_token
from lms.permissions import check_object_permission

logger = logging.getLogger(__name__)

PLAYABLE_KINDS = (Activity.Kind.SCORM, Activity.Kind.H5P)
#: The sandbox of the player frame: scripts and same-origin storage for the
#: wrapper on its own (cookieless) origin; never top navigation.
PLAYER_SANDBOX = (
    "allow-scripts allow-same-origin allow-forms allow-popups allow-modals "
    "allow-downloads"
)


def _playable_activity(request: HttpRequest, activity_uuid: Any) -> Activity:
    try:
        activity = course_selectors.activity_for_page(activity_uuid)
    except Activity.DoesNotExist:
        raise Http404 from None
    if activity.kind not in PLAYABLE_KINDS:
        raise Http404
    check_object_permission(request.user, "courses.view_course", activity.module.course)
    return activity


def _locked_response(request: HttpRequest, activity: Activity) -> HttpResponse | None:
    """A French explanation (403) when the learner has not met the prerequisites."""
    prerequisites = list(activity.prerequisites.all())
    if not prerequisites:
        return None
    progress = course_selectors.learner_progress_on(
        request.user, [activity, *prerequisites]
    )
    own = progress.get(activity.pk)
    if (own is not None and own.is_completed) or is_unlocked(activity, progress):
        return None
    completed = {pk for pk, row in progress.items() if row.is_completed}
    return render(
        request,
        "courses/player/locked.html",
        {
            "activity": activity,
            "course": activity.module.course,
            "missing": missing_prerequisites(activity, completed),
        },
        status=403,
    )


def _unavailable_response(request: HttpRequest, activity: Activity) -> HttpResponse:
    return render(
        request,
        "courses/player/unavailable.html",
        {"activity": activity, "course": activity.module.course},
        status=404,
    )


def _sco_identifiers(package: Package) -> list[str]:
    if package.standard == Package.Standard.H5P:
        return []
    return [sco.identifier for sco in build_outline(package).scos]


def _wrapper_url(package: Package) -> str:
    name = (
        "content:h5p_wrapper"
        if package.standard == Package.Standard.H5P
        else "content:scorm_wrapper"
    )
    return f"{content_url(name, package_uuid=package.uuid)}?lang={get_language() or ''}"


def _player_csp() -> dict[str, Any]:
    """The site's CSP, plus permission to frame the content origin (only there)."""
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    policy["frame-src"] = [content_origin()]
    return policy


def _may_start_new_attempt(activity: Activity, attempt: Attempt | None) -> bool:
    """ "Nouvelle tentative" is offered when the policy lets the learner ask for it
    and the current attempt is finished (as ``start_or_resume_attempt`` decides)."""
    return (
        attempt is not None
        and activity.attempt_policy == Activity.AttemptPolicy.ON_REQUEST
        and is_attempt_finished(attempt)
    )


@login_required
@require_GET
def activity_play(request: HttpRequest, activity_uuid: Any) -> HttpResponse:
    """Play a SCORM/H5P activity: resume or start the attempt, embed the player."""
    activity = _playable_activity(request, activity_uuid)
    course = activity.module.course
    learner = is_active_learner(request.user, course)
    if learner and (locked := _locked_response(request, activity)) is not None:
        return locked

    attempt: Attempt | None = None
    summary: AttemptSummary | None = None
    if learner:
        try:
            attempt = start_or_resume_attempt(request.user, activity)
        except ValidationError:
            # No attempt yet and no READY package to start one on.
            return _unavailable_response(request, activity)
        # Opening the module counts as viewing it (the "viewed" completion rule,
        # and "in progress" on the course page even before the first commit).
        record_progress(request.user, activity, viewed=True)
        package = attempt.package
    else:
        package = activity.package
    if package is None or package.status != Package.Status.READY:
        return _unavailable_response(request, activity)

    sco_identifiers = _sco_identifiers(package)
    if attempt is not None:
        summary = attempt_summary(attempt, sco_identifiers)
        launch = {
            "t": make_attempt_token(attempt),
            "a": str(attempt.uuid),
            "sco": summary.resume_sco,
        }
        if attempt.is_closed:
            launch["review"] = "1"
        fragment = launch_fragment(**launch)
    else:
        fragment = launch_fragment(
            preview="1", sco=sco_identifiers[0] if sco_identifiers else ""
        )
    response = render(
        request,
        "courses/player/play.html",
        {
            "activity": activity,
            "course": course,
            "package": package,
            "attempt": attempt,
            "summary": summary,
            "is_preview": attempt is None,
            "can_start_new": _may_start_new_attempt(activity, attempt),
            "player_src": f"{_wrapper_url(package)}#{fragment}",
            "sandbox": PLAYER_SANDBOX,
        },
    )
    response._csp_config = _player_csp()  # type: ignore[attr-defined]
    # The page holds a bearer token for this attempt: never cache it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def activity_new_attempt(
    request: HttpRequest, activity_uuid: Any
) -> HttpResponseRedirect:
    """Start a new attempt when the activity's policy allows it, then play it."""
    activity = _playable_activity(request, activity_uuid)
    play = reverse("courses:activity_play", args=[activity.uuid])
    if not is_active_learner(request.user, activity.module.course):
        messages.error(request, _("Seuls les apprenants du cours ont des tentatives."))
        return HttpResponseRedirect(play)
    if _locked_response(request, activity) is not None:
        return HttpResponseRedirect(play)
    try:
        attempt = start_or_resume_attempt(request.user, activity, new=True)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(play)
    messages.success(
        request,
        _("Nouvelle tentative commencée (tentative n° %(number)s).")
        % {"number": attempt.number},
    )
    return HttpResponseRedirect(play)
