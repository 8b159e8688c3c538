"""Evaluating learners against a completion rule: conditions, edges and hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from certification.models import CompletionRule, RuleRequirement
from certification.rules import RuleContext, evaluate, rule_for_session
from courses.models import Activity

from .builders_rules import (
    accept_work,
    attend,
    complete,
    complete_all,
    make_rule_setup,
    past_class,
)

pytestmark = pytest.mark.django_db

Kind = Activity.Kind


def _rule(setup, **fields) -> CompletionRule:
    return CompletionRule.objects.create(session=setup.session, **fields)


def test_a_learner_who_did_everything_holds_with_full_hours():
    """Required activities done and the class attended: the rule holds."""
    setup = make_rule_setup()
    alice, bob = setup.learners
    vc = past_class(setup.cohort, minutes=120)
    complete_all(setup, alice)
    attend(vc, alice, 120)
    result = evaluate(setup.cohort, [alice.pk, bob.pk])
    assert result[alice.pk].holds and result[alice.pk].reasons == []
    assert result[alice.pk].completion.sync_hours == Decimal("2.00")
    assert result[alice.pk].completion.async_hours == Decimal("4.00")
    assert result[alice.pk].completion.competences == ["2.1", "3.1"]
    assert result[alice.pk].completion.starts_on == setup.session.starts_on
    assert result[alice.pk].completion.training_code == setup.training.code
    assert not result[bob.pk].holds
    assert any("2 activités obligatoires" in r for r in result[bob.pk].reasons)
    assert any("Présence insuffisante" in r for r in result[bob.pk].reasons)


def test_attendance_exactly_at_the_threshold_holds():
    """80 of 100 planned minutes meets an 80 % minimum."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    complete_all(setup, alice)
    attend(past_class(setup.cohort, minutes=100), alice, 80)
    assert evaluate(setup.cohort, [alice.pk])[alice.pk].holds


def test_attendance_just_below_the_threshold_does_not_hold():
    """79.5 % (159 of 200 minutes, shown rounded as 80 %) misses an 80 % minimum."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    complete_all(setup, alice)
    attend(past_class(setup.cohort, minutes=200), alice, 159)
    evaluation = evaluate(setup.cohort, [alice.pk])[alice.pk]
    assert evaluation.attendance_percent == 80  # the rounded figure would pass
    assert not evaluation.holds
    assert "Présence insuffisante" in evaluation.reasons[0]


def test_planned_slots_not_yet_held_do_not_count_as_attended():
    """Before any slot is held the attendance condition fails if slots are planned."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    complete_all(setup, alice)
    from tests.factories.live import make_class

    make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(days=2))
    evaluation = evaluate(setup.cohort, [alice.pk])[alice.pk]
    assert not evaluation.holds
    assert "Aucune séance synchrone" in evaluation.reasons[0]


def test_without_any_synchronous_slot_attendance_is_not_required():
    """A training with nothing synchronous planned: attendance holds."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    complete_all(setup, alice)
    evaluation = evaluate(setup.cohort, [alice.pk])[alice.pk]
    assert evaluation.holds
    assert evaluation.participation.sync_hours == 0


def test_minimum_score_edge():
    """A best score equal to the minimum holds; one hundredth below does not."""
    setup = make_rule_setup(learners=2)
    alice, bob = setup.learners
    rule = _rule(setup, min_attendance_percent=0)
    quiz = setup.template_activities["Quiz"]
    RuleRequirement.objects.create(
        rule=rule, activity=quiz, activity_title=quiz.title, min_score=Decimal("70")
    )
    for learner, score in ((alice, "70.00"), (bob, "69.99")):
        complete(learner, setup.run_activities["Lecture"])
        complete(learner, setup.run_activities["Quiz"], score=score)
    result = evaluate(setup.cohort, [alice.pk, bob.pk])
    assert result[alice.pk].holds
    assert not result[bob.pk].holds
    assert "score de 69,99 %, minimum 70,00 %" in result[bob.pk].reasons[0]


def test_a_requirement_on_a_deleted_activity_cannot_hold():
    """A rule naming a deleted activity never holds and says which one."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    rule = _rule(setup, min_attendance_percent=0)
    bonus = setup.template_activities["Bonus"]
    RuleRequirement.objects.create(rule=rule, activity=bonus, activity_title="Bonus")
    complete_all(setup, alice)
    complete(alice, setup.run_activities["Bonus"])
    assert evaluate(setup.cohort, [alice.pk])[alice.pk].holds
    bonus.delete()
    context = RuleContext.load(setup.cohort)
    assert context.warnings and "« Bonus »" in context.warnings[0]
    evaluation = context.evaluate([alice.pk])[alice.pk]
    assert not evaluation.holds
    assert "a été supprimée" in evaluation.reasons[0]


