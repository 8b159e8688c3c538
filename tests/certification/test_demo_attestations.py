"""Demo attestations: the demo teacher's two attestations, idempotent."""

from __future__ import annotations

import pytest

from catalogue.models import Modality, Session
from certification.demo import TEACHER, seed_demo_attestations
from certification.models import Attestation, Delivery
from certification.portfolio import portfolio_for
from tests.factories import UserFactory
from tests.factories.catalogue import make_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_trainings(db):
    make_training(
        code="NUM-27-002",
        modality=Modality.IN_PERSON,
        sync_hours=6,
        async_hours=0,
        competences=["1.1", "1.2"],
    )
    make_training(
        code="NUM-27-003",
        modality=Modality.REMOTE,
        sync_hours=6,
        async_hours=2,
        competences=["4.1", "4.3"],
    )


def test_demo_teacher_gets_a_participation_and_a_completion(
    demo_trainings, django_capture_on_commit_callbacks
):
    """Two attestations on past sessions, issued at session close, in two school years."""
    teacher = UserFactory(email=TEACHER)
    with django_capture_on_commit_callbacks(execute=False):
        seed_demo_attestations()
    attestations = Attestation.objects.filter(user=teacher).order_by("ends_on")
    assert [a.kind for a in attestations] == ["participation", "completion"]
    assert {a.origin for a in attestations} == {"closure"}
    assert all(a.session.ends_on < a.issued_at.date() for a in attestations)
    assert not any(a.pdf_path for a in attestations)  # rendered later, not here
    assert len(portfolio_for(teacher).years) == 2
    assert Session.objects.get(code="NUM-27-002-DEMO-PASSEE").status == "closed"


def test_demo_step_is_idempotent(demo_trainings):
    """Running the step twice creates nothing more."""
    UserFactory(email=TEACHER)
    seed_demo_attestations()
    counts = (
        Attestation.objects.count(),
        Session.objects.count(),
        Delivery.objects.count(),
    )
    seed_demo_attestations()
    assert counts == (2, 2, 2)
    assert (
        Attestation.objects.count(),
        Session.objects.count(),
        Delivery.objects.count(),
    ) == counts


def test_demo_step_without_teacher_or_catalogue_does_nothing(db):
    """Missing demo data: the step skips quietly."""
    seed_demo_attestations()
    UserFactory(email=TEACHER)
    seed_demo_attestations()
    assert not Attestation.objects.exists()
