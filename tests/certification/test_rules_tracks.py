"""Track completion: the track attestation once every step is complete."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalogue.models import Modality, TrackRegistration
from certification.models import Attestation, CompletionRule
from certification.rules import award_completions
from tests.factories.catalogue import make_session, make_track, make_training
from tests.factories.certification import make_attestation

from .builders_rules import complete_all, make_rule_setup, no_side_tasks  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_side_tasks")]

COMPLETION = Attestation.Kind.COMPLETION


def _two_step_track():
    first = make_training(competences=["1.1"], sync_hours=3, async_hours=1)
    setup = make_rule_setup(learners=2, competences=("2.1",))
    CompletionRule.objects.create(session=setup.session, min_attendance_percent=0)
    track = make_track(
        title="Expertise techno-pédagogique", trainings=[first, setup.training]
    )
    return first, setup, track


def test_the_last_step_completed_issues_the_track_attestation():
    """Completing the last step issues the track's completion attestation."""
    first, setup, track = _two_step_track()
    alice, _bob = setup.learners
    TrackRegistration.objects.create(track=track, user=alice)
    earlier = make_session(first, starts_in_days=-60)
    make_attestation(user=alice, session=earlier, kind=COMPLETION)
    complete_all(setup, alice)
    assert award_completions(setup.cohort.pk, [alice.pk]) == 2
    attestation = Attestation.objects.get(track=track, user=alice)
    assert attestation.kind == COMPLETION
    assert attestation.origin == Attestation.Origin.RULE
    assert (attestation.training_code, attestation.training_title) == (
        track.code,
        track.title,
    )
    assert attestation.modality == Modality.HYBRID
    # 3 + 0 attended synchronous hours, 1 + 4 asynchronous hours.
    assert (attestation.sync_hours, attestation.async_hours) == (
        Decimal("3.00"),
        Decimal("5.00"),
    )
    assert attestation.starts_on == earlier.starts_on
    assert attestation.ends_on == setup.session.ends_on
    assert attestation.competences == ["1.1", "2.1"]


def test_a_missing_step_issues_no_track_attestation():
    """With one step still incomplete, only the session attestation is issued."""
    _first, setup, track = _two_step_track()
    alice, _bob = setup.learners
    TrackRegistration.objects.create(track=track, user=alice)
    complete_all(setup, alice)
    assert award_completions(setup.cohort.pk, [alice.pk]) == 1
    assert not Attestation.objects.filter(track=track).exists()


def test_a_revoked_step_attestation_does_not_count():
    """A revoked completion of a step leaves the track incomplete."""
    first, setup, track = _two_step_track()
    alice, _bob = setup.learners
    TrackRegistration.objects.create(track=track, user=alice)
    earlier = make_attestation(
        user=alice, session=make_session(first, starts_in_days=-60), kind=COMPLETION
    )
    Attestation.objects.filter(pk=earlier.pk).update(revocation_reason="x")
    from django.utils import timezone

    Attestation.objects.filter(pk=earlier.pk).update(revoked_at=timezone.now())
    complete_all(setup, alice)
    award_completions(setup.cohort.pk, [alice.pk])
    assert not Attestation.objects.filter(track=track).exists()


def test_learners_without_a_track_registration_get_no_track_attestation():
    """Only learners registered to the track get its attestation."""
    first, setup, track = _two_step_track()
    _alice, bob = setup.learners
    make_attestation(
        user=bob, session=make_session(first, starts_in_days=-60), kind=COMPLETION
    )
    complete_all(setup, bob)
    assert award_completions(setup.cohort.pk, [bob.pk]) == 1
    assert not Attestation.objects.filter(track=track).exists()
