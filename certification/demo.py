"""Demo attestations for ``seed_demo``: the demo teacher gets a participation
attestation for a session of last school year and a completion attestation for
one that ended a few weeks ago, so her portfolio shows two school years.

Both sessions are past sessions of demo trainings, created here (the demo
catalogue only schedules future ones). Attestations are issued through
``certification.issuance.issue_attestation`` (origin: session close); PDFs are
not rendered here: they are rendered after commit or on first download.

Idempotent: sessions are looked up by code and ``issue_attestation`` returns the
existing attestation; dates are computed on the first run and never shifted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

TEACHER = "enseignante@demo.tremplin.test"


@dataclass(frozen=True)
class DemoAttestation:
    training_code: str
    session_code: str
    kind: str
    #: How long before today the session ended (first run only).
    ended_days_ago: int
    #: Share of the training's synchronous hours attended (participation).
    attended: Decimal = Decimal(1)


def _plan() -> list[DemoAttestation]:
    from .models import Attestation

    return [
        DemoAttestation(
            "NUM-27-002",
            "NUM-27-002-DEMO-PASSEE",
            Attestation.Kind.PARTICIPATION,
            ended_days_ago=400,
            attended=Decimal("0.75"),
        ),
        DemoAttestation(
            "NUM-27-003",
            "NUM-27-003-DEMO-PASSEE",
            Attestation.Kind.COMPLETION,
            ended_days_ago=21,
        ),
    ]


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _past_session(training: Any, code: str, ended_days_ago: int) -> Any:
    """The past session ``code`` of ``training`` (created on the first run)."""
    from catalogue.models import Modality, Session, SessionDay

    existing = Session.objects.filter(code=code).first()
    if existing is not None:
        return existing
    ends_on = timezone.localdate() - dt.timedelta(days=ended_days_ago)
    while ends_on.weekday() >= 5:  # a weekday
        ends_on -= dt.timedelta(days=1)
    starts_on = ends_on - dt.timedelta(days=14)
    online = training.modality in (Modality.REMOTE, Modality.ONLINE)
    session = Session(
        training=training,
        code=code,
        starts_on=starts_on,
        ends_on=ends_on,
        is_online=online,
        venue="" if online else "IFPC — Centre de formation de Namur",
        address="" if online else "Rue Dewez 14",
        postal_code="" if online else "5000",
        city="" if online else "Namur",
        capacity=20,
        has_waitlist=False,
        registration_closes_at=_aware(starts_on - dt.timedelta(days=3), 23),
        status=Session.Status.CLOSED,
    )
    session.derive_place()
    session.save()
    for day in (starts_on, ends_on):
        SessionDay.objects.create(
            session=session,
            date=day,
            start_time=dt.time(13, 30) if online else dt.time(9),
            end_time=dt.time(16, 30) if online else dt.time(16),
            kind=SessionDay.Kind.VIRTUAL if online else SessionDay.Kind.IN_PERSON,
        )
    return session


def _content(training: Any, session: Any, item: DemoAttestation) -> Any:
    from .issuance import AttestationContent

    sync_hours = Decimal(training.sync_hours)
    async_hours = Decimal(training.async_hours)
    if item.kind == "participation":
        sync_hours *= item.attended
    return AttestationContent(
        training_code=training.code,
        training_title=training.title,
        modality=training.modality,
        operator=training.organiser,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        sync_hours=sync_hours,
        async_hours=async_hours,
        competences=sorted(training.competences.values_list("code", flat=True)),
    )


@transaction.atomic
def seed_demo_attestations() -> None:
    """Give the demo teacher her two attestations (see the module docstring)."""
    from catalogue.models import TrainingPage
    from lms.models import User

    from .issuance import issue_attestation
    from .keys import SigningKeyMissing
    from .models import Attestation

    teacher = User.objects.filter(email__iexact=TEACHER).first()
    if teacher is None:
        logger.warning("no demo teacher: demo attestations skipped")
        return
    issued = 0
    for item in _plan():
        training = TrainingPage.objects.filter(code=item.training_code).first()
        if training is None:
            logger.warning("demo training %s missing: skipped", item.training_code)
            continue
        session = _past_session(training, item.session_code, item.ended_days_ago)
        try:
            _attestation, created = issue_attestation(
                user=teacher,
                kind=item.kind,
                content=_content(training, session, item),
                origin=Attestation.Origin.CLOSURE,
                session=session,
            )
        except SigningKeyMissing as error:
            logger.warning("demo attestations skipped: %s", error)
            return
        issued += int(created)
    logger.info("demo attestations ready (%s new)", issued)


def register() -> None:
    """Add the demo attestations to ``manage.py seed_demo`` (after the catalogue)."""
    from lms.demo import register_step

    register_step(seed_demo_attestations)
