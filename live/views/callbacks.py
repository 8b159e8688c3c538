"""Endpoints BBB calls (no session, no CSRF): end of meeting, recording ready.

Checks and idempotency live in ``live.callbacks``; these views only read the
request and write the answer (401 refused, 200 done, 202 already processed
or accepted for a retry).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import callbacks


def _response(answer: callbacks.Answer) -> HttpResponse:
    return HttpResponse(
        answer.message, status=answer.status, content_type="text/plain; charset=utf-8"
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def bbb_end_callback(request: HttpRequest, uuid: Any, nonce: str) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in ("meetingID", "recordingmarks")}
    params = {key: value for key, value in params.items() if value}
    return _response(callbacks.handle_end(uuid, nonce, params))


@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def bbb_recording_ready(request: HttpRequest, uuid: Any) -> HttpResponse:
    token = request.POST.get("signed_parameters", "")
    return _response(callbacks.handle_recording_ready(uuid, token))
