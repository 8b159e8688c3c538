"""Builders for certification tests: attestations issued through the real service."""

from __future__ import annotations

from decimal import Decimal

from catalogue.models import Session
from certification.issuance import AttestationContent, issue_attestation
from certification.models import Attestation
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training


def content_for(session: Session, **overrides) -> AttestationContent:
    """The content a session's attestation states (training figures by default)."""
    training = session.training
    fields = {
        "training_code": training.code,
        "training_title": training.title,
        "modality": training.modality,
        "operator": training.organiser,
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "sync_hours": Decimal(training.sync_hours),
        "async_hours": Decimal(training.async_hours),
        "competences": sorted(training.competences.values_list("code", flat=True)),
    }
    fields.update(overrides)
    return AttestationContent(**fields)


def make_attestation(
    *,
    user=None,
    session: Session | None = None,
    kind: str = Attestation.Kind.PARTICIPATION,
    **content: object,
) -> Attestation:
    """An attestation issued (origin: session close) through ``issue_attestation``."""
    user = user or UserFactory(roles=[Role.TEACHER])
    session = session or make_session(
        make_training(competences=["2.1", "3.1"]), starts_in_days=-20
    )
    attestation, _created = issue_attestation(
        user=user,
        kind=kind,
        content=content_for(session, **content),
        origin=Attestation.Origin.CLOSURE,
        session=session,
    )
    return attestation
