"""GDPR self-service: a signed-in person downloads everything Tremplin holds
about them, or asks for their account to be erased."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import audit, erasure, privacy, retention
from .models import ErasureRequest


@require_http_methods(["GET"])
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice (public), with the configured retention periods."""
    return render(
        request,
        "lms/privacy_notice.html",
        {"retention_periods": retention.periods()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """GET: what the archive holds and the erasure form; POST (CSRF-protected):
    ``action=export`` downloads the ZIP, ``action=erase`` asks for erasure."""
    if request.method == "POST":
        if request.POST.get("action") == "erase":
            return _ask_erasure(request)
        return _download(request)
    pending = ErasureRequest.objects.filter(
        user=request.user, status=ErasureRequest.Status.PENDING
    ).first()
    return render(request, "lms/my_data.html", {"pending": pending})


def _download(request: HttpRequest) -> HttpResponse:
    archive = privacy.export_user_data(request.user)
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Export de ses propres données (RGPD)"),
        obj=request.user,
    )
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{privacy.export_filename(request.user)}"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _ask_erasure(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "1":
        messages.error(
            request, _("Cochez la case de confirmation pour demander l'effacement.")
        )
        return redirect("lms:my_data")
    try:
        erasure.request_erasure(request.user, request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Votre demande d'effacement est enregistrée. Un·e administrateur·rice "
                "l'examinera ; vous serez informé·e de la décision."
            ),
        )
    return redirect("lms:my_data")
