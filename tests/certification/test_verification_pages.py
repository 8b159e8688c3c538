"""Verification pages and API (public), the attestation page and its downloads."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certification import credentials
from certification.models import Attestation, AttestationEvent, Delivery
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.certification import make_attestation
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    flipped = "B" if payload[middle] != "B" else "C"
    return f"{header}.{payload[:middle]}{flipped}{payload[middle + 1 :]}.{signature}"


def test_the_public_page_shows_a_valid_banner_and_the_signed_content(client):
    """Anonymous visitors see « valide » and every signed field, plus the raw JSON."""
    user = UserFactory(first_name="Zoé", last_name="Martin", matricule="4242")
    attestation = make_attestation(user=user)
    response = client.get(reverse("certification:verify", args=[attestation.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Attestation valide" in html
    for text in ("Zoé Martin", "4242", attestation.training_title, "Hybride"):
        assert text in html
    assert "2.1 Sélection de ressources numériques" in html
    assert "<details>" in html and "&quot;credentialSubject&quot;" in html
    assert "ne correspond" in html or "correspond exactement" in html


def test_a_tampered_stored_credential_shows_invalid_with_its_reason(client):
    """A credential changed in the database is shown as invalid, with the reason."""
    attestation = make_attestation()
    Attestation.objects.filter(pk=attestation.pk).update(
        credential=_tampered(attestation.credential)
    )
    response = client.get(reverse("certification:verify", args=[attestation.uuid]))
    html = response.content.decode()
    assert "Attestation non valide" in html
    assert "Signature invalide" in html
    assert "Contenu annoncé (non vérifié)" in html


def test_an_unknown_id_is_a_404(client):
    """A verification URL with an unknown id answers 404."""
    url = reverse("certification:verify", args=["00000000-0000-4000-8000-000000000000"])
    assert client.get(url).status_code == 404


def test_the_json_endpoint_returns_the_verification_and_the_jwt(client):
    """The public JSON carries validity, the decoded content and the JWT."""
    attestation = make_attestation()
    response = client.get(reverse("certification:verify_json", args=[attestation.uuid]))
    data = response.json()
    assert response["Access-Control-Allow-Origin"] == "*"
    assert data["valid"] is True and data["revoked"] is False
    assert data["jwt"] == attestation.credential
    assert data["credential"]["id"] == f"urn:uuid:{attestation.uuid}"


def test_hostile_content_is_escaped_on_the_public_page(client):
    """Markup in a holder's name is shown as text on the verification page."""
    user = UserFactory(first_name="<script>alert(1)</script>", last_name="X")
    attestation = make_attestation(user=user)
    html = client.get(
        reverse("certification:verify", args=[attestation.uuid])
    ).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_token_page_verifies_a_pasted_credential(client):
    """Pasting a genuine credential shows it valid with its content."""
    attestation = make_attestation()
    url = reverse("certification:verify_token")
    assert client.get(url).status_code == 200
    response = client.post(url, {"credential": attestation.credential})
    html = response.content.decode()
    assert "Attestation valide" in html
    assert attestation.training_title in html


def test_the_token_page_shows_why_a_foreign_credential_fails(client):
    """A credential signed by another key is refused, its claims shown unverified."""
    import jwt

    foreign = jwt.encode(
        {"name": "Fausse attestation", "iss": "did:web:ailleurs.example"},
        ed25519.Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": "did:web:ailleurs.example#cle"},
    )
    response = client.post(
        reverse("certification:verify_token"), {"credential": foreign}
    )
    html = response.content.decode()
    assert "Attestation non valide" in html
    assert "Clé de signature inconnue" in html
    assert "Fausse attestation" in html


def test_the_token_page_asks_for_a_credential_when_empty(client):
    """An empty submission gets a French message."""
    response = client.post(reverse("certification:verify_token"), {"credential": " "})
    assert "Collez une attestation signée" in response.content.decode()


