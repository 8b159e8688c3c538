"""GDPR self-service export: complete, the person's own rows only, no secrets."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from catalogue.services import register_for_session
from courses.models import Submission
from courses.tracking.commits import apply_commit
from indicators.refresh import refresh as refresh_indicators
from lms import audit, privacy
from lms.models import AuditEvent
from lms.roles import Role
from tests.courses.tracking_fixtures import new_attempt
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation


def test_every_model_reaching_personal_rows_is_classified():
    """A new model pointing to a person's rows (an attempt, a registration…)
    must be exported (``INDIRECT``) or declared ``NOT_PERSONAL`` with a reason."""
    assert privacy.unclassified_models() == []
    for label in [*privacy.INDIRECT, *privacy.NOT_PERSONAL]:
        assert apps.get_model(label)  # no stale declaration


@pytest.fixture
def person_with_data(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attempt = new_attempt()
    person = attempt.user
    apply_commit(
        attempt, "sco_1", 1, {"cmi.core.lesson_location": "page-7"}, is_final=False
    )
    register_for_session(person, make_session(make_training(code="RGPD-1")))
    attestation = make_attestation(user=person)
    submission = Submission.objects.create(
        activity=attempt.activity, user=person, text="Ma réponse"
    )
    submission.file.save("travail.txt", ContentFile(b"contenu du travail"))
    other = UserFactory(roles=[Role.TEACHER])
    register_for_session(other, make_session(make_training(code="RGPD-2")))
    audit.event(other, audit.Action.DATA_EXPORTED, "autre", obj=other)
    return person, other, attestation


def _archive(content: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("donnees.json")), archive


def test_export_holds_the_persons_rows_across_the_platform(person_with_data):
    person, other, attestation = person_with_data
    refresh_indicators()  # the person's dimensions for the IFPC indicators
    document, archive = _archive(privacy.export_user_data(person))
    data = document["donnees"]
    assert document["personne"]["email"] == person.email
    assert document["personne"]["password"] == privacy.MASKED
    # Tracking with every commit, through the attempt.
    assert [r["location"] for r in data["courses.ScoState"]] == ["page-7"]
    assert [r["seq"] for r in data["courses.Commit"]] == [1]
    assert {r["user_id"] for r in data["catalogue.Registration"]} == {person.pk}
    assert [r["id"] for r in data["certification.Attestation"]] == [attestation.pk]
    assert data["certification.Delivery"]  # the delivery to the staff space
    # Audit entries about the person (their roles, their attestation).
    assert {r["subject_id"] for r in data["lms.AuditEvent"]} == {person.pk}
    # The dimensions the indicators hold about the person (none of the other's).
    assert [r["user_id"] for r in data["indicators.ParticipantProfile"]] == [person.pk]
    # The uploaded file is in the archive, at the path the row gives.
    path = data["courses.Submission"][0]["file"]
    assert archive.read(path) == b"contenu du travail"
    # Nothing of the other person.
    dumped = json.dumps(data)
    assert other.email not in dumped
    assert "RGPD-2" not in dumped


def test_a_signed_in_person_downloads_their_archive(client, person_with_data):
    person, _other, _attestation = person_with_data
    client.force_login(person)
    url = reverse("lms:my_data")
    page = client.get(url)
    assert page.status_code == 200
    assert "Télécharger mes données" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    document, _archive_file = _archive(response.content)
    assert document["personne"]["id"] == person.pk
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DATA_EXPORTED, subject_id=person.pk
    ).exists()


def test_the_archive_needs_a_signed_in_person(client, db):
    response = client.post(reverse("lms:my_data"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_privacy_notice_is_public_and_points_to_my_data(client, db):
    page = client.get(reverse("lms:privacy_notice"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Vos droits" in body and "Mes données" in body
    client.force_login(UserFactory())
    signed_in = client.get(reverse("lms:privacy_notice")).content.decode()
    assert reverse("lms:my_data") in signed_in
