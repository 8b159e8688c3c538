"""PDF of attestations: an HTML+CSS template rendered with WeasyPrint.

The PDF shows what was issued (the frozen row) and the verification URL with
its QR code; it is only a view of the signed credential, which the verification
page shows in full. Rendering fetches nothing: the ``url_fetcher`` accepts only
``data:`` URIs (the QR code), so a hostile name can neither load a remote image
nor read a local file, and the template autoescapes everything.

``render_missing`` stores each PDF once under ``attestations/<uuid>.pdf``
(``default_storage``); two workers rendering the same attestation meet on a row
lock and the second one stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .credentials import verification_url

if TYPE_CHECKING:
    from .models import Attestation

logger = logging.getLogger(__name__)
# WeasyPrint's INFO lines (seven per document) are silenced in settings.LOGGING.

PDF_DIRECTORY = "attestations"
MAX_PAGES = 3  # a hostile 10,000-character name wraps; the PDF stays short
# Tagged PDF with PDF/UA metadata; ``ATTESTATION_PDF_VARIANT = None`` (untagged)
# saves ~17 % of the render time.
PDF_VARIANT = "pdf/ua-1"
QR_MASK = 2  # fixed mask: skips segno's eight-mask search (~10 ms a code)

_state = threading.local()


class FetchRefused(ValueError):
    """A resource the PDF template must not load (anything but ``data:``)."""


class RestrictedFetcher(URLFetcher):
    """WeasyPrint fetcher that decodes ``data:`` URIs itself and refuses the
    rest (``http``, ``https``, ``file``, ``ftp``…) without any I/O.

    It builds no urllib opener (no handlers, no TLS context: cheap per PDF).
    ``refused`` lists what the document tried to load.
    """

    def __init__(self) -> None:  # noqa: D107 — deliberately not calling super()
        self._allowed_protocols = {"data"}
        self._fail_on_errors = False
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url[:5].lower() == "data:":
            self.refused.append(url[:200])
            raise FetchRefused(f"ressource refusée : {url[:200]}")
        meta, sep, data = url[5:].partition(",")
        if not sep:
            raise FetchRefused("URI data: malformée")
        media_type, *params = meta.split(";")
        if params and params[-1].lower() == "base64":
            body = base64.b64decode(unquote_to_bytes(data))
        else:
            body = unquote_to_bytes(data)
        return URLFetcherResponse(
            url, body, {"Content-Type": media_type or "text/plain"}
        )

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
        return self.fetch(getattr(url, "full_url", url))

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)


def _font_config() -> FontConfiguration:
    """One ``FontConfiguration`` per thread (they hold Pango state)."""
    config = getattr(_state, "fonts", None)
    if config is None:
        config = _state.fonts = FontConfiguration()
    return config


def _stylesheet() -> CSS:
    """The template's stylesheet, parsed once per thread."""
    css = getattr(_state, "css", None)
    if css is None:
        source = render_to_string("certification/pdf/attestation.css")
        css = _state.css = CSS(
            string=source, font_config=_font_config(), url_fetcher=RestrictedFetcher()
        )
    return css


def _hours(value: Decimal) -> str:
    """French hours: ``12,5`` (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def modality_label(code: str) -> str:
    from catalogue.models import Modality

    try:
        return str(Modality(code).label)
    except ValueError:
        return code


def competence_names(codes: list[str]) -> list[tuple[str, str]]:
    """(code, French name) of DigCompEdu competences, in the order given."""
    from lms.models import Competence

    names = dict(
        Competence.objects.filter(code__in=codes).values_list("code", "name_fr")
    )
    return [(code, names.get(code, "")) for code in codes]


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` URI (one path: fast to draw)."""
    return segno.make(url, error="m", mask=QR_MASK).svg_data_uri(scale=4, border=2)


def context(attestation: Attestation) -> dict[str, Any]:
    """What the PDF template shows (also used by the attestation page)."""
    url = verification_url(attestation)
    return {
        "attestation": attestation,
        "verification_url": url,
        "qr_code": qr_data_uri(url),
        "modality": modality_label(attestation.modality),
        "competences": competence_names(list(attestation.competences)),
        "sync_hours": _hours(attestation.sync_hours),
        "async_hours": _hours(attestation.async_hours),
        "total_hours": _hours(attestation.total_hours),
    }


def html_to_pdf(
    html: str, *, title: str = "", fetcher: RestrictedFetcher | None = None
) -> bytes:
    """A PDF of trusted template output, fetching only ``data:`` URIs."""
    fetcher = fetcher or RestrictedFetcher()
    variant = getattr(settings, "ATTESTATION_PDF_VARIANT", PDF_VARIANT)
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).render(
        stylesheets=[_stylesheet()],
        font_config=_font_config(),
        pdf_variant=variant,
    )
    if len(document.pages) > MAX_PAGES:
        document = document.copy(document.pages[:MAX_PAGES])
    if title:
        document.metadata.title = title
    return document.write_pdf(pdf_variant=variant)


def render_pdf(attestation: Attestation) -> bytes:
    """The PDF of an attestation (French, A4, tagged)."""
    with translation.override("fr"):
        html = render_to_string(
            "certification/pdf/attestation.html", context(attestation)
        )
        title = _("%(kind)s — %(title)s") % {
            "kind": attestation.get_kind_display(),
            "title": attestation.training_title,
        }
    return html_to_pdf(html, title=title)


def storage_name(attestation: Attestation) -> str:
    return f"{PDF_DIRECTORY}/{attestation.uuid}.pdf"


def _store(attestation: Attestation, pdf: bytes) -> bool:
    """Store a rendered PDF unless another worker did; True when stored."""
    from .models import Attestation, AttestationEvent

    with transaction.atomic():
        locked = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if locked.pdf_path:
            return False
        name = storage_name(locked)
        if default_storage.exists(name):  # left by a worker killed before commit
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(pdf))
        digest = hashlib.sha256(pdf).hexdigest()
        Attestation.objects.filter(pk=locked.pk).update(
            pdf_path=saved, pdf_sha256=digest
        )
        AttestationEvent.objects.create(
            attestation=locked, kind=AttestationEvent.Kind.PDF_RENDERED
        )
    attestation.pdf_path, attestation.pdf_sha256 = saved, digest
    return True


def render_missing(attestation_ids: list[int]) -> int:
    """Render and store the PDFs these attestations lack; returns how many."""
    from .models import Attestation

    rendered = 0
    pending = Attestation.objects.filter(pk__in=attestation_ids, pdf_path="")
    for attestation in pending.order_by("pk").iterator(chunk_size=100):
        try:
            pdf = render_pdf(attestation)
        except Exception:
            # One broken attestation must not block the others; the reconciler
            # retries it later.
            logger.exception("PDF rendering failed for attestation %s", attestation.pk)
            continue
        if _store(attestation, pdf):
            rendered += 1
    return rendered


def pdf_bytes(attestation: Attestation) -> bytes:
    """The stored PDF (rendered and stored first when missing)."""
    if not attestation.pdf_path:
        render_missing([attestation.pk])
        attestation.refresh_from_db(fields=["pdf_path", "pdf_sha256"])
    if attestation.pdf_path:
        try:
            with default_storage.open(attestation.pdf_path, "rb") as stored:
                return stored.read()
        except FileNotFoundError:
            logger.warning("Stored PDF missing: %s", attestation.pdf_path)
    return render_pdf(attestation)
