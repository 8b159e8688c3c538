"""Pages of virtual classes: schedule, edit, cancel, the class page, join, end,
recordings."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from courses.forms import apply_validation_error
from lms.permissions import check_object_permission, has_object_permission
from tutoring.models import Cohort
from tutoring.permissions import tutor_scope

from .. import classes as services
from .. import recordings as recording_services
from ..bbb import BbbError, BbbUnavailable, configured_servers
from ..forms_classes import CancelForm, ClassForm, ReopenForm
from ..models import AttendanceInterval, AttendanceRecord, Recording, VirtualClass

logger = logging.getLogger(__name__)

BBB_DOWN = gettext_lazy(
    "Le serveur de classes virtuelles ne répond pas pour le moment. "
    "Réessayez dans une minute ; si le problème persiste, prévenez votre tuteur·rice."
)


def _class(
    request: HttpRequest, uuid: Any, action: str = "live.view_slot"
) -> VirtualClass:
    virtual_class = get_object_or_404(
        VirtualClass.objects.select_related("cohort", "activity"), uuid=uuid
    )
    check_object_permission(request.user, action, virtual_class)
    return virtual_class


def _detail_url(virtual_class: VirtualClass) -> str:
    return reverse("live:class_detail", args=[virtual_class.uuid])


def _move_start_errors(error: ValidationError) -> ValidationError:
    """The service names the combined start ``starts_at``; the form has ``date``."""
    if hasattr(error, "error_dict") and "starts_at" in error.error_dict:
        errors = dict(error.error_dict)
        errors["date"] = errors.pop("starts_at")
        return ValidationError(errors)
    return error


# --- scheduling ---------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def class_create(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=cohort_id)
    if not tutor_scope(request.user, cohort).is_tutor:
        raise PermissionDenied
    form = ClassForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        try:
            virtual_class = services.schedule_class(
                cohort, by=request.user, **form.service_fields()
            )
        except ValidationError as error:
            apply_validation_error(form, _move_start_errors(error))
        else:
            messages.success(request, _("La classe virtuelle est programmée."))
            return redirect(_detail_url(virtual_class))
    return render(
        request,
        "live/classes/class_form.html",
        {"cohort": cohort, "form": form, "is_tutor": True, "virtual_class": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    virtual_class = _class(request, uuid, "live.run_slot")
    cohort = virtual_class.cohort
    if virtual_class.status != VirtualClass.Status.SCHEDULED:
        messages.error(
            request,
            _("Une classe en cours, terminée ou annulée ne peut plus être modifiée."),
        )
        return redirect(_detail_url(virtual_class))
    form = ClassForm(request.POST or None, cohort=cohort, virtual_class=virtual_class)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_class(
                virtual_class, by=request.user, **form.service_fields()
            )
        except ValidationError as error:
            apply_validation_error(form, _move_start_errors(error))
        else:
            messages.success(request, _("La classe virtuelle est modifiée."))
            return redirect(_detail_url(virtual_class))
    return render(
        request,
        "live/classes/class_form.html",
        {
            "cohort": cohort,
            "form": form,
            "is_tutor": True,
            "virtual_class": virtual_class,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def class_cancel(request: HttpRequest, uuid: Any) -> HttpResponse:
    virtual_class = _class(request, uuid, "live.run_slot")
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, virtual_class, cancel_form=form, status=400)
    try:
        services.cancel_class(
            virtual_class, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("La classe est annulée ; les participant·es sont prévenu·es.")
        )
    return redirect(_detail_url(virtual_class))


@login_required
@require_POST
def class_reopen(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Reopen a class ended before its planned end (reason required)."""
    virtual_class = _class(request, uuid, "live.run_slot")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, virtual_class, reopen_form=form, status=400)
    try:
        services.reopen_class(
            virtual_class, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("La classe est rouverte : on peut la rejoindre jusqu'à sa fin prévue."),
        )
    return redirect(_detail_url(virtual_class))