def test_the_api_verifies_without_a_csrf_token():
    """The API is CSRF-exempt and returns the verification."""
    attestation = make_attestation()
    api = Client(enforce_csrf_checks=True)
    response = api.post(
        reverse("certification:verify_api"),
        {"credential": attestation.credential},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["valid"] is True
    tampered = api.post(
        reverse("certification:verify_api"),
        {"credential": _tampered(attestation.credential)},
        content_type="application/json",
    ).json()
    assert tampered["valid"] is False
    assert "Signature invalide" in tampered["reason"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{pas du json", "n'est pas du JSON valide"),
        ('{"autre": 1}', "« credential »"),
        ('["liste"]', "« credential »"),
        ('{"credential": 12}', "« credential »"),
    ],
)
def test_the_api_answers_400_with_a_french_message(client, body, message):
    """Bad JSON or a missing field is a 400 with a French message."""
    response = client.post(
        reverse("certification:verify_api"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_api_refuses_an_oversized_body(client):
    """A body past the cap is refused with 413 and never parsed."""
    body = json.dumps({"credential": "a" * (credentials.MAX_TOKEN_BYTES + 2048)})
    response = client.post(
        reverse("certification:verify_api"), body, content_type="application/json"
    )
    assert response.status_code == 413


def test_the_api_only_accepts_post(client):
    """GET on the API is 405."""
    assert client.get(reverse("certification:verify_api")).status_code == 405


# --- the attestation page -----------------------------------------------------------


def test_the_holder_sees_content_delivery_state_and_history(client):
    """The holder's page shows the content, delivery rows and events; no revoke form."""
    attestation = make_attestation(user=UserFactory(roles=[Role.TEACHER]))
    Delivery.objects.filter(attestation=attestation).update(
        attempts=3, last_status_code=503, last_error="Service indisponible"
    )
    force_login_verified(client, attestation.user)
    response = client.get(
        reverse("certification:attestation_detail", args=[attestation.uuid])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert attestation.training_title in html
    assert "en attente" in html and "HTTP 503 : Service indisponible" in html
    assert "émise" in html  # the ISSUED event
    assert reverse("certification:attestation_pdf", args=[attestation.uuid]) in html
    assert "Révoquer" not in html


def test_the_attestation_page_query_count_is_pinned(
    client, django_assert_max_num_queries
):
    """Many events and deliveries do not multiply the page's queries."""
    attestation = make_attestation()
    staff = UserFactory(roles=[Role.ADMINISTRATOR])
    AttestationEvent.objects.bulk_create(
        AttestationEvent(
            attestation=attestation,
            kind=AttestationEvent.Kind.DELIVERY_RETRIED,
            actor=staff,
        )
        for _ in range(30)
    )
    force_login_verified(client, staff)
    url = reverse("certification:attestation_detail", args=[attestation.uuid])
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TUTOR])
@pytest.mark.parametrize(
    "name", ["attestation_detail", "attestation_pdf", "attestation_credential"]
)
def test_another_teacher_or_a_tutor_is_refused(client, role, name):
    """Only the holder and IFPC staff may open an attestation and its downloads."""
    attestation = make_attestation()
    force_login_verified(client, UserFactory(roles=[role]))
    response = client.get(reverse(f"certification:{name}", args=[attestation.uuid]))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize(
    "name", ["attestation_detail", "attestation_pdf", "attestation_credential"]
)
def test_staff_may_open_any_attestation(client, catalogue_manager, name):
    """IFPC staff open every attestation and its downloads."""
    attestation = make_attestation()
    force_login_verified(client, catalogue_manager)
    response = client.get(reverse(f"certification:{name}", args=[attestation.uuid]))
    assert response.status_code == 200
    attestation.refresh_from_db()
    if attestation.pdf_path:
        default_storage.delete(attestation.pdf_path)


def test_anonymous_visitors_are_sent_to_login_for_the_attestation_page(client):
    """The attestation page needs a login (verification pages do not)."""
    attestation = make_attestation()
    url = reverse("certification:attestation_detail", args=[attestation.uuid])
    assert client.get(url).status_code == 302
    assert (
        client.get(reverse("certification:verify", args=[attestation.uuid])).status_code
        == 200
    )


def test_the_pdf_download_is_an_attachment_with_a_safe_name(client):
    """The PDF is served as application/pdf, as an attachment named safely."""
    attestation = make_attestation(training_code='../"évil"\r\nX')
    force_login_verified(client, attestation.user)
    response = client.get(
        reverse("certification:attestation_pdf", args=[attestation.uuid])
    )
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "/" not in disposition.split("filename=")[1]
    assert "\r" not in disposition and "\n" not in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    attestation.refresh_from_db()
    default_storage.delete(attestation.pdf_path)


def test_the_credential_download_has_the_jwt_and_its_content(client):
    """The credential JSON holds the JWT and its decoded content."""
    attestation = make_attestation()
    force_login_verified(client, attestation.user)
    response = client.get(
        reverse("certification:attestation_credential", args=[attestation.uuid])
    )
    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment;")
    assert data["credential"] == attestation.credential
    assert data["content"]["id"] == f"urn:uuid:{attestation.uuid}"


# --- revocation from the page -------------------------------------------------------


def test_staff_revoke_with_a_reason_and_the_public_page_shows_it(
    client, administrator, committed
):
    """Revocation needs a reason; then the public page and JSON say « révoquée »."""
    attestation = make_attestation()
    force_login_verified(client, administrator)
    url = reverse("certification:attestation_revoke", args=[attestation.uuid])
    client.post(url, {"reason": "  "})
    attestation.refresh_from_db()
    assert not attestation.is_revoked
    with committed():
        response = client.post(
            url, {"reason": "Présences encodées par erreur"}, follow=True
        )
    assert "L&#x27;attestation est révoquée" in response.content.decode()
    attestation.refresh_from_db()
    assert attestation.revoked_by == administrator
    page = client.get(reverse("certification:verify", args=[attestation.uuid]))
    html = page.content.decode()
    assert "Attestation révoquée" in html
    assert "Présences encodées par erreur" in html
    assert timezone.localdate().strftime("%Y") in html
    data = client.get(
        reverse("certification:verify_json", args=[attestation.uuid])
    ).json()
    assert (data["valid"], data["revoked"]) == (False, True)
    assert data["revocation_reason"] == "Présences encodées par erreur"
    again = client.post(url, {"reason": "encore"}, follow=True)
    assert "déjà révoquée" in again.content.decode()


def test_the_holder_cannot_revoke(client):
    """A holder posting to the revoke URL gets 403 and nothing changes."""
    attestation = make_attestation()
    force_login_verified(client, attestation.user)
    url = reverse("certification:attestation_revoke", args=[attestation.uuid])
    assert client.post(url, {"reason": "je veux"}).status_code == 403
    attestation.refresh_from_db()
    assert not attestation.is_revoked