def test_requirements_map_template_activities_to_the_runs_copies():
    """A requirement on the template's optional activity needs its run copy done."""
    setup = make_rule_setup(learners=1)
    (alice,) = setup.learners
    rule = _rule(setup, min_attendance_percent=0)
    bonus = setup.template_activities["Bonus"]
    RuleRequirement.objects.create(rule=rule, activity=bonus, activity_title="Bonus")
    complete_all(setup, alice)
    evaluation = evaluate(setup.cohort, [alice.pk])[alice.pk]
    assert evaluation.reasons == ["Activité exigée non terminée : « Bonus »."]


def test_what_is_completed_after_the_deadline_does_not_count():
    """Completed on the deadline day counts; the day after does not."""
    setup = make_rule_setup(learners=2)
    alice, bob = setup.learners
    deadline = timezone.localdate() - dt.timedelta(days=3)
    _rule(setup, min_attendance_percent=0, deadline=deadline)
    for learner, day in ((alice, deadline), (bob, deadline + dt.timedelta(days=1))):
        complete(learner, setup.run_activities["Lecture"], on=day)
        complete(learner, setup.run_activities["Quiz"], on=deadline)
    result = evaluate(setup.cohort, [alice.pk, bob.pk])
    assert result[alice.pk].holds
    assert not result[bob.pk].holds
    assert (
        "avant le" in result[bob.pk].reasons[0]
        and "Lecture" in (result[bob.pk].reasons[0])
    )


def test_assignments_must_be_accepted():
    """A required assignment handed in but not accepted fails the rule."""
    activities = (("Travail", Kind.ASSIGNMENT, True),)
    setup = make_rule_setup(learners=2, activities=activities)
    alice, bob = setup.learners
    _rule(setup, min_attendance_percent=0, require_required_activities=False)
    work = setup.run_activities["Travail"]
    accept_work(alice, work)
    from courses.models import Submission

    Submission.objects.create(activity=work, user=bob, text="Brouillon")
    result = evaluate(setup.cohort, [alice.pk, bob.pk])
    assert result[alice.pk].holds
    assert result[bob.pk].reasons == ["Travail non accepté : « Travail »."]


def test_an_assignment_counts_from_its_hand_in_day():
    """Work handed in by the deadline and accepted after it still counts."""
    activities = (("Travail", Kind.ASSIGNMENT, True),)
    setup = make_rule_setup(learners=1, activities=activities)
    (alice,) = setup.learners
    deadline = timezone.localdate() - dt.timedelta(days=3)
    _rule(setup, min_attendance_percent=0, deadline=deadline)
    accept_work(alice, setup.run_activities["Travail"], on=deadline)
    assert evaluate(setup.cohort, [alice.pk])[alice.pk].holds


def test_the_sessions_rule_wins_over_the_trainings():
    """Session rule first, then the training's, else an unsaved default."""
    setup = make_rule_setup(learners=1)
    rule, origin = rule_for_session(setup.session)
    assert (rule.pk, origin, rule.min_attendance_percent) == (None, "default", 80)
    training_rule = CompletionRule.objects.create(
        training=setup.training, min_attendance_percent=50
    )
    assert rule_for_session(setup.session) == (training_rule, "training")
    own = CompletionRule.objects.create(session=setup.session, min_attendance_percent=0)
    assert rule_for_session(setup.session) == (own, "session")


def test_participation_hours_count_attended_and_completed_work():
    """Participation: attended hours (capped) + async hours × share completed."""
    setup = make_rule_setup(learners=1, sync_hours=1)
    (alice,) = setup.learners
    attend(past_class(setup.cohort, minutes=120), alice, 90)
    complete(alice, setup.run_activities["Lecture"])
    evaluation = evaluate(setup.cohort, [alice.pk])[alice.pk]
    assert evaluation.participation.sync_hours == Decimal("1.00")  # capped at 1 h
    assert evaluation.participation.async_hours == Decimal("2.00")  # 1 of 2
    assert evaluation.completion.async_hours == Decimal("4.00")
    assert evaluation.participation_hours == Decimal("3.00")


def test_evaluation_query_count_does_not_grow_with_learners(
    django_assert_max_num_queries,
):
    """Evaluating 3 or 30 learners costs the same handful of queries."""
    setup = make_rule_setup(learners=30)
    vc = past_class(setup.cohort)
    for learner in setup.learners:
        attend(vc, learner, 100)
        complete(learner, setup.run_activities["Lecture"])
    ids = [learner.pk for learner in setup.learners]
    cohort = type(setup.cohort).objects.get(pk=setup.cohort.pk)
    with django_assert_max_num_queries(12) as few:
        evaluate(cohort, ids[:3])
    cohort = type(setup.cohort).objects.get(pk=setup.cohort.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = evaluate(cohort, ids)
    assert len(result) == 30