# --- the class page -----------------------------------------------------------------
def _detail_page(
    request: HttpRequest,
    virtual_class: VirtualClass,
    *,
    cancel_form: CancelForm | None = None,
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    is_tutor = has_object_permission(request.user, "live.run_slot", virtual_class)
    now = timezone.now()
    state = virtual_class.join_window_state(now)
    seconds_to_open = max(int((virtual_class.join_opens_at - now).total_seconds()), 0)
    context: dict[str, Any] = {
        "cohort": virtual_class.cohort,
        "virtual_class": virtual_class,
        "is_tutor": is_tutor,
        "window": state,
        "seconds_to_open": seconds_to_open,
        "minutes_to_open": -(-seconds_to_open // 60),
        "can_join": state == "open"
        and virtual_class.status != VirtualClass.Status.CANCELLED,
        "is_simulator": settings.BBB_IS_SIMULATOR,
        "recordings": list(
            recording_services.visible_recordings(virtual_class, as_tutor=is_tutor)
        ),
    }
    if is_tutor:
        context.update(
            can_edit=virtual_class.status == VirtualClass.Status.SCHEDULED,
            can_end=services.can_end(virtual_class),
            cancel_form=cancel_form or CancelForm(),
            can_reopen=services.can_reopen(virtual_class, now),
            reopen_form=reopen_form or ReopenForm(),
            connected=list(
                AttendanceInterval.objects.filter(
                    virtual_class=virtual_class, left_at__isnull=True
                )
                .select_related("user")
                .order_by("-is_moderator", "user__last_name", "user__first_name")
            ),
            records=list(
                AttendanceRecord.objects.filter(virtual_class=virtual_class)
                .select_related("user")
                .order_by("user__last_name", "user__first_name")
            )
            if virtual_class.status == VirtualClass.Status.ENDED
            else [],
        )
    response = render(request, "live/classes/class_detail.html", context, status=status)
    _allow_bbb_form_action(response)
    return response


def _allow_bbb_form_action(response: HttpResponse) -> None:
    """The join form posts here, then is redirected to BBB: CSP ``form-action``
    applies to that redirect, so the page lists the BBB servers' origins."""
    policy = getattr(settings, "SECURE_CSP", None) or {}
    if "form-action" not in policy:
        return
    origins = []
    for server in configured_servers():
        parts = urlsplit(server.url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    response._csp_config = {  # noqa: SLF001 (Django's per-response CSP hook)
        **policy,
        "form-action": [*policy["form-action"], *origins],
    }


@login_required
@require_http_methods(["GET"])
def class_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    return _detail_page(request, _class(request, uuid))


@login_required
@require_POST
@never_cache
def class_join(request: HttpRequest, uuid: Any) -> HttpResponse:
    virtual_class = get_object_or_404(
        VirtualClass.objects.select_related("cohort"), uuid=uuid
    )
    if not has_object_permission(request.user, "live.view_slot", virtual_class):
        raise PermissionDenied
    if virtual_class.status == VirtualClass.Status.CANCELLED:
        messages.error(request, _("Cette classe virtuelle a été annulée."))
        return redirect(_detail_url(virtual_class))
    check_object_permission(request.user, "live.join_class", virtual_class)
    try:
        url = services.join(virtual_class, request.user)
    except services.JoinRefused as refused:
        messages.error(request, refused.message)
        return redirect(_detail_url(virtual_class))
    except (BbbUnavailable, BbbError) as exc:
        logger.warning("join class=%s: BBB unavailable (%s)", virtual_class.pk, exc)
        messages.error(request, BBB_DOWN)
        return redirect(_detail_url(virtual_class))
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def class_end(request: HttpRequest, uuid: Any) -> HttpResponse:
    virtual_class = _class(request, uuid, "live.run_slot")
    if virtual_class.status == VirtualClass.Status.SCHEDULED and not services.can_end(
        virtual_class
    ):
        messages.error(request, _("La classe n'a pas encore commencé."))
        return redirect(_detail_url(virtual_class))
    try:
        ended = services.end_class(virtual_class, by=request.user)
    except (BbbUnavailable, BbbError) as exc:
        logger.warning("end class=%s: BBB unavailable (%s)", virtual_class.pk, exc)
        messages.error(request, BBB_DOWN)
    else:
        if ended:
            messages.success(
                request, _("La classe est terminée ; les présences sont enregistrées.")
            )
        else:
            messages.info(request, _("La classe était déjà terminée."))
    return redirect(_detail_url(virtual_class))


# --- recordings -----------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def recording_open(request: HttpRequest, pk: int) -> HttpResponse:
    recording = get_object_or_404(
        Recording.objects.select_related("virtual_class"), pk=pk
    )
    if not has_object_permission(
        request.user, "live.view_slot", recording.virtual_class
    ):
        raise Http404
    if not recording_services.can_open(request.user, recording):
        raise PermissionDenied
    if not recording.playback_url:
        messages.error(request, _("Cet enregistrement n'est pas encore disponible."))
        return redirect(_detail_url(recording.virtual_class))
    response = HttpResponseRedirect(recording.playback_url)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recording_visibility(request: HttpRequest, pk: int) -> HttpResponse:
    recording = get_object_or_404(
        Recording.objects.select_related("virtual_class"), pk=pk
    )
    check_object_permission(request.user, "live.run_slot", recording.virtual_class)
    hidden = request.POST.get("hidden") == "1"
    recording_services.set_hidden(recording, hidden=hidden, by=request.user)
    messages.success(
        request,
        _("L'enregistrement est masqué aux participant·es.")
        if hidden
        else _("L'enregistrement est visible pour les participant·es."),
    )
    return redirect(_detail_url(recording.virtual_class))
