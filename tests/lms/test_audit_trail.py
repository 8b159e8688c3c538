"""The audit trail: sensitive actions are journalled, the journal is append-only
and only administrators read it."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from catalogue.services import Decision, decide_registrations, register_for_session
from certification.issuance import revoke_attestation
from lms import audit
from lms.models import AuditEvent
from lms.roles import Role
from lms.services import grant_role, revoke_role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation
from tests.two_factor_support import force_login_verified

Action = AuditEvent.Action


def test_the_journal_cannot_be_changed_nor_emptied(db, administrator):
    entry = audit.event(administrator, Action.DATA_EXPORTED, "test")
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    # Below the ORM too: the database refuses UPDATE and DELETE.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(message="effacé")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).delete()
    assert AuditEvent.objects.get(pk=entry.pk).message == "test"


def test_role_changes_name_who_and_whom(db, administrator):
    person = UserFactory()
    grant_role(person, Role.TUTOR, granted_by=administrator)
    revoke_role(person, Role.TUTOR, revoked_by=administrator)
    entries = list(AuditEvent.objects.filter(subject_id=person.pk).order_by("id"))
    assert [e.action for e in entries] == [Action.ROLE_GRANTED, Action.ROLE_REVOKED]
    assert all(e.actor_id == administrator.pk for e in entries)
    assert administrator.email in entries[0].actor_label
    assert entries[0].message == str(Role.TUTOR.label)


def test_registration_decisions_are_journalled_for_the_registrant(db):
    session = make_session(make_training(code="AUD-1"), policy="manual", capacity=5)
    teacher = UserFactory(roles=[Role.TEACHER])
    registration = register_for_session(teacher, session)
    staff = UserFactory(roles=[Role.REGISTRATIONS_MANAGER])
    decide_registrations(
        [registration], decision=Decision.ACCEPT, actor=staff, note="Profil adéquat"
    )
    entry = AuditEvent.objects.get(action=Action.REGISTRATION_DECIDED)
    assert entry.subject_id == teacher.pk
    assert entry.actor_id == staff.pk
    assert "Profil adéquat" in entry.message
    assert session.code in entry.object_label


def test_attestation_issue_and_revocation_are_journalled(db, administrator):
    attestation = make_attestation()
    revoke_attestation(attestation, by=administrator, reason="Erreur de session")
    actions = list(
        AuditEvent.objects.filter(
            object_type="certification.Attestation", object_id=str(attestation.pk)
        )
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        (Action.ATTESTATION_ISSUED, None),
        (Action.ATTESTATION_REVOKED, administrator.pk),
    ]


def test_registrant_export_is_journalled(client, db):
    session = make_session(make_training(code="AUD-2"))
    manager = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    force_login_verified(client, manager)
    url = reverse("catalogue_registrations:export", args=[session.pk, "csv"])
    assert client.get(url).status_code == 200
    entry = AuditEvent.objects.get(action=Action.DATA_EXPORTED)
    assert entry.actor_id == manager.pk
    assert entry.object_id == str(session.pk)


# --- The journal page ----------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.TEACHER, Role.CATALOGUE_MANAGER, Role.REGISTRATIONS_MANAGER]
)
def test_only_administrators_read_the_journal(client, db, role):
    force_login_verified(client, UserFactory(roles=[role]))
    for name in ("lms_audit:journal", "lms_audit:export"):
        assert client.get(reverse(name)).status_code in (302, 403)


def test_journal_filters_paginates_and_exports(
    client, administrator, django_assert_max_num_queries
):
    person = UserFactory()
    for number in range(60):
        audit.event(administrator, Action.DATA_EXPORTED, f"export {number}")
    audit.event(administrator, Action.ROLE_GRANTED, "Tuteur·rice", obj=person)
    force_login_verified(client, administrator)
    url = reverse("lms_audit:journal")

    with django_assert_max_num_queries(25):
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Journal d&#x27;audit" in body or "Journal d'audit" in body
    assert "Page 1 sur 2" in body

    # Granting the administrator their role was journalled too.
    granted = AuditEvent.objects.filter(action=Action.ROLE_GRANTED).count()
    filtered = client.get(url, {"action": Action.ROLE_GRANTED})
    assert filtered.context["page"].paginator.count == granted == 2
    assert "Tuteur·rice" in filtered.content.decode()
    both = client.get(url, {"action": Action.ROLE_GRANTED, "q": "Tuteur"})
    assert both.context["page"].paginator.count == 1
    by_person = client.get(url, {"subject": str(person.pk)})
    assert [e.action for e in by_person.context["page"]] == [Action.ROLE_GRANTED]
    empty = client.get(url, {"q": "introuvable"})
    assert "Aucune entrée ne correspond" in empty.content.decode()

    export = client.get(
        reverse("lms_audit:export"), {"action": Action.ROLE_GRANTED, "q": "Tuteur"}
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Date"
    assert len(rows) == 2 and rows[1][2] == "Fonction attribuée"
    assert rows[1][6] == str(person.pk)
    # The download is itself journalled.
    assert AuditEvent.objects.filter(
        action=Action.DATA_EXPORTED, object_type="lms.AuditEvent"
    ).exists()


def test_impossible_or_malformed_dates_are_ignored(client, administrator):
    audit.event(administrator, Action.DATA_EXPORTED, "export")
    force_login_verified(client, administrator)
    url = reverse("lms_audit:journal")
    for value in ("2026-02-31", "demain", "2026-13-01"):
        response = client.get(url, {"from": value, "to": value})
        assert response.status_code == 200
        assert response.context["filters"] == {}
