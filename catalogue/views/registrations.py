"""Teacher pages of registrations: confirm and register, cancel, "Mes inscriptions".

Thin views: they parse input, ask ``catalogue.permissions``, call one service
and render. A person only ever sees or cancels their own registrations (others
get a 404, so ids do not leak); every change is a POST with a CSRF token and
redirects afterwards (the services are idempotent, so a double submit is safe).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lms.permissions import has_object_permission

from .. import services
from ..errors import RegistrationError
from ..ics import calendar_filename, session_calendar
from ..models import (
    Registration,
    Session,
    SessionDay,
    TrackPage,
    TrackRegistration,
    TrackStep,
)

Status = Registration.Status
PAGE_SIZE = 20
MOTIVATION_MAX_LENGTH = 2000

#: Flash message after registering, by resulting status.
_RESULT_MESSAGES = {
    Status.ACCEPTED: gettext_lazy(
        "Votre inscription est confirmée. Un e-mail de confirmation avec le "
        "calendrier vous a été envoyé."
    ),
    Status.PENDING: gettext_lazy(
        "Votre demande d'inscription a été enregistrée ; l'IFPC vous informera de "
        "sa décision par e-mail."
    ),
    Status.WAITLISTED: gettext_lazy(
        "La session est complète : vous êtes sur la liste d'attente et serez "
        "prévenu·e si une place se libère."
    ),
}


def _days() -> Prefetch:
    return Prefetch("days", queryset=SessionDay.objects.order_by("date", "start_time"))


def _user_registrations(user: Any) -> QuerySet[Registration]:
    """The person's registrations with what the list shows (fixed query count)."""
    return (
        Registration.objects.filter(user=user)
        .select_related("session__training", "track_registration__track")
        .prefetch_related(Prefetch("session__days", queryset=SessionDay.objects.all()))
        .order_by("-session__starts_on", "-created_at", "-pk")
    )


