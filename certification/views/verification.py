"""Pages of the verification part: public verification (page, JSON, pasted
credential, API), and the attestation page with its downloads and revocation.

Public pages show validity **and the full signed content** decoded from the
credential, so a PDF whose text differs from what was signed is caught.
"""

from __future__ import annotations

import json
import logging
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.permissions import check_object_permission

from .. import credentials, pdf
from ..issuance import revoke_attestation
from ..models import Attestation, AttestationEvent, Delivery
from ..permissions import is_certification_staff

logger = logging.getLogger(__name__)

EVENTS_PAGE_SIZE = 50
MAX_API_BODY_BYTES = credentials.MAX_TOKEN_BYTES + 1024
MAX_COMPETENCES_SHOWN = 50


# --- decoding the signed content ------------------------------------------------------


def _dig(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]…`` or ``None`` (the payload may be hostile)."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, int | float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _date(value: Any) -> str:
    """A French date of an ISO date-time in the credential (else the raw text)."""
    if not isinstance(value, str):
        return _text(value)
    moment = parse_datetime(value) if len(value) <= 40 else None
    return moment.strftime("%d/%m/%Y") if moment else value


def _identifiers(subject: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    identifiers = _dig(subject, "identifier")
    for item in identifiers if isinstance(identifiers, list) else []:
        kind = _dig(item, "identityType")
        if isinstance(kind, str) and kind not in found:
            found[kind] = _text(_dig(item, "identityHash"))
    return found


def _competences(achievement: Any) -> list[str]:
    from lms.models import Competence

    alignments = _dig(achievement, "alignment")
    codes = [
        _text(_dig(item, "targetCode"))
        for item in (alignments if isinstance(alignments, list) else [])
    ][:MAX_COMPETENCES_SHOWN]
    names = dict(
        Competence.objects.filter(code__in=codes).values_list("code", "name_fr")
    )
    return [f"{code} {names[code]}" if code in names else code for code in codes]


def content_rows(payload: dict[str, Any], header: dict[str, Any]) -> list[dict]:
    """The credential's content as labelled rows (for any payload, even forged)."""
    subject = _dig(payload, "credentialSubject")
    achievement = _dig(subject, "achievement")
    hours = _dig(subject, "tremplin:hours")
    people = _identifiers(subject)
    modality = _dig(subject, "tremplin:modality")
    rows = [
        (_("Intitulé"), _text(_dig(payload, "name"))),
        (_("Titulaire"), people.get("name", "")),
        (
            _("Matricule"),
            people.get("identifier") or _("matricule non communiqué"),
        ),
        (_("E-mail"), people.get("emailAddress", "")),
        (_("Type d'attestation"), _text(_dig(achievement, "description"))),
        (_("Code de la formation"), _text(_dig(achievement, "humanCode"))),
        (_("Formation"), _text(_dig(achievement, "name"))),
        (_("Début"), _date(_dig(subject, "activityStartDate"))),
        (_("Fin"), _date(_dig(subject, "activityEndDate"))),
        (
            _("Modalité"),
            pdf.modality_label(modality) if isinstance(modality, str) else "",
        ),
        (_("Heures synchrones"), _text(_dig(hours, "synchronous"))),
        (_("Heures asynchrones"), _text(_dig(hours, "asynchronous"))),
        (_("Total des heures"), _text(_dig(hours, "total"))),
        (_("Compétences DigCompEdu"), ", ".join(_competences(achievement))),
        (_("Émetteur"), _text(_dig(payload, "issuer", "name"))),
        (_("Identifiant de l'émetteur"), _text(_dig(payload, "issuer", "id"))),
        (_("Émise le"), _date(_dig(payload, "validFrom"))),
        (_("Identifiant de l'attestation"), _text(_dig(payload, "id"))),
        (_("Clé de signature"), _text(header.get("kid"))),
        (_("Algorithme"), _text(header.get("alg"))),
    ]
    return [{"label": label, "value": value} for label, value in rows if value]


def _verification_context(
    result: credentials.Verification, token: str
) -> dict[str, Any]:
    if result.is_valid:
        state = "valid"
    elif result.is_revoked:
        state = "revoked"
    else:
        state = "invalid"
    attestation = result.attestation
    return {
        "result": result,
        "state": state,
        "revoked_at": attestation.revoked_at if attestation else None,
        "rows": content_rows(result.payload, result.header),
        "raw_json": json.dumps(
            {"header": result.header, "payload": result.payload},
            indent=2,
            ensure_ascii=False,
        ),
        "token": token,
    }


# --- public verification --------------------------------------------------------------


@require_GET
def verify_page(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Public: is this attestation valid, revoked or invalid, and what it states."""
    attestation = get_object_or_404(Attestation, uuid=uuid)
    result = credentials.verify(attestation.credential)
    context = _verification_context(result, attestation.credential)
    context["attestation"] = attestation
    return render(request, "certification/verification/verify.html", context)


@require_GET
def verify_json(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Public JSON: the verification result, the decoded content and the JWT."""
    attestation = get_object_or_404(Attestation, uuid=uuid)
    result = credentials.verify(attestation.credential)
    response = JsonResponse(
        {**result.as_json(), "jwt": attestation.credential},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def verify_token(request: HttpRequest) -> HttpResponse:
    """Public: paste any credential (JWT) and see whether Tremplin signed it."""
    context: dict[str, Any] = {"error": ""}
    if request.method == "POST":
        token = request.POST.get("credential", "").strip()
        if not token:
            context["error"] = _("Collez une attestation signée (JWT) à vérifier.")
        elif len(token.encode()) > credentials.MAX_TOKEN_BYTES:
            context["error"] = _("Attestation trop volumineuse pour être vérifiée.")
        else:
            context.update(_verification_context(credentials.verify(token), token))
    return render(request, "certification/verification/verify_token.html", context)


def _api_error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"valid": False, "error": message},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
@require_POST
def verify_api(request: HttpRequest) -> HttpResponse:
    """Public API: ``POST {"credential": "<jwt>"}`` → the verification as JSON."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = MAX_API_BODY_BYTES + 1
    if declared > MAX_API_BODY_BYTES:
        return _api_error(_("Requête trop volumineuse."), 413)
    body = request.body
    if len(body) > MAX_API_BODY_BYTES:
        return _api_error(_("Requête trop volumineuse."), 413)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return _api_error(_("Le corps de la requête n'est pas du JSON valide."), 400)
    token = data.get("credential") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token.strip():
        return _api_error(
            _("Le champ « credential » (attestation signée, JWT) est requis."), 400
        )
    result = credentials.verify(token)
    response = JsonResponse(result.as_json(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the attestation (holder and staff) -----------------------------------------------


def _attestation(request: HttpRequest, uuid: Any) -> Attestation:
    attestation = get_object_or_404(
        Attestation.objects.select_related("user", "revoked_by"), uuid=uuid
    )
    check_object_permission(request.user, "certification.view_attestation", attestation)
    return attestation


def _safe_filename(attestation: Attestation, extension: str) -> str:
    code = slugify(attestation.training_code)[:40] or "formation"
    return f"attestation-{code}-{str(attestation.uuid)[:8]}.{extension}"


@login_required
@require_GET
def attestation_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The attestation: content, downloads, delivery state, history, revocation."""
    attestation = _attestation(request, uuid)
    deliveries = list(
        Delivery.objects.filter(attestation=attestation).order_by("created_at", "id")
    )
    events = AttestationEvent.objects.filter(attestation=attestation).select_related(
        "actor"
    )
    page = Paginator(events, EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = pdf.context(attestation)
    context.update(
        {
            "deliveries": deliveries,
            "page": page,
            "is_staff": is_certification_staff(request.user),
            "is_holder": attestation.user_id == request.user.pk,
        }
    )
    return render(request, "certification/verification/detail.html", context)


@login_required
@require_GET
def attestation_pdf(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The attestation's PDF as a download."""
    attestation = _attestation(request, uuid)
    response = FileResponse(
        BytesIO(pdf.pdf_bytes(attestation)),
        as_attachment=True,
        filename=_safe_filename(attestation, "pdf"),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attestation_credential(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The signed credential as a JSON download: the JWT and its decoded content."""
    attestation = _attestation(request, uuid)
    result = credentials.verify(attestation.credential)
    response = JsonResponse(
        {"credential": attestation.credential, "content": result.payload},
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    filename = _safe_filename(attestation, "json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attestation_revoke(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Revoke with a reason (IFPC staff); audited, delivered to the staff space."""
    attestation = _attestation(request, uuid)
    if not is_certification_staff(request.user):
        raise PermissionDenied
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Indiquez le motif de la révocation."))
    elif len(reason) > 1000:
        messages.error(request, _("Le motif est trop long (1000 caractères au plus)."))
    elif revoke_attestation(attestation, by=request.user, reason=reason):
        messages.success(request, _("L'attestation est révoquée."))
    else:
        messages.info(request, _("Cette attestation était déjà révoquée."))
    return redirect("certification:attestation_detail", attestation.uuid)
