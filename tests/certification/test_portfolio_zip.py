"""The ZIP of the whole portfolio: PDFs, signed and decoded credentials, index."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from certification.models import Attestation
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation

pytestmark = pytest.mark.django_db

URL = "/certification/portfolio/zip/"


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_zip_url_is_stable():
    """The route name resolves to the documented path."""
    assert reverse("certification:portfolio_zip") == URL


def test_zip_holds_every_attestation_in_three_forms_with_an_index(client, teacher):
    """Each attestation: PDF, .jwt and decoded .json; plus index.csv and LISEZMOI.txt."""
    session = make_session(
        make_training(code="NUM/27 <001>", competences=["2.1"]), starts_in_days=-30
    )
    first = make_attestation(user=teacher, session=session)
    second = make_attestation(
        user=teacher, session=session, kind=Attestation.Kind.COMPLETION
    )
    make_attestation(user=UserFactory())  # someone else's
    client.force_login(teacher)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = _archive(response)
    names = set(archive.namelist())
    assert {"index.csv", "LISEZMOI.txt"} <= names
    assert len(names) == 2 + 3 * 2
    for name in names:  # safe names: no traversal, no odd characters
        assert ".." not in name and not name.startswith("/")
        assert all(c.isalnum() or c in "-_./" for c in name), name
    for attestation in (first, second):
        stem = f"{attestation.ends_on:%Y-%m-%d}_num27-001_{attestation.kind}_"
        stem += attestation.uuid.hex[:8]
        assert archive.read(f"pdf/{stem}.pdf").startswith(b"%PDF-")
        jwt = archive.read(f"attestations-signees/{stem}.jwt").decode()
        assert jwt == attestation.credential
        decoded = json.loads(archive.read(f"attestations-signees/{stem}.json"))
        assert decoded["payload"]["jti"] == f"urn:uuid:{attestation.uuid}"
        assert decoded["header"]["kid"] == attestation.kid
    text = archive.read("index.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Identifiant", "Type", "Code de la formation"]
    assert {row[0] for row in rows[1:]} == {str(first.uuid), str(second.uuid)}
    readme = archive.read("LISEZMOI.txt").decode()
    assert "COMMENT VÉRIFIER" in readme
    assert reverse("certification:verify_token") in readme


def test_zip_requires_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
