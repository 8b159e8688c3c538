"""Domain events (activity completed, attendance changed) award completions."""

from __future__ import annotations

import pytest

from certification.models import Attestation, CompletionRule
from live.attendance import refresh_totals
from tests.catalogue.builders_registrations import eager_tasks  # noqa: F401

from .builders_rules import (  # noqa: F401
    attend,
    complete,
    make_rule_setup,
    no_side_tasks,
    past_class,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_side_tasks")]


@pytest.mark.usefixtures("eager_tasks")
def test_completing_the_last_activity_issues_the_completion_attestation(committed):
    """The activity-completed event evaluates the learner and issues (origin rule)."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    CompletionRule.objects.create(session=setup.session, min_attendance_percent=0)
    with committed():
        complete(alice, setup.run_activities["Lecture"])
    assert not Attestation.objects.exists()
    with committed():
        complete(alice, setup.run_activities["Quiz"])
    attestation = Attestation.objects.get(user=alice)
    assert attestation.kind == Attestation.Kind.COMPLETION
    assert attestation.origin == Attestation.Origin.RULE
    assert attestation.session == setup.session
    with committed():  # a repeated event issues nothing more
        complete(alice, setup.run_activities["Quiz"], score="90")
    assert Attestation.objects.count() == 1


@pytest.mark.usefixtures("eager_tasks")
def test_recorded_attendance_issues_the_completion_attestation(committed):
    """The attendance-changed event evaluates the learners it names."""
    setup = make_rule_setup(learners=2)
    alice, bob = setup.learners
    for learner in (alice, bob):
        complete(learner, setup.run_activities["Lecture"])
        complete(learner, setup.run_activities["Quiz"])
    assert not Attestation.objects.exists()  # no event fired: nothing yet
    vc = past_class(setup.cohort, minutes=60)
    with committed():
        attend(vc, alice, 60)
        attend(vc, bob, 30)
        refresh_totals(setup.cohort, [alice.pk, bob.pk])
    assert list(Attestation.objects.values_list("user_id", "kind")) == [
        (alice.pk, Attestation.Kind.COMPLETION)
    ]


@pytest.mark.usefixtures("eager_tasks")
def test_a_withdrawn_learner_gets_nothing_from_events(committed):
    """Events for a learner no longer enrolled issue nothing."""
    from tutoring.cohorts import unenrol

    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    CompletionRule.objects.create(session=setup.session, min_attendance_percent=0)
    unenrol(setup.cohort, alice)
    with committed():
        complete(alice, setup.run_activities["Lecture"])
        complete(alice, setup.run_activities["Quiz"])
    assert not Attestation.objects.exists()
