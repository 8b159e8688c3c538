"""A small hand-built data set whose indicators are computed by hand in the tests.

People (dimensions of their first establishment, main function):
  A, B: WBE, primaire, Namur (5000), teacher
  C: libre confessionnel, secondaire, Liège (4000), CTP (also teacher)
  D: no establishment, teacher
  E: WBE, primaire, Namur, teacher (self-test only)
Trainings: T1 digital (competence 2.1), hybrid, 6 + 4 = 10 h;
           T2 not digital, in person, 3 + 0 = 3 h.
Sessions: S1 (T1, 10/11/2026, school year 2026, cohort with 2 required + 1
optional activity); S2 (T2, 05/10/2026, school year 2026); S3 (T2, 02/03/2026,
school year 2025); S4 (T1, 12/11/2026, cancelled).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from catalogue.models import Registration, Session
from certification.models import (
    Attempt,
    Attestation,
    Campaign,
    CampaignParticipation,
    CompetenceEstimate,
    Delivery,
)
from courses.models import ActivityProgress
from live.models import AttendanceRecord
from lms.models import Competence, Establishment
from lms.roles import Role
from tests.factories import EstablishmentFactory, UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation
from tests.factories.courses import ActivityFactory
from tests.factories.live import make_class
from tests.factories.selftest import make_blueprint
from tests.factories.tutoring import make_run
from tutoring.models import Cohort

ACCEPTED = Registration.Status.ACCEPTED


def _days_to(day: dt.date) -> int:
    return (day - timezone.localdate()).days


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@dataclass
class DataSet:
    people: dict[str, Any]
    sessions: dict[str, Session]
    cohort: Cohort


def build() -> DataSet:
    namur = EstablishmentFactory(
        network=Establishment.Network.WBE,
        level=Establishment.Level.PRIMAIRE,
        postal_code="5000",
    )
    liege = EstablishmentFactory(
        network=Establishment.Network.LIBRE_CONFESSIONNEL,
        level=Establishment.Level.SECONDAIRE,
        postal_code="4000",
    )
    people = {
        "A": UserFactory(roles=[Role.TEACHER]),
        "B": UserFactory(roles=[Role.TEACHER]),
        "C": UserFactory(roles=[Role.TEACHER, Role.CTP]),
        "D": UserFactory(roles=[Role.TEACHER]),
        "E": UserFactory(roles=[Role.TEACHER]),
    }
    for key in ("A", "B", "E"):
        people[key].establishments.add(namur)
    people["C"].establishments.add(liege)

    t1 = make_training(
        modality="hybride", competences=["2.1"], sync_hours=6, async_hours=4
    )
    t2 = make_training(modality="presentiel", sync_hours=3, async_hours=0)
    s1 = make_session(t1, starts_in_days=_days_to(dt.date(2026, 11, 10)))
    s2 = make_session(t2, starts_in_days=_days_to(dt.date(2026, 10, 5)))
    s3 = make_session(t2, starts_in_days=_days_to(dt.date(2026, 3, 2)))
    s4 = make_session(
        t1,
        starts_in_days=_days_to(dt.date(2026, 11, 12)),
        status=Session.Status.CANCELLED,
    )

    registrations = [
        (s1, "A", ACCEPTED),
        (s1, "B", ACCEPTED),
        (s1, "C", ACCEPTED),
        (s1, "D", Registration.Status.REFUSED),
        (s2, "A", ACCEPTED),
        (s2, "D", ACCEPTED),
        (s2, "B", Registration.Status.CANCELLED),
        (s3, "C", ACCEPTED),
        (s4, "A", ACCEPTED),
    ]
    for session, key, status in registrations:
        Registration.objects.create(session=session, user=people[key], status=status)

    # S1's cohort: a course run with 2 required activities and 1 optional one.
    run, (act1, act2) = make_run(2)
    optional = ActivityFactory(module=act1.module, position=9, is_required=False)
    # (With real commits, tutoring has already opened a cohort for the session.)
    cohort, _created = Cohort.objects.update_or_create(
        session=s1,
        defaults={
            "course": run,
            "code": "COH-S1",
            "title": "Cohorte S1",
            "starts_on": s1.starts_on,
            "ends_on": s1.ends_on,
        },
    )
    done = ActivityProgress.State.COMPLETED
    progress = [
        ("A", act1, done),
        ("A", act2, done),
        ("B", act1, done),
        ("B", optional, done),
        ("C", act1, ActivityProgress.State.IN_PROGRESS),
        ("D", act1, done),  # D was refused: not counted
    ]
    for key, activity, state in progress:
        ActivityProgress.objects.create(
            user=people[key], activity=activity, state=state
        )

    klass = make_class(cohort, starts_at=_aware(s1.starts_on), duration_minutes=120)
    attendance = [
        ("A", AttendanceRecord.Status.PRESENT, 120),
        ("B", AttendanceRecord.Status.PARTIAL, 60),
        ("C", AttendanceRecord.Status.EXCUSED, 0),  # left out of both sums
        ("D", AttendanceRecord.Status.PRESENT, 120),  # refused: not counted
    ]
    for key, status, minutes in attendance:
        AttendanceRecord.objects.create(
            cohort=cohort,
            user=people[key],
            virtual_class=klass,
            status=status,
            minutes_planned=120,
            minutes_attended=minutes,
            source=AttendanceRecord.Source.BBB,
        )

    c_s1 = make_attestation(user=people["C"], session=s1)
    make_attestation(user=people["A"], session=s1)  # delivery stays pending
    revoked = make_attestation(user=people["A"], session=s2)
    d_s2 = make_attestation(user=people["D"], session=s2)
    Attestation.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    Delivery.objects.filter(attestation__in=[c_s1, d_s2]).update(
        state=Delivery.State.DELIVERED, delivered_at=timezone.now()
    )

    _selftest(people)
    return DataSet(people, {"S1": s1, "S2": s2, "S3": s3, "S4": s4}, cohort)


def _selftest(people: dict[str, Any]) -> None:
    """Shared results for 2.1: A A1, B A2, C A2, D B1 (latest; earlier A1), E
    C1; 2.2 only for A and B (2 results). Not counted: a result not shared, a
    superseded one and a deleted one (all C2)."""
    blueprint = make_blueprint(competences=("2.1", "2.2"))
    campaign = Campaign.objects.create(
        code="IFPC00001",
        title="Campagne IFPC",
        scope=Campaign.Scope.IFPC,
        blueprint=blueprint,
        opens_at=_aware(dt.date(2026, 9, 1)),
    )
    shared_at = _aware(dt.date(2026, 11, 1))
    competences = {
        c.code: c for c in Competence.objects.filter(code__in=["2.1", "2.2"])
    }

    def participation(user, status, **fields) -> CampaignParticipation:
        return CampaignParticipation.objects.create(
            campaign=campaign,
            user=user,
            status=status,
            shared_at=shared_at if status == "shared" else None,
            **fields,
        )

    def attempt(part, levels: dict[str, str], day: int) -> None:
        row = Attempt.objects.create(
            user=part.user,
            blueprint=blueprint,
            participation=part,
            status=Attempt.Status.COMPLETED,
            seed="seed",
            completed_at=_aware(dt.date(2026, 10, day)),
        )
        for code, level in levels.items():
            CompetenceEstimate.objects.create(
                attempt=row,
                competence=competences[code],
                theta=0.0,
                se=0.3,
                n_items=4,
                level=level,
                confidence=0.9,
                range_low=level,
                range_high=level,
            )

    shared = CampaignParticipation.Status.SHARED
    attempt(participation(people["A"], shared), {"2.1": "A1", "2.2": "B2"}, 2)
    attempt(participation(people["B"], shared), {"2.1": "A2", "2.2": "B2"}, 2)
    attempt(participation(people["C"], shared), {"2.1": "A2"}, 2)
    d = participation(people["D"], shared)
    attempt(d, {"2.1": "A1"}, 2)
    attempt(d, {"2.1": "B1"}, 20)  # the latest attempt counts
    attempt(participation(people["E"], shared), {"2.1": "C1"}, 2)
    # Never counted:
    extra = UserFactory(roles=[Role.TEACHER])
    attempt(
        participation(extra, CampaignParticipation.Status.TO_SHARE), {"2.1": "C2"}, 3
    )
    attempt(participation(people["E"], shared, is_improved=True), {"2.1": "C2"}, 1)
    attempt(
        participation(extra, shared, deleted_at=timezone.now(), is_improved=True),
        {"2.1": "C2"},
        1,
    )
