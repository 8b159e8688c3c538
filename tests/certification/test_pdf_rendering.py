"""PDF of attestations: the right text, nothing fetched, stored once."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from pypdf import PdfReader

from certification import pdf
from certification.credentials import verification_url
from certification.models import Attestation, AttestationEvent
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    reader = PdfReader(BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", "")  # pypdf's reading of two-byte font maps


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def loopback():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_the_pdf_states_holder_training_hours_and_verification_url():
    """The extracted text has the name, matricule, training, hours and the URL."""
    user = UserFactory(
        roles=[Role.TEACHER], first_name="Aïcha", last_name="Lambert", matricule="9876"
    )
    attestation = make_attestation(user=user)
    text = _text(pdf.render_pdf(attestation))
    assert "Aïcha Lambert" in text
    assert "Matricule : 9876" in text
    assert attestation.training_code in text
    assert attestation.training_title in text
    assert "Heures synchrones 6 h" in text
    assert "Heures asynchrones 4 h" in text
    assert "Total des heures 10 h" in text
    assert "Hybride" in text  # the catalogue's modality label
    assert "2.1 Sélection de ressources numériques" in text
    assert _flat(verification_url(attestation)) in _flat(text)


def test_the_pdf_says_when_the_matricule_is_unknown():
    """Without a staff number the PDF says so."""
    attestation = make_attestation(user=UserFactory(matricule=""))
    assert "matricule non communiqué" in _text(pdf.render_pdf(attestation))


def test_the_pdf_is_a4_french_tagged_and_titled():
    """A4 page, French language, tagged structure and a document title."""
    attestation = make_attestation()
    reader = PdfReader(BytesIO(pdf.render_pdf(attestation)))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]).startswith("fr")
    assert "/StructTreeRoot" in root
    assert reader.metadata.title.startswith("Attestation de participation")


def test_hostile_names_render_as_text_and_fetch_nothing(loopback):
    """Markup in names and titles is printed, never loaded (no request reaches a server)."""
    base, hits = loopback
    user = UserFactory(
        first_name=f"<img src={base}/img>",
        last_name="<link rel=stylesheet href=file:///etc/passwd> مرحبا 🎓",
    )
    attestation = make_attestation(
        user=user, training_title=f'<img src="{base}/title"> Titre'
    )
    spy = pdf.RestrictedFetcher()
    html = render_to_string(
        "certification/pdf/attestation.html", pdf.context(attestation)
    )
    text = _text(pdf.html_to_pdf(html, fetcher=spy))
    assert f"<img src={base}/img>" in text
    assert "file:///etc/passwd" in text
    assert hits == []
    assert spy.refused == []  # escaped: there was nothing to fetch


def test_the_fetcher_refuses_http_and_file_urls(loopback):
    """Even raw markup cannot make the renderer open http:// or file:// URLs."""
    base, hits = loopback
    spy = pdf.RestrictedFetcher()
    html = (
        f'<html lang="fr"><head><link rel="stylesheet" href="{base}/style.css">'
        '<link rel="stylesheet" href="file:///etc/passwd"></head><body>'
        f'<img src="{base}/img.png" alt="x"><img src="file:///etc/hostname" alt="y">'
        "<p>texte</p></body></html>"
    )
    text = _text(pdf.html_to_pdf(html, fetcher=spy))
    assert "texte" in text
    assert hits == []
    assert sorted(spy.refused) == sorted(
        [
            f"{base}/style.css",
            "file:///etc/passwd",
            f"{base}/img.png",
            "file:///etc/hostname",
        ]
    )


def test_the_fetcher_decodes_data_uris_only():
    """``data:`` URIs (the QR code) are decoded without any I/O."""
    response = pdf.RestrictedFetcher().fetch("data:text/plain;base64,Ym9uam91cg==")
    assert response.read() == b"bonjour"
    with pytest.raises(pdf.FetchRefused):
        pdf.RestrictedFetcher().fetch("ftp://example.org/x")


def test_a_ten_thousand_character_name_wraps_within_the_page_cap():
    """A very long unbroken name wraps and the PDF stays within the page cap."""
    attestation = make_attestation()
    attestation.holder_name = "W" * 10_000
    reader = PdfReader(BytesIO(pdf.render_pdf(attestation)))
    assert 1 <= len(reader.pages) <= pdf.MAX_PAGES
    assert "WWWWWWWWWW" in reader.pages[0].extract_text()


def test_render_missing_stores_each_pdf_once_with_its_digest():
    """The PDF is stored under attestations/<uuid>.pdf, hashed, and logged once."""
    attestation = make_attestation()
    assert pdf.render_missing([attestation.pk]) == 1
    assert pdf.render_missing([attestation.pk]) == 0
    attestation.refresh_from_db()
    assert attestation.pdf_path == f"attestations/{attestation.uuid}.pdf"
    stored = pdf.pdf_bytes(attestation)

    assert hashlib.sha256(stored).hexdigest() == attestation.pdf_sha256
    assert (
        attestation.events.filter(kind=AttestationEvent.Kind.PDF_RENDERED).count() == 1
    )
    default_storage.delete(attestation.pdf_path)


def test_a_worker_that_lost_the_race_stores_nothing(monkeypatch):
    """When another worker stored the PDF meanwhile, the second render is dropped."""
    attestation = make_attestation()
    real_render = pdf.render_pdf

    def render_while_another_worker_stores(instance: Attestation) -> bytes:
        Attestation.objects.filter(pk=instance.pk).update(
            pdf_path="attestations/other-worker.pdf", pdf_sha256="0" * 64
        )
        return real_render(instance)

    monkeypatch.setattr(pdf, "render_pdf", render_while_another_worker_stores)
    assert pdf.render_missing([attestation.pk]) == 0
    attestation.refresh_from_db()
    assert attestation.pdf_path == "attestations/other-worker.pdf"
    assert not attestation.events.filter(kind=AttestationEvent.Kind.PDF_RENDERED)


def test_a_leftover_file_from_a_killed_worker_is_replaced():
    """A file left without its row update is overwritten at the same name."""
    attestation = make_attestation()
    name = pdf.storage_name(attestation)
    default_storage.save(name, BytesIO(b"partial"))
    assert pdf.render_missing([attestation.pk]) == 1
    attestation.refresh_from_db()
    assert attestation.pdf_path == name
    assert pdf.pdf_bytes(attestation).startswith(b"%PDF")
    default_storage.delete(name)


def test_pdf_bytes_renders_a_missing_pdf_first():
    """Asking for the bytes of an attestation without PDF renders and stores it."""
    attestation = make_attestation()
    data = pdf.pdf_bytes(attestation)
    assert data.startswith(b"%PDF")
    assert attestation.pdf_path
    default_storage.delete(attestation.pdf_path)
