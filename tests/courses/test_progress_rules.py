"""Progress: completion rules, monotonic state, best score, events, course progress."""

from __future__ import annotations

from decimal import Decimal

import pytest

from courses.events import ActivityCompletionChanged, activity_completion_changed
from courses.models import Activity, ActivityProgress
from courses.progress import course_progress, is_unlocked, record_progress
from tests.courses.tracking_fixtures import learner
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory

pytestmark = pytest.mark.django_db

Rule = Activity.CompletionRule


@pytest.fixture
def events():
    received: list[ActivityCompletionChanged] = []

    def handler(sender, event, **kwargs):
        received.append(event)

    activity_completion_changed.connect(handler, dispatch_uid="test-progress-events")
    yield received
    activity_completion_changed.disconnect(dispatch_uid="test-progress-events")


def activity(rule=Rule.COMPLETED, **values) -> Activity:
    return ActivityFactory(completion_rule=rule, **values)


@pytest.mark.parametrize(
    ("rule", "news", "done"),
    [
        (Rule.VIEWED, {"viewed": True}, True),
        (Rule.COMPLETED, {"viewed": True}, False),
        (Rule.COMPLETED, {"completed": True}, True),
        (Rule.PASSED, {"completed": True}, False),
        (Rule.PASSED, {"completed": True, "passed": False}, False),
        (Rule.PASSED, {"passed": True}, True),
        (Rule.MIN_SCORE, {"score_percent": 69.99}, False),
        (Rule.MIN_SCORE, {"score_percent": 70}, True),
        (Rule.SUBMISSION_ACCEPTED, {"viewed": True, "completed": True}, False),
        (Rule.SUBMISSION_ACCEPTED, {"submission_accepted": True}, True),
    ],
)
def test_completion_rules(rule, news, done):
    """Each completion rule completes the activity on its own condition only."""
    target = activity(rule, min_score=Decimal("70"))
    progress = record_progress(learner(), target, **news)
    expected = ActivityProgress.State.COMPLETED if done else "in_progress"
    assert progress.state == expected
    assert (progress.completed_at is not None) is done


def test_completed_never_regresses_and_best_score_is_kept():
    """Later worse news neither un-completes nor lowers the best score."""
    user, target = learner(), activity(Rule.MIN_SCORE, min_score=Decimal("50"))
    record_progress(user, target, score_percent=80)
    progress = record_progress(user, target, score_percent=20, completed=False)
    assert progress.state == "completed"
    assert progress.score == Decimal("80.00")
    progress.refresh_from_db()
    assert progress.state == "completed" and progress.score == Decimal("80.00")


def test_passed_is_sticky():
    """A pass is not undone by a later failure."""
    user, target = learner(), activity(Rule.PASSED)
    record_progress(user, target, passed=False)
    assert record_progress(user, target, passed=True).is_passed is True
    assert record_progress(user, target, passed=False).is_passed is True


def test_time_adds_up():
    """time_seconds accumulates."""
    user, target = learner(), activity()
    record_progress(user, target, time_seconds=30)
    assert record_progress(user, target, time_seconds=45.5).total_time_seconds == 75.5


def test_scores_are_clamped_to_percentages():
    """Scores outside 0–100 are clamped."""
    user, target = learner(), activity()
    assert record_progress(user, target, score_percent=180).score == Decimal("100.00")


def test_event_is_sent_once_after_commit_with_the_payload(
    django_capture_on_commit_callbacks, events
):
    """Completing sends one event after commit, with state, score and course %."""
    user = learner()
    module = ModuleFactory()
    target = activity(Rule.COMPLETED, module=module)
    activity(Rule.VIEWED, module=module)  # a second required activity
    with django_capture_on_commit_callbacks(execute=True):
        record_progress(user, target, completed=True, score_percent=64, passed=True)
        assert events == []  # nothing before the transaction commits
    assert len(events) == 1  # (higher apps' handlers may add callbacks of their own)
    event = events[0]
    assert event.user_id == user.pk
    assert event.activity_id == target.pk
    assert event.course_id == module.course_id
    assert (event.previous_state, event.state) == ("not_started", "completed")
    assert event.score == Decimal("64.00")
    assert event.is_passed is True
    assert event.completed_at is not None
    assert event.course_progress_percent == 50


