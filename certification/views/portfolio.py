"""Pages of the portfolio part: the teacher's own portfolio, the ZIP of
everything, share links and the public shared portfolio."""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import tempfile
import zipfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.reports import stream_csv
from lms.emails import absolute_url

from .. import sharing
from ..forms_portfolio import ShareLinkForm
from ..models import Attestation, ShareLink
from ..portfolio import hours_per_year, portfolio_for, school_year_label

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
LINKS_PAGE_SIZE = 20


# --- the teacher's own portfolio ----------------------------------------------------


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    """The signed-in person's attestations, hours per school year and competences."""
    data = portfolio_for(request.user)
    page = Paginator(data.entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/portfolio/portfolio.html",
        {"portfolio": data, "page": page, "attribution": _digcompedu_attribution()},
    )


def _digcompedu_attribution() -> Any:
    from lms.digcompedu import ATTRIBUTION

    return ATTRIBUTION


# --- the ZIP of everything ------------------------------------------------------------


def file_stem(attestation: Attestation) -> str:
    """A safe, sortable file name without extension: ``2026-06-30_num-27-001_
    participation_1a2b3c4d``."""
    code = slugify(attestation.training_code)[:40] or "formation"
    return (
        f"{attestation.ends_on:%Y-%m-%d}_{code}_{attestation.kind}_"
        f"{attestation.uuid.hex[:8]}"
    )


def decoded_credential(token: str) -> dict[str, Any]:
    """The header and payload of a compact JWS, decoded (not verified)."""
    parts = token.split(".")
    decoded: dict[str, Any] = {}
    for name, part in zip(("header", "payload"), parts[:2], strict=False):
        try:
            decoded[name] = json.loads(
                base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            )
        except (ValueError, binascii.Error):
            decoded[name] = None
    return decoded


def _hours(value: Any) -> str:
    return f"{value:.2f}".replace(".", ",")


INDEX_HEADER = (
    "Identifiant",
    "Type",
    "Code de la formation",
    "Intitulé de la formation",
    "Modalité",
    "Début",
    "Fin",
    "Année scolaire",
    "Heures synchrones",
    "Heures asynchrones",
    "Heures totales",
    "Compétences DigCompEdu",
    "Émise le",
    "Révoquée le",
    "Motif de la révocation",
    "Lien de vérification",
    "Fichier PDF",
    "Attestation signée (JWT)",
    "Attestation décodée (JSON)",
)


def _index_row(attestation: Attestation, stem: str) -> list[str]:
    revoked = attestation.revoked_at
    return [
        str(attestation.uuid),
        attestation.get_kind_display(),
        attestation.training_code,
        attestation.training_title,
        attestation.modality,
        attestation.starts_on.isoformat(),
        attestation.ends_on.isoformat(),
        school_year_label(attestation.ends_on),
        _hours(attestation.sync_hours),
        _hours(attestation.async_hours),
        _hours(attestation.total_hours),
        ", ".join(attestation.competences or []),
        timezone.localtime(attestation.issued_at).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(revoked).strftime("%Y-%m-%d %H:%M") if revoked else "",
        attestation.revocation_reason,
        absolute_url(reverse("certification:verify", args=[attestation.uuid])),
        f"pdf/{stem}.pdf",
        f"attestations-signees/{stem}.jwt",
        f"attestations-signees/{stem}.json",
    ]


def write_portfolio_zip(user: Any, target: Any) -> int:
    """Write ``user``'s ZIP into the binary file ``target``; returns how many
    attestations it holds. PDFs missing from storage are rendered first."""
    from ..pdf import pdf_bytes

    attestations = list(Attestation.objects.filter(user=user).order_by("ends_on", "pk"))
    rows = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for attestation in attestations:
            stem = file_stem(attestation)
            # PDFs are already compressed: store them as they are.
            archive.writestr(
                f"pdf/{stem}.pdf", pdf_bytes(attestation), zipfile.ZIP_STORED
            )
            archive.writestr(f"attestations-signees/{stem}.jwt", attestation.credential)
            archive.writestr(
                f"attestations-signees/{stem}.json",
                json.dumps(
                    decoded_credential(attestation.credential),
                    ensure_ascii=False,
                    indent=2,
                ),
            )
            rows.append(_index_row(attestation, stem))
        archive.writestr("index.csv", "".join(stream_csv(INDEX_HEADER, rows)))
        archive.writestr("LISEZMOI.txt", _readme(user, attestations))
    return len(attestations)


def _readme(user: Any, attestations: list[Attestation]) -> str:
    years = hours_per_year(attestations)
    text = render_to_string(
        "certification/portfolio/lisezmoi.txt",
        {
            "holder": user.get_full_name() or user.email,
            "count": len(attestations),
            "years": years,
            "generated_at": timezone.localtime(),
            "verify_token_url": absolute_url(reverse("certification:verify_token")),
            "jwks_url": absolute_url(reverse("well_known_jwks")),
            "did_url": absolute_url(reverse("well_known_did")),
        },
    )
    return text.replace("\r\n", "\n").replace("\n", "\r\n")  # Notepad-friendly


