"""Calendar pages: the secret iCalendar feeds and the page listing their URLs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tutoring.models import Cohort
from tutoring.permissions import tutor_scope

from .. import calendars
from ..models import CalendarFeed


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed of a secret token (no login: the token is the credential)."""
    feed = (
        CalendarFeed.objects.select_related("user", "cohort")
        .filter(token=token)
        .first()
    )
    if feed is None or (feed.user_id and not feed.user.is_active):
        raise Http404
    response = HttpResponse(
        calendars.feed_calendar(feed), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="tremplin.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def calendar_links(request: HttpRequest) -> HttpResponse:
    """My feed URL and those of the cohorts I follow or tutor."""
    user = request.user
    mine = calendars.feed_for_user(user)
    cohorts = []
    for cohort in calendars.followed_or_tutored(user):
        feed = calendars.feed_for_cohort(cohort)
        cohorts.append(
            {
                "cohort": cohort,
                "url": calendars.feed_url(feed),
                "can_regenerate": tutor_scope(user, cohort).is_tutor,
            }
        )
    response = render(
        request,
        "live/calendars/links.html",
        {"my_url": calendars.feed_url(mine), "cohorts": cohorts},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    """A new secret address (mine, or a cohort's for its tutors)."""
    cohort_id = request.POST.get("cohort", "")
    if cohort_id:
        try:
            cohort = get_object_or_404(Cohort, pk=int(cohort_id))
        except ValueError as error:
            raise Http404 from error
        if not tutor_scope(request.user, cohort).is_tutor:
            raise PermissionDenied
        calendars.regenerate(calendars.feed_for_cohort(cohort))
        messages.success(
            request,
            _(
                "Nouvelle adresse générée pour « %(title)s » : l'ancienne ne "
                "fonctionne plus."
            )
            % {"title": cohort.title},
        )
    else:
        calendars.regenerate(calendars.feed_for_user(request.user))
        messages.success(
            request,
            _("Nouvelle adresse générée : l'ancienne ne fonctionne plus."),
        )
    return redirect("live:calendar_links")
