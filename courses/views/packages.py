"""Staff pages for SCORM/H5P packages: upload with progress, status, use."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.db import transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from .. import selectors
from ..forms import PackageUploadForm
from ..models import Activity, Module, Package
from ..packages.errors import PackageError
from ..packages.importer import create_package_from_upload
from ..tasks import process_package_task
from ._common import (
    is_uuid,
    require_manager,
    wants_json,
)
from .manage import MANAGE_PAGE_SIZE

logger = logging.getLogger(__name__)


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes ``limit`` bytes."""

    def __init__(self, limit: int, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large_response() -> JsonResponse:
    limit_mb = settings.PACKAGE_MAX_UPLOAD_BYTES // (1024 * 1024)
    return JsonResponse(
        {
            "error": "too_large",
            "problems": [
                {
                    "code": "upload_too_large",
                    "message": _(
                        "Le fichier dépasse la taille maximale autorisée (%(size)s Mo)."
                    )
                    % {"size": limit_mb},
                    "entry": "",
                }
            ],
        },
        status=413,
    )


def package_status_payload(package: Package, query: str = "") -> dict[str, Any]:
    """What ``package_status`` returns and the upload page shows."""
    detail = reverse("courses:package_detail", args=[package.uuid])
    return {
        "uuid": str(package.uuid),
        "status": package.status,
        "status_label": package.get_status_display(),
        "progress": package.progress if package.status != Package.Status.READY else 100,
        "title": package.title,
        "filename": package.original_filename,
        "standard": package.standard,
        "standard_label": package.get_standard_display() if package.standard else "",
        "edition": package.edition,
        "problems": [
            {
                "code": str(problem.get("code", "")),
                "message": str(problem.get("message", "")),
                "entry": str(problem.get("entry", "")),
            }
            for problem in (package.errors or [])
            if isinstance(problem, dict)
        ],
        "status_url": reverse("courses:package_status", args=[package.uuid]),
        "detail_url": detail + (f"?{query}" if query else ""),
    }


def _attach_query(request: HttpRequest) -> str:
    """Carry the activity (replace) or module (create) the upload is for."""
    source = request.POST if request.method == "POST" else request.GET
    activity = source.get("activity", "")
    if activity and is_uuid(activity):
        return f"activity={activity}"
    module = source.get("module", "")
    if module.isdigit():
        return f"module={module}"
    return ""


@csrf_exempt  # CSRF is checked below, once the size-limit handler is installed
@login_required
@require_http_methods(["GET", "POST"])
def package_upload(request: HttpRequest) -> HttpResponse:
    """Upload a SCORM (.zip) or H5P (.h5p) package.

    GET: the page with its progress bar. POST (multipart, XHR): 202 and the status
    URL to poll; processing runs in Celery after commit. 413 JSON (French) past
    ``PACKAGE_MAX_UPLOAD_BYTES``; 400 JSON with the French problems when refused.
    Without JavaScript the form posts normally and is redirected to the package.
    """
    require_manager(request)
    if request.method == "POST":
        limit = settings.PACKAGE_MAX_UPLOAD_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        # The multipart envelope adds a little to the file itself.
        if declared > limit + 64 * 1024:
            return _too_large_response()
        handler = _SizeLimitHandler(limit, request)
        request.upload_handlers.insert(0, handler)
        return _package_upload_post(request, handler)
    return _package_upload_page(request)


@csrf_protect
def _package_upload_page(
    request: HttpRequest, form: PackageUploadForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "courses/manage/package_upload.html",
        {
            "form": form or PackageUploadForm(),
            "attach_query": _attach_query(request),
            "activity": request.GET.get("activity", ""),
            "module": request.GET.get("module", ""),
            "max_bytes": settings.PACKAGE_MAX_UPLOAD_BYTES,
            "max_mb": settings.PACKAGE_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=status,
    )


@csrf_protect
def _package_upload_post(
    request: HttpRequest, handler: _SizeLimitHandler
) -> HttpResponse:
    form = PackageUploadForm(request.POST, request.FILES)
    if handler.exceeded:
        return _too_large_response()
    as_json = wants_json(request)
    if not form.is_valid():
        if as_json:
            return JsonResponse(
                {
                    "error": "invalid",
                    "problems": [
                        {"code": "no_file", "message": message, "entry": ""}
                        for message in form.errors.get("file", [])
                    ],
                },
                status=400,
            )
        return _package_upload_page(request, form, status=400)
    try:
        with transaction.atomic():
            package = create_package_from_upload(
                form.cleaned_data["file"], request.user
            )
            process_package_task.delay_on_commit(package.pk)
    except PackageError as error:
        if as_json:
            return JsonResponse(
                {"error": "refused", "problems": error.as_list()}, status=400
            )
        for problem in error.problems:
            form.add_error("file", problem.message)
        return _package_upload_page(request, form, status=400)
    logger.info(
        "package uploaded package=%s by=%s size=%s",
        package.pk,
        request.user.pk,
        form.cleaned_data["file"].size,
    )
    payload = package_status_payload(package, _attach_query(request))
    if not as_json:
        return redirect(payload["detail_url"])
    response = JsonResponse(payload, status=202)
    response["Location"] = payload["status_url"]
    return response


@never_cache
@login_required
@require_GET
def package_status(request: HttpRequest, package_uuid: Any) -> JsonResponse:
    """JSON status of an uploaded package, polled by the upload page."""
    require_manager(request)
    package = get_object_or_404(Package, uuid=package_uuid)
    return JsonResponse(package_status_payload(package, _attach_query(request)))


@login_required
@require_GET
def package_detail(request: HttpRequest, package_uuid: Any) -> HttpResponse:
    """An uploaded package: its status or problems and, once ready, where to use it."""
    require_manager(request)
    package = get_object_or_404(
        Package.objects.select_related("uploaded_by"), uuid=package_uuid
    )
    kind = (
        Activity.Kind.H5P
        if package.standard == Package.Standard.H5P
        else Activity.Kind.SCORM
    )
    target_activity = None
    activity_param = request.GET.get("activity", "")
    if activity_param and is_uuid(activity_param):
        target_activity = (
            Activity.objects.select_related("module__course", "package")
            .filter(uuid=activity_param, kind=kind)
            .first()
        )
    target_module = None
    module_param = request.GET.get("module", "")
    if module_param.isdigit():
        target_module = (
            Module.objects.select_related("course").filter(pk=module_param).first()
        )
    context = {
        "package": package,
        "payload": package_status_payload(package, _attach_query(request)),
        "kind": kind,
        "target_activity": target_activity,
        "target_module": target_module,
    }
    if package.status == Package.Status.READY:
        context["modules"] = (
            Module.objects.filter(course__is_archived=False)
            .select_related("course")
            .order_by("course__code", "position", "id")
        )
        context["activities"] = (
            Activity.objects.filter(kind=kind, module__course__is_archived=False)
            .select_related("module__course", "package")
            .order_by("module__course__code", "module__position", "position", "id")
        )
    return render(request, "courses/manage/package_detail.html", context)


@login_required
@require_GET
def package_list(request: HttpRequest) -> HttpResponse:
    """Uploaded packages, newest first."""
    require_manager(request)
    paginator = Paginator(selectors.recent_packages(), MANAGE_PAGE_SIZE)
    return render(
        request,
        "courses/manage/package_list.html",
        {"page": paginator.get_page(request.GET.get("page"))},
    )