@login_required
@require_GET
def portfolio_zip(request: HttpRequest) -> HttpResponse:
    """Every attestation of the signed-in person (PDF, signed and decoded
    credential), an index and a read-me, streamed from a temporary file."""
    spool = tempfile.TemporaryFile()  # closed (and deleted) by FileResponse
    try:
        count = write_portfolio_zip(request.user, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    logger.info("portfolio zip user=%s attestations=%s", request.user.pk, count)
    filename = f"portfolio-tremplin-{timezone.localdate():%Y-%m-%d}.zip"
    response = FileResponse(
        spool, as_attachment=True, filename=filename, content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- share links (the owner's side) --------------------------------------------------


def _links_page(request: HttpRequest) -> Any:
    links = ShareLink.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(links, LINKS_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for link in page.object_list:
        link.status = sharing.status(link, now)
        link.status_label = sharing.STATUS_LABELS[link.status]
    return page


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def share_links(request: HttpRequest) -> HttpResponse:
    """List the person's share links and create one (its token shown once)."""
    form = ShareLinkForm(request.POST or None)
    new_link, new_url = None, ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new_link, token = sharing.create_share_link(
                    request.user,
                    label=form.cleaned_data["label"],
                    days=form.cleaned_data["days"],
                )
            except sharing.ShareLinkError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                new_url = absolute_url(
                    reverse("certification:shared_portfolio", args=[token])
                )
                form = ShareLinkForm()
        else:
            status = 400
    response = render(
        request,
        "certification/portfolio/share_links.html",
        {
            "form": form,
            "page": _links_page(request),
            "new_link": new_link,
            "new_url": new_url,
            "max_days": sharing.MAX_DAYS,
        },
        status=status,
    )
    # No "no-referrer" here although the token is shown: the page's own forms
    # need their Origin for the CSRF check, and its URL holds no token.
    return response


@login_required
@require_POST
def share_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the person's own links (another person's: 404)."""
    link = get_object_or_404(ShareLink, pk=pk, user=request.user)
    if sharing.revoke_share_link(link, by=request.user):
        messages.success(
            request,
            _("Le lien « %(label)s » est révoqué : il ne fonctionne plus.")
            % {"label": link.label},
        )
    else:
        messages.info(request, _("Ce lien était déjà révoqué."))
    return redirect("certification:share_links")


# --- the shared portfolio (public, read-only) --------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _resolve_or_gone(request: HttpRequest, token: str) -> ShareLink | HttpResponse:
    try:
        return sharing.resolve(token)
    except ShareLink.DoesNotExist as error:
        raise Http404 from error
    except sharing.ShareLinkGone as gone:
        return _private(
            render(
                request,
                "certification/portfolio/shared_gone.html",
                {"status": sharing.status(gone.link)},
                status=410,
            )
        )


@require_GET
def shared_portfolio(request: HttpRequest, token: str) -> HttpResponse:
    """What the holder shares: name, valid attestations, hours, verification links."""
    link = _resolve_or_gone(request, token)
    if isinstance(link, HttpResponse):
        return link
    attestations = list(
        Attestation.objects.valid()
        .filter(user_id=link.user_id)
        .only(
            "uuid",
            "kind",
            "training_code",
            "training_title",
            "modality",
            "starts_on",
            "ends_on",
            "sync_hours",
            "async_hours",
            "competences",
            "issued_at",
            "revoked_at",
            "holder_name",
        )
    )
    sharing.record_use(link)
    holder = link.user.get_full_name() or (
        attestations[0].holder_name if attestations else ""
    )
    entries = [
        {
            "attestation": a,
            "verify_url": reverse("certification:verify", args=[a.uuid]),
            "pdf_url": reverse(
                "certification:shared_attestation_pdf", args=[token, a.uuid]
            ),
        }
        for a in attestations
    ]
    return _private(
        render(
            request,
            "certification/portfolio/shared.html",
            {
                "holder": holder,
                "entries": entries,
                "years": hours_per_year(attestations),
                "expires_at": link.expires_at,
            },
        )
    )


@require_GET
def shared_attestation_pdf(request: HttpRequest, token: str, uuid: Any) -> HttpResponse:
    """The PDF of one valid attestation of the link's holder (others: 404)."""
    from ..pdf import pdf_bytes

    link = _resolve_or_gone(request, token)
    if isinstance(link, HttpResponse):
        return link
    attestation = get_object_or_404(
        Attestation.objects.valid(), uuid=uuid, user_id=link.user_id
    )
    response = FileResponse(
        io.BytesIO(pdf_bytes(attestation)),
        as_attachment=False,
        filename=f"{file_stem(attestation)}.pdf",
        content_type="application/pdf",
    )
    return _private(response)
