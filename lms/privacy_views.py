"""GDPR self-service: a signed-in person downloads everything Tremplin holds about them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import audit, privacy


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """GET: what the archive holds; POST (CSRF-protected): the ZIP archive."""
    if request.method == "GET":
        return render(request, "lms/my_data.html")
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