def test_no_event_when_nothing_changes(django_capture_on_commit_callbacks, events):
    """Repeating the same news, or only adding time, sends nothing."""
    user, target = learner(), activity(Rule.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True):
        record_progress(user, target, completed=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_progress(user, target, completed=True, time_seconds=12)
    assert callbacks == []
    assert len(events) == 1


def test_no_event_for_a_rolled_back_transaction(
    django_capture_on_commit_callbacks, events
):
    """An event is only sent for committed changes."""
    from django.db import transaction

    user, target = learner(), activity(Rule.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                record_progress(user, target, completed=True)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert events == []
    assert not ActivityProgress.objects.filter(user=user, state="completed").exists()


@pytest.fixture
def course_with_prerequisites():
    course = CourseFactory()
    first = ModuleFactory(course=course, position=0)
    second = ModuleFactory(course=course, position=1)
    a = ActivityFactory(module=first, position=0, title="A")
    optional = ActivityFactory(
        module=first, position=1, title="Option", is_required=False
    )
    b = ActivityFactory(module=second, position=0, title="B")
    c = ActivityFactory(module=second, position=1, title="C")
    b.prerequisites.add(a)
    c.prerequisites.add(a, b)
    return course, a, optional, b, c


def test_course_progress_counts_required_activities_and_finds_next(
    course_with_prerequisites,
):
    """Percent counts required activities; next is the first unlocked not done."""
    course, a, optional, b, c = course_with_prerequisites
    user = learner()
    progress = course_progress(user, course)
    assert (progress.percent, progress.total_required) == (0, 3)
    assert progress.next_activity == a
    record_progress(user, optional, viewed=True)
    record_progress(user, a, viewed=True)
    progress = course_progress(user, course)
    assert (progress.completed_required, progress.percent) == (1, 33)
    assert progress.next_activity == b
    assert is_unlocked(b, progress.progress_by_activity)
    assert not is_unlocked(c, progress.progress_by_activity)
    record_progress(user, b, viewed=True)
    record_progress(user, c, viewed=True)
    progress = course_progress(user, course)
    assert (progress.percent, progress.next_activity) == (100, None)


def test_course_progress_query_count_does_not_grow_with_activities(
    course_with_prerequisites, django_assert_num_queries
):
    """course_progress runs 3 queries however many activities there are."""
    course, a, _optional, _b, c = course_with_prerequisites
    user = learner()
    record_progress(user, a, viewed=True)
    with django_assert_num_queries(3):
        course_progress(user, course)
    module = ModuleFactory(course=course, position=5)
    for index in range(12):
        extra = ActivityFactory(module=module, position=index)
        extra.prerequisites.add(a)
        record_progress(user, extra, viewed=True)
    with django_assert_num_queries(3):
        progress = course_progress(user, course)
        assert progress.next_activity is not None
        unlocked = {
            x.pk: is_unlocked(x, progress.progress_by_activity)
            for x in progress.activities
        }
    assert unlocked.pop(c.pk) is False  # C also needs B
    assert all(unlocked.values())


def test_event_course_percent_matches_course_progress(
    course_with_prerequisites, django_capture_on_commit_callbacks, events
):
    """The course percent in each event is the one the course page shows."""
    course, a, optional, b, _c = course_with_prerequisites
    user = learner()
    for target in (optional, a, b):
        with django_capture_on_commit_callbacks(execute=True):
            record_progress(user, target, viewed=True)
        assert events[-1].course_id == course.pk
        assert (
            events[-1].course_progress_percent == course_progress(user, course).percent
        )
    assert [e.course_progress_percent for e in events] == [0, 33, 66]
