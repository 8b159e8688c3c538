"""Erasure on request: asked by the person, decided by an administrator; the
account is anonymised, attestations stay verifiable."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from certification.credentials import verify
from lms import audit, erasure
from lms.models import AuditEvent, ErasureRequest
from lms.roles import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.factories.certification import make_attestation
from tests.two_factor_support import force_login_verified


@pytest.fixture
def teacher_with_history(db, administrator):
    teacher = UserFactory(
        roles=[Role.TEACHER], first_name="Amélie", last_name="Nothomb"
    )
    attestation = make_attestation(user=teacher)
    LogEntry.objects.log_actions(
        administrator.pk, [teacher], CHANGE, "Adresse de Amélie Nothomb corrigée"
    )
    audit.event(administrator, audit.Action.CHANGED, "profil", obj=teacher)
    return teacher, attestation


def test_approval_anonymises_the_account_but_keeps_the_attestation(
    client, teacher_with_history, administrator
):
    teacher, attestation = teacher_with_history
    old_email = teacher.email
    request = erasure.request_erasure(teacher, "Je quitte l'enseignement.")
    erasure.decide_erasure(request, approve=True, by=administrator)

    teacher.refresh_from_db()
    assert "Nothomb" not in teacher.get_full_name()
    assert teacher.email.endswith("@anonyme.invalid")
    assert not teacher.is_active and not teacher.has_usable_password()
    assert not teacher.role_assignments.exists()
    assert not client.login(email=old_email, password=PASSWORD)
    # The name is gone from the audit journal and the admin history…
    for entry in AuditEvent.objects.all():
        text = entry.actor_label + entry.object_label + entry.message
        assert "Nothomb" not in text and old_email not in text, entry
    assert not LogEntry.objects.filter(change_message__contains="Nothomb").exists()
    assert not LogEntry.objects.filter(object_repr__contains="Nothomb").exists()
    # …but the attestation keeps its holder and still verifies.
    attestation.refresh_from_db()
    assert attestation.holder_family_name == "Nothomb"
    assert verify(attestation.credential).is_valid
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT_ANONYMISED, object_id=str(teacher.pk)
    ).exists()
    # Outside an erasure the journal is still append-only.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(message="effacé")


def test_refusal_changes_nothing(teacher_with_history, administrator):
    teacher, _attestation = teacher_with_history
    request = erasure.request_erasure(teacher)
    decided = erasure.decide_erasure(
        request, approve=False, by=administrator, note="Dossier en cours"
    )
    assert decided.status == ErasureRequest.Status.REFUSED
    teacher.refresh_from_db()
    assert teacher.last_name == "Nothomb" and teacher.is_active
    with pytest.raises(ValidationError, match="déjà été traitée"):
        erasure.decide_erasure(request, approve=True, by=administrator)


def test_one_pending_request_at_a_time_and_only_administrators_decide(
    teacher_with_history,
):
    teacher, _attestation = teacher_with_history
    request = erasure.request_erasure(teacher)
    with pytest.raises(ValidationError, match="déjà en cours"):
        erasure.request_erasure(teacher)
    manager = UserFactory(roles=[Role.REGISTRATIONS_MANAGER])
    with pytest.raises(PermissionDenied):
        erasure.decide_erasure(request, approve=True, by=manager)


def test_the_person_asks_and_an_administrator_decides_in_the_admin(
    client, teacher_with_history, administrator
):
    teacher, _attestation = teacher_with_history
    force_login_verified(client, teacher)
    url = reverse("lms:my_data")
    unconfirmed = client.post(url, {"action": "erase"}, follow=True)
    assert "Cochez la case" in unconfirmed.content.decode()
    assert not ErasureRequest.objects.exists()
    asked = client.post(
        url, {"action": "erase", "confirm": "1", "reason": "Départ"}, follow=True
    )
    assert "est en cours d'examen" in asked.content.decode()
    request = ErasureRequest.objects.get(user=teacher)

    # The person cannot reach the decision page; an administrator can.
    assert client.get(reverse("lms_erasure:list")).status_code in (302, 403)
    force_login_verified(client, administrator)
    listing = client.get(reverse("lms_erasure:list"))
    assert "Départ" in listing.content.decode()
    client.post(
        reverse("lms_erasure:decide", args=[request.pk]), {"decision": "approve"}
    )
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.DONE
    teacher.refresh_from_db()
    assert not teacher.is_active
