"""Session close: participation to all with hours, completion where the rule
holds, idempotent re-runs, counters, failures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from certification import closure
from certification.closure import ClosureRefused, run_closure, start_closure
from certification.models import Attestation, CompletionRule, SessionClosure
from lms.roles import Role
from tests.catalogue.builders_registrations import eager_tasks  # noqa: F401
from tests.factories import UserFactory
from tutoring.cohorts import enrol

from .builders_rules import (  # noqa: F401
    attend,
    complete,
    complete_all,
    make_rule_setup,
    no_side_tasks,
    past_class,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_side_tasks")]

P, C = Attestation.Kind.PARTICIPATION, Attestation.Kind.COMPLETION


def _issued(session) -> set[tuple[int, str]]:
    return set(
        Attestation.objects.filter(session=session).values_list("user_id", "kind")
    )


def _closing_setup():
    """Alice did everything, Bob attended half, Carol did nothing."""
    setup = make_rule_setup(learners=3)
    alice, bob, carol = setup.learners
    vc = past_class(setup.cohort, minutes=120)
    complete_all(setup, alice)
    attend(vc, alice, 120)
    attend(vc, bob, 60)
    return setup, alice, bob, carol


def test_closure_issues_participation_to_all_with_hours_and_completion_where_due(
    administrator,
):
    """Participation to every learner with hours, completion to those holding."""
    setup, alice, bob, carol = _closing_setup()
    run_closure(setup.session.pk, administrator.pk)
    assert _issued(setup.session) == {(alice.pk, P), (alice.pk, C), (bob.pk, P)}
    assert all(
        a.origin == Attestation.Origin.CLOSURE
        for a in Attestation.objects.filter(session=setup.session)
    )
    bob_p = Attestation.objects.get(user=bob, kind=P)
    assert (float(bob_p.sync_hours), float(bob_p.async_hours)) == (1.0, 0.0)
    state = SessionClosure.objects.get(session=setup.session)
    assert state.state == SessionClosure.State.DONE
    assert (state.learners, state.processed, state.issued) == (3, 3, 3)
    assert state.finished_at is not None and state.percent == 100
    assert LogEntry.objects.filter(
        object_id=str(state.pk), change_message__contains="Session clôturée"
    ).exists()


def test_a_rerun_issues_nothing_twice_and_catches_up_new_learners(settings):
    """Re-running the close only issues to the learners added since."""
    settings.CERTIFICATION_CLOSURE_CHUNK = 2
    setup, alice, bob, carol = _closing_setup()
    run_closure(setup.session.pk, None)
    first = {a.pk for a in Attestation.objects.all()}
    run_closure(setup.session.pk, None)
    assert {a.pk for a in Attestation.objects.all()} == first
    state = SessionClosure.objects.get(session=setup.session)
    assert (state.processed, state.issued) == (3, 0)
    dave = UserFactory(roles=[Role.TEACHER])
    enrol(setup.cohort, dave)
    complete(dave, setup.run_activities["Lecture"])
    run_closure(setup.session.pk, None)
    assert _issued(setup.session) - {
        (a, k) for a, k in [(alice.pk, P), (alice.pk, C), (bob.pk, P)]
    } == {(dave.pk, P)}
    state.refresh_from_db()
    assert (state.learners, state.processed, state.issued) == (4, 4, 1)
    assert SessionClosure.objects.filter(session=setup.session).count() == 1


def test_counters_move_chunk_by_chunk(settings, monkeypatch):
    """``processed`` and ``issued`` are saved after each chunk."""
    settings.CERTIFICATION_CLOSURE_CHUNK = 1
    setup, *_people = _closing_setup()
    seen: list[tuple[int, int]] = []
    original = closure.issue_many

    def spy(items, **kwargs):
        state = SessionClosure.objects.get(session=setup.session)
        seen.append((state.processed, state.issued))
        return original(items, **kwargs)

    monkeypatch.setattr(closure, "issue_many", spy)
    run_closure(setup.session.pk, None)
    assert seen == [(0, 0), (1, 2), (2, 3)]


def test_a_failed_closure_says_why(settings):
    """Without a signing key the close ends failed, with a French error."""
    settings.ATTESTATION_SIGNING_KEY_FILES = ["/nonexistent/key.pem"]
    setup, *_people = _closing_setup()
    run_closure(setup.session.pk, None)
    state = SessionClosure.objects.get(session=setup.session)
    assert state.state == SessionClosure.State.FAILED
    assert state.error.startswith("La clôture a échoué")
    assert not Attestation.objects.exists()


def test_closure_finishes_tracks_too(administrator):
    """A completion issued at close also issues the track it completes."""
    from catalogue.models import TrackRegistration
    from tests.factories.catalogue import make_track

    setup, alice, _bob, _carol = _closing_setup()
    track = make_track(title="Parcours", trainings=[setup.training])
    TrackRegistration.objects.create(track=track, user=alice)
    run_closure(setup.session.pk, administrator.pk)
    assert Attestation.objects.filter(track=track, user=alice, kind=C).exists()


@pytest.mark.usefixtures("eager_tasks")
def test_start_closure_runs_the_task_after_commit(administrator, committed):
    """Starting the close enqueues the bulk issue after commit (audited)."""
    setup, alice, *_rest = _closing_setup()
    with committed():
        start_closure(setup.session, administrator)
    assert (alice.pk, C) in _issued(setup.session)
    assert SessionClosure.objects.get().closed_by == administrator


def test_start_closure_is_refused_while_running_or_before_the_end(administrator):
    """A second close while one runs, or a close before the last day, is refused."""
    setup, *_people = _closing_setup()
    start_closure(setup.session, administrator)
    with pytest.raises(ClosureRefused, match="déjà en cours"):
        start_closure(setup.session, administrator)
    stale = timezone.now() - closure.STALE_AFTER - dt.timedelta(minutes=1)
    SessionClosure.objects.update(updated_at=stale)
    start_closure(setup.session, administrator)  # a lost run may start again
    future = make_rule_setup(learners=1, starts_in_days=5)
    with pytest.raises(ClosureRefused, match="pas terminée"):
        start_closure(future.session, administrator)


def test_closure_query_count_per_chunk_is_bounded(
    settings, django_assert_max_num_queries
):
    """Closing 40 learners in chunks of 20 stays within a few dozen queries."""
    settings.CERTIFICATION_CLOSURE_CHUNK = 20
    setup = make_rule_setup(learners=40)
    CompletionRule.objects.create(session=setup.session, min_attendance_percent=0)
    for learner in setup.learners:
        complete_all(setup, learner)
    with django_assert_max_num_queries(60):
        run_closure(setup.session.pk, None)
    assert Attestation.objects.count() == 80


@pytest.mark.usefixtures("eager_tasks")
def test_sessions_ended_a_week_ago_close_by_themselves(settings, committed):
    """The daily beat closes sessions ended long enough ago, once, and leaves
    recent, cancelled or already closed ones alone."""
    settings.ATTESTATION_AUTO_CLOSE_DAYS = 7
    setup, alice, *_rest = _closing_setup()  # ended 9 days ago
    recent = make_rule_setup(learners=1, starts_in_days=-3)  # ended 2 days ago
    cancelled = make_rule_setup(learners=1, starts_in_days=-30)
    cancelled.session.status = cancelled.session.Status.CANCELLED
    cancelled.session.save(update_fields=["status"])
    with committed():
        assert closure.close_ended_sessions() == 1
    assert (alice.pk, C) in _issued(setup.session)
    done = SessionClosure.objects.get()
    assert (done.session, done.closed_by, done.state) == (
        setup.session,
        None,
        SessionClosure.State.DONE,
    )
    assert closure.close_ended_sessions() == 0  # never twice
    assert not _issued(recent.session) and not _issued(cancelled.session)
    settings.ATTESTATION_AUTO_CLOSE_DAYS = 0
    old = make_rule_setup(learners=1, starts_in_days=-60)
    assert closure.close_ended_sessions() == 0  # turned off
    assert not _issued(old.session)
