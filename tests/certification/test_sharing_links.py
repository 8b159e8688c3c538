"""Share links: created once, expiring, revocable, scoped to their holder."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from certification import sharing
from certification.issuance import revoke_attestation
from certification.models import ShareLink
from tests.factories import UserFactory
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db

LINKS = "/certification/portfolio/share-links/"


def _shared(token: str) -> str:
    return reverse("certification:shared_portfolio", args=[token])


def _token_from(html: str) -> str:
    match = re.search(r"/certification/shared-portfolios/([A-Za-z0-9_-]+)/", html)
    assert match, "no share link in the page"
    return match.group(1)


def test_creating_a_link_shows_its_token_once_and_stores_only_its_hash(client, teacher):
    """The page shows the full link once; the database keeps its SHA-256 only."""
    client.force_login(teacher)
    response = client.post(LINKS, {"label": "Inspection, juin", "days": "30"})
    assert response.status_code == 200
    token = _token_from(response.text)
    assert len(token) == 43  # secrets.token_urlsafe(32)
    link = ShareLink.objects.get(user=teacher)
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ShareLink.objects.values_list().get())
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((link.expires_at - expected).total_seconds()) < 60
    assert "il ne sera plus jamais affiché" in response.text
    assert "no-store" in response["Cache-Control"]  # the token is in no cache
    # The page's own forms must keep their Origin (CSRF): no "no-referrer" here.
    assert response.get("Referrer-Policy", "same-origin") != "no-referrer"
    again = client.get(LINKS).text
    assert "Inspection, juin" in again and token not in again
    assert LogEntry.objects.filter(object_id=str(link.pk), action_flag=1).exists()


def test_a_duration_beyond_one_year_is_refused(client, teacher):
    """Only the proposed durations (at most a year) are accepted."""
    client.force_login(teacher)
    response = client.post(LINKS, {"label": "Employeur", "days": "400"})
    assert response.status_code == 400
    assert "Choisissez une durée proposée." in response.text
    assert not ShareLink.objects.exists()
    with pytest.raises(ValueError):
        sharing.create_share_link(teacher, label="Employeur", days=366)


def test_active_links_are_capped(client, teacher):
    """Past the cap of active links, a new one is refused with a French message."""
    for number in range(sharing.MAX_ACTIVE_LINKS):
        sharing.create_share_link(teacher, label=f"Lien {number}", days=7)
    client.force_login(teacher)
    response = client.post(LINKS, {"label": "Un de trop", "days": "7"})
    assert response.status_code == 400
    assert "révoquez-en un avant" in response.text
    assert ShareLink.objects.filter(user=teacher).count() == sharing.MAX_ACTIVE_LINKS


def test_the_shared_page_shows_the_holders_valid_attestations(client, teacher):
    """The public page shows name, valid attestations, verify and PDF links."""
    valid = make_attestation(user=teacher)
    revoked = make_attestation(user=teacher)
    revoke_attestation(revoked, by=UserFactory(), reason="Doublon")
    _link, token = sharing.create_share_link(teacher, label="Employeur", days=7)
    response = client.get(_shared(token))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.text
    assert teacher.get_full_name() in html
    assert reverse("certification:verify", args=[valid.uuid]) in html
    pdf_url = reverse("certification:shared_attestation_pdf", args=[token, valid.uuid])
    assert pdf_url in html
    assert str(revoked.uuid) not in html
    link = ShareLink.objects.get()
    assert link.use_count == 1 and link.last_used_at is not None


def test_an_unknown_token_is_not_found(client):
    """A token that was never issued answers 404."""
    assert client.get(_shared("x" * 43)).status_code == 404
    assert client.get(_shared("x" * 300)).status_code == 404


def test_an_expired_link_is_gone(client, teacher):
    """Past its expiry the link answers 410 with a French page."""
    link, token = sharing.create_share_link(teacher, label="Inspection", days=7)
    ShareLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(_shared(token))
    assert response.status_code == 410
    assert "Ce lien de partage a expiré" in response.text
    assert response["X-Robots-Tag"].startswith("noindex")


def test_a_revoked_link_is_gone(client, teacher):
    """The owner revokes a link (POST): it answers 410 from then on."""
    attestation = make_attestation(user=teacher)
    link, token = sharing.create_share_link(teacher, label="Inspection", days=90)
    client.force_login(teacher)
    response = client.post(reverse("certification:share_link_revoke", args=[link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert LogEntry.objects.filter(object_id=str(link.pk), action_flag=2).exists()
    client.logout()
    response = client.get(_shared(token))
    assert response.status_code == 410
    assert "Ce lien de partage a été révoqué" in response.text
    pdf = reverse(
        "certification:shared_attestation_pdf", args=[token, attestation.uuid]
    )
    assert client.get(pdf).status_code == 410


def test_revoking_needs_a_post(client, teacher):
    """A GET on the revoke URL changes nothing."""
    link, _token = sharing.create_share_link(teacher, label="Inspection", days=7)
    client.force_login(teacher)
    url = reverse("certification:share_link_revoke", args=[link.pk])
    assert client.get(url).status_code == 405
    link.refresh_from_db()
    assert link.revoked_at is None


def test_nobody_revokes_another_persons_link(client, teacher):
    """Another teacher's link: 404, and it stays active."""
    link, _token = sharing.create_share_link(teacher, label="Inspection", days=7)
    client.force_login(UserFactory())
    response = client.post(reverse("certification:share_link_revoke", args=[link.pk]))
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_link_never_shows_another_persons_attestations(client, teacher):
    """A's link shows A's attestations only; B's PDF through A's token is 404."""
    other = UserFactory()
    mine = make_attestation(user=teacher)
    theirs = make_attestation(user=other)
    _link, token = sharing.create_share_link(teacher, label="Employeur", days=7)
    html = client.get(_shared(token)).text
    assert str(mine.uuid) in html
    assert str(theirs.uuid) not in html
    assert other.get_full_name() not in html
    pdf = reverse("certification:shared_attestation_pdf", args=[token, theirs.uuid])
    assert client.get(pdf).status_code == 404


def test_the_pdf_of_a_shared_attestation_is_served(client, teacher):
    """Through an active link, the holder's attestation PDF downloads."""
    attestation = make_attestation(user=teacher)
    _link, token = sharing.create_share_link(teacher, label="Employeur", days=7)
    pdf = reverse(
        "certification:shared_attestation_pdf", args=[token, attestation.uuid]
    )
    response = client.get(pdf)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Referrer-Policy"] == "no-referrer"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_links_page_lists_statuses(client, teacher, django_assert_num_queries):
    """Active, expired and revoked links are labelled; the query count is fixed."""
    active, _t = sharing.create_share_link(teacher, label="Lien actif", days=7)
    expired, _t = sharing.create_share_link(teacher, label="Lien expiré", days=7)
    ShareLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    revoked, _t = sharing.create_share_link(teacher, label="Lien révoqué", days=7)
    sharing.revoke_share_link(revoked, by=teacher)
    client.force_login(teacher)
    client.get(LINKS)
    with django_assert_num_queries(5):
        html = client.get(LINKS).text
    assert re.search(r"Lien actif</th>\s*<td><span[^>]*>Actif", html)
    assert re.search(r"Lien expiré</th>\s*<td><span[^>]*>Expiré", html)
    assert re.search(r"Lien révoqué</th>\s*<td><span[^>]*>Révoqué", html)
    assert html.count(">Révoquer<") == 1


def test_share_links_page_requires_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get(LINKS)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