def _own_registration(request: HttpRequest, registration_id: int) -> Registration:
    """The registration if it is the requester's own; 404 otherwise."""
    registration = get_object_or_404(
        Registration.objects.select_related("session__training"),
        pk=registration_id,
        user=request.user,
    )
    return registration


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def session_register(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: what the person registers for, with warnings; POST: register."""
    session = get_object_or_404(
        Session.objects.visible()
        .select_related("training", "establishment")
        .prefetch_related(_days()),
        pk=session_id,
    )
    training = session.training
    existing = (
        Registration.objects.active().filter(session=session, user=request.user).first()
    )
    motivation = ""
    error = ""
    if request.method == "POST":
        motivation = request.POST.get("motivation", "").strip()
        if len(motivation) > MOTIVATION_MAX_LENGTH:
            error = _("La motivation ne peut dépasser %(max)s caractères.") % {
                "max": MOTIVATION_MAX_LENGTH
            }
        else:
            try:
                registration = services.register_for_session(
                    request.user, session, motivation=motivation
                )
            except RegistrationError as exc:
                error = exc.message
            else:
                if existing is not None:
                    messages.info(
                        request, _("Vous êtes déjà inscrit·e à cette session.")
                    )
                else:
                    messages.success(request, _RESULT_MESSAGES[registration.status])
                return redirect("catalogue:my_registrations")
    status = 400 if error else 200
    return render(
        request,
        "catalogue/registration_confirm.html",
        {
            "session": session,
            "training": training,
            "days": list(session.days.all()),
            "existing": existing,
            "problem": "" if existing else services.registration_problem(session),
            "error": error,
            "motivation": motivation,
            "motivation_max_length": MOTIVATION_MAX_LENGTH,
            "is_manual": session.policy != Session.Policy.AUTOMATIC,
            "is_audience_mismatch": services.is_audience_mismatch(
                request.user, training
            ),
            "will_waitlist": session.policy == Session.Policy.AUTOMATIC
            and session.seats_left == 0
            and session.has_waitlist,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    """GET: ask for confirmation; POST: cancel the person's own registration."""
    registration = _own_registration(request, registration_id)
    if not has_object_permission(
        request.user, "catalogue.cancel_registration", registration
    ):
        raise Http404
    default = reverse("catalogue:my_registrations")
    if request.method == "POST":
        try:
            services.cancel_registration(registration, actor=request.user)
        except RegistrationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Votre inscription a été annulée."))
        return redirect(_safe_next(request, default))
    if not registration.is_active:
        messages.info(request, _("Cette inscription n'est plus active."))
        return redirect(default)
    session = registration.session
    return render(
        request,
        "catalogue/registration_cancel_confirm.html",
        {
            "registration": registration,
            "session": session,
            "training": session.training,
            "deadline": session.effective_cancellation_deadline,
            "deadline_passed": timezone.now()
            >= session.effective_cancellation_deadline,
            "next": _safe_next(request, default),
        },
    )


@login_required
@require_GET
def my_registrations(request: HttpRequest) -> HttpResponse:
    """The person's registrations (newest sessions first) and track steps to choose."""
    page = Paginator(_user_registrations(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rows = [
        {
            "registration": registration,
            "session": registration.session,
            "can_cancel": registration.is_active
            and now < registration.session.effective_cancellation_deadline,
            "has_calendar": registration.status == Status.ACCEPTED,
        }
        for registration in page.object_list
    ]
    tracks = (
        TrackRegistration.objects.filter(
            user=request.user, status=TrackRegistration.Status.ACTIVE
        )
        .select_related("track")
        .prefetch_related(
            Prefetch(
                "track__steps",
                queryset=TrackStep.objects.select_related(
                    "training", "session"
                ).order_by("sort_order"),
            )
        )
        .order_by("-created_at")
    )
    return render(
        request,
        "catalogue/registration_list.html",
        {"page": page, "rows": rows, "track_registrations": list(tracks)},
    )


@login_required
@require_GET
def registration_ics(request: HttpRequest, registration_id: int) -> HttpResponse:
    """The calendar (.ics) of the person's own accepted registration."""
    registration = get_object_or_404(
        Registration.objects.select_related("session__training"),
        pk=registration_id,
        user=request.user,
        status=Status.ACCEPTED,
    )
    session = registration.session
    url = session.training.get_url(request) or ""
    if url and not url.startswith("http"):
        url = request.build_absolute_uri(url)
    response = HttpResponse(
        session_calendar(session, url=url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{calendar_filename(session)}"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def track_register(request: HttpRequest, track_id: int) -> HttpResponse:
    """GET: the track's steps and eligibility; POST: register to the whole track."""
    track = get_object_or_404(TrackPage.objects.live(), pk=track_id)
    steps = list(
        track.steps.select_related("training", "session")
        .prefetch_related(Prefetch("session__days", queryset=SessionDay.objects.all()))
        .order_by("sort_order")
    )
    existing = TrackRegistration.objects.filter(
        track=track, user=request.user, status=TrackRegistration.Status.ACTIVE
    ).first()
    error = ""
    if request.method == "POST":
        try:
            services.register_for_track(request.user, track)
        except RegistrationError as exc:
            error = exc.message
        else:
            if existing is not None:
                messages.info(request, _("Vous êtes déjà inscrit·e à ce parcours."))
            else:
                messages.success(
                    request,
                    _(
                        "Votre inscription au parcours est enregistrée. Consultez le "
                        "statut de chaque session ci-dessous."
                    ),
                )
            return redirect("catalogue:my_registrations")
    return render(
        request,
        "catalogue/registration_track_confirm.html",
        {
            "track": track,
            "steps": steps,
            "existing": existing,
            "is_eligible": services.is_eligible_for_track(request.user, track),
            "eligible_audiences": list(track.eligible_audiences.all()),
            "error": error,
        },
        status=400 if error else 200,
    )
