"""Rubrics and the tutor's review of assignments: services and pages."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import ActivityProgress, Submission
from courses.services import submit_assignment
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.tutoring.builders_assignments import (
    RUBRIC,
    assignment_cohort,
    hand_in,
    with_rubric,
)
from tutoring.assignments import review_with_rubric, set_rubric
from tutoring.models import Enrolment, Notification, RubricCriterion, SubmissionReview

pytestmark = pytest.mark.django_db

ACCEPTED = Submission.Status.ACCEPTED
REVISION = Submission.Status.NEEDS_REVISION


def _scores(criteria, *points):
    return {c.pk: p for c, p in zip(criteria, points, strict=True)}


def _review_url(setup, submission):
    return reverse("tutoring:submission_review", args=[setup.cohort.pk, submission.pk])


# --- services ---------------------------------------------------------------------


def test_accepting_completes_the_activity_and_raises_dashboard_progress(committed):
    """Accepting a submission completes the activity, the learner's progress on
    the tutor dashboard rises, the rubric points are kept and the learner is told."""
    setup = assignment_cohort(learners=1, activities=2)
    learner, activity = setup.learners[0], setup.activities[0]
    criteria = with_rubric(setup)
    with committed():
        submission = hand_in(learner, activity)
    assert (
        Enrolment.objects.get(cohort=setup.cohort, user=learner).progress_percent == 0
    )
    with committed():
        review_with_rubric(
            submission,
            setup.tutor,
            ACCEPTED,
            "Très bien.",
            _scores(criteria, 3, 6),
            cohort=setup.cohort,
        )
    submission.refresh_from_db()
    assert submission.status == ACCEPTED
    progress = ActivityProgress.objects.get(user=learner, activity=activity)
    assert progress.state == ActivityProgress.State.COMPLETED
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    assert enrolment.progress_percent == 50
    assert enrolment.completed_count == 1
    review = SubmissionReview.objects.get(submission=submission)
    assert (review.total_points, review.max_points) == (9, 10)
    assert review.scores == {str(criteria[0].pk): 3, str(criteria[1].pk): 6}
    notice = Notification.objects.get(user=learner, kind="review")
    assert "accepté" in notice.title
    assert notice.url == reverse("courses:activity_detail", args=[activity.uuid])


def test_revision_request_needs_feedback_and_writes_nothing_without_it():
    """Asking for a revision without a comment is refused; nothing is stored."""
    setup = assignment_cohort(learners=1)
    criteria = with_rubric(setup)
    submission = hand_in(setup.learners[0], setup.activities[0])
    with pytest.raises(ValidationError) as error:
        review_with_rubric(
            submission, setup.tutor, REVISION, "  ", _scores(criteria, 1, 1)
        )
    assert "feedback" in error.value.message_dict
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert not SubmissionReview.objects.exists()
    review_with_rubric(
        submission,
        setup.tutor,
        REVISION,
        "Précisez vos objectifs.",
        _scores(criteria, 1, 2),
    )
    submission.refresh_from_db()
    assert submission.status == REVISION
    assert not ActivityProgress.objects.filter(
        user=setup.learners[0], state=ActivityProgress.State.COMPLETED
    ).exists()


@pytest.mark.parametrize("points", [(5, 1), (-1, 2), (None, 2), ("abc", 2)])
def test_scores_out_of_range_or_missing_are_refused(points):
    """Each criterion needs a score from 0 to its maximum; otherwise nothing is
    reviewed."""
    setup = assignment_cohort(learners=1)
    criteria = with_rubric(setup)
    submission = hand_in(setup.learners[0], setup.activities[0])
    scores = {c.pk: p for c, p in zip(criteria, points, strict=True) if p is not None}
    with pytest.raises(ValidationError) as error:
        review_with_rubric(submission, setup.tutor, ACCEPTED, "", scores)
    assert f"score_{criteria[0].pk}" in error.value.message_dict
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert not SubmissionReview.objects.exists()


def test_a_second_review_is_refused_with_a_clear_message():
    """A double submit of the review does not review twice."""
    setup = assignment_cohort(learners=1)
    criteria = with_rubric(setup)
    submission = hand_in(setup.learners[0], setup.activities[0])
    review_with_rubric(submission, setup.tutor, ACCEPTED, "", _scores(criteria, 4, 6))
    with pytest.raises(ValidationError) as error:
        review_with_rubric(
            submission, setup.tutor, REVISION, "Non.", _scores(criteria, 0, 0)
        )
    assert "déjà été évalué" in error.value.messages[0]
    assert SubmissionReview.objects.count() == 1
    submission.refresh_from_db()
    assert submission.status == ACCEPTED


def test_review_without_rubric_needs_no_scores():
    """An assignment without rubric is reviewed with a decision and feedback only."""
    setup = assignment_cohort(learners=1)
    submission = hand_in(setup.learners[0], setup.activities[0])
    review_with_rubric(submission, setup.tutor, ACCEPTED, "Bravo")
    submission.refresh_from_db()
    assert submission.status == ACCEPTED
    assert not SubmissionReview.objects.exists()


def test_rubric_rules():
    """1 to 12 criteria of 1 to 20 points, only on assignments, frozen once used."""
    setup = assignment_cohort(learners=1)
    activity = setup.activities[0]
    for bad in (
        [],
        [("A", "", 4)] * 13,
        [("A", "", 21)],
        [("A", "", 0)],
        [("", "", 4)],
    ):
        with pytest.raises(ValidationError):
            set_rubric(activity, bad, by=setup.tutor)
    assert not RubricCriterion.objects.exists()
    page_cohort = make_cohort(learners=0, activities=1)
    with pytest.raises(ValidationError):
        set_rubric(page_cohort.activities[0], RUBRIC, by=page_cohort.tutor)
    criteria = set_rubric(activity, RUBRIC, by=setup.tutor)
    assert [c.title for c in criteria] == ["Pertinence", "Usage du numérique"]
    # Replacing before any review is allowed.
    criteria = set_rubric(activity, [("Clarté", "", 5)], by=setup.tutor)
    assert RubricCriterion.objects.filter(activity=activity).count() == 1
    submission = hand_in(setup.learners[0], activity)
    review_with_rubric(submission, setup.tutor, ACCEPTED, "", {criteria[0].pk: 5})
    with pytest.raises(ValidationError) as error:
        set_rubric(activity, RUBRIC, by=setup.tutor)
    assert "ne peut plus être modifiée" in error.value.messages[0]
    # Saving the same criteria again is harmless.
    set_rubric(activity, [("Clarté", "", 5)], by=setup.tutor)


# --- pages --------------------------------------------------------------------------


def test_tutor_reviews_through_the_page(client, committed):
    """The tutor scores the rubric, writes feedback and accepts: the page says so."""
    setup = assignment_cohort(learners=1)
    criteria = with_rubric(setup)
    submission = hand_in(
        setup.learners[0], setup.activities[0], "<script>alert(1)</script>"
    )
    client.force_login(setup.tutor)
    response = client.get(_review_url(setup, submission))
    assert response.status_code == 200
    content = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "Pertinence (sur 4 points)" in content
    data = {
        "status": ACCEPTED,
        "feedback": "Bien construit.",
        f"score_{criteria[0].pk}": "4",
        f"score_{criteria[1].pk}": "5",
    }
    with committed():
        response = client.post(_review_url(setup, submission), data, follow=True)
    assert response.status_code == 200
    assert "Travail accepté" in response.content.decode()
    assert SubmissionReview.objects.get(submission=submission).total_points == 9
    assert (
        Enrolment.objects.get(
            cohort=setup.cohort, user=setup.learners[0]
        ).progress_percent
        == 50
    )
    # The same form posted again (double submit) reviews nothing more.
    response = client.post(_review_url(setup, submission), data, follow=True)
    assert "déjà été évalué" in response.content.decode()
    assert SubmissionReview.objects.count() == 1


def test_review_page_shows_errors_for_bad_scores(client):
    """Out-of-range points are shown next to the criterion; nothing is saved."""
    setup = assignment_cohort(learners=1)
    criteria = with_rubric(setup)
    submission = hand_in(setup.learners[0], setup.activities[0])
    client.force_login(setup.tutor)
    response = client.post(
        _review_url(setup, submission),
        {
            "status": REVISION,
            "feedback": "",
            f"score_{criteria[0].pk}": "9",
            f"score_{criteria[1].pk}": "2",
        },
    )
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED


def test_who_may_review(client):
    """A learner, a tutor of another cohort and an anonymous visitor cannot review;
    a submission outside the cohort's course is not found."""
    setup = assignment_cohort(learners=1)
    other = assignment_cohort(learners=1)
    submission = hand_in(setup.learners[0], setup.activities[0])
    foreign = hand_in(other.learners[0], other.activities[0])
    url = _review_url(setup, submission)
    assert client.get(url).status_code == 302
    client.force_login(setup.learners[0])
    assert client.get(url).status_code == 403
    assert client.post(url, {"status": ACCEPTED}).status_code == 403
    assert (
        client.get(reverse("tutoring:submissions", args=[setup.cohort.pk])).status_code
        == 403
    )
    client.force_login(other.tutor)
    assert client.get(url).status_code == 403
    client.force_login(setup.tutor)
    assert client.get(_review_url(setup, foreign)).status_code == 404
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED


def test_group_tutor_sees_only_their_groups_submissions(client):
    """A group tutor's queue holds their group's work only; another group's
    submission is refused."""
    setup = assignment_cohort(learners=3)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=[setup.learners[0]])
    mine = hand_in(setup.learners[0], setup.activities[0])
    theirs = hand_in(setup.learners[1], setup.activities[0])
    client.force_login(group_tutor)
    response = client.get(reverse("tutoring:submissions", args=[setup.cohort.pk]))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    assert client.get(_review_url(setup, theirs)).status_code == 403
    assert client.get(_review_url(setup, mine)).status_code == 200
    client.force_login(setup.tutor)
    response = client.get(reverse("tutoring:submissions", args=[setup.cohort.pk]))
    assert list(response.context["page"].object_list) == [mine, theirs]


def test_queue_filters_and_bounded_queries(client, django_assert_max_num_queries):
    """Filters by state and activity; the page's query count does not grow with
    the number of submissions."""
    setup = assignment_cohort(learners=12, activities=2)
    first, second = setup.activities
    for learner in setup.learners[:3]:
        hand_in(learner, first)
    client.force_login(setup.tutor)
    url = reverse("tutoring:submissions", args=[setup.cohort.pk])
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for learner in setup.learners[3:]:
        hand_in(learner, first)
        hand_in(learner, second)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["page"].paginator.count == 21
    accepted = Submission.objects.filter(activity=second).order_by("pk").first()
    review_with_rubric(accepted, setup.tutor, ACCEPTED, "")
    response = client.get(url, {"status": "accepted"})
    assert list(response.context["page"].object_list) == [accepted]
    response = client.get(url, {"activity": second.pk})
    assert response.context["page"].paginator.count == 8
    assert all(s.activity_id == second.pk for s in response.context["page"].object_list)


def test_submission_file_download_is_scoped(client):
    """The learner and tutors whose scope holds them download the file; a group
    tutor of another group cannot."""
    setup = assignment_cohort(learners=2)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe B", tutor=group_tutor, members=[setup.learners[1]])
    upload = SimpleUploadedFile(
        "sequence.pdf", b"%PDF-1.4 test", content_type="application/pdf"
    )
    submission = submit_assignment(setup.learners[0], setup.activities[0], "", upload)
    url = reverse("tutoring:submission_file", args=[setup.cohort.pk, submission.pk])
    client.force_login(setup.tutor)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    client.force_login(setup.learners[0])
    assert client.get(url).status_code == 200
    client.force_login(setup.learners[1])
    assert client.get(url).status_code == 403
    client.force_login(group_tutor)
    assert client.get(url).status_code == 403


def test_rubric_page(client):
    """Cohort tutors define the rubric; group tutors may not; activities of other
    courses are not found; a used rubric is shown read-only."""
    setup = assignment_cohort(learners=1)
    other = assignment_cohort(learners=0)
    activity = setup.activities[0]
    url = reverse("tutoring:rubric_edit", args=[setup.cohort.pk, activity.pk])
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe C", tutor=group_tutor)
    client.force_login(group_tutor)
    assert client.get(url).status_code == 403
    client.force_login(setup.tutor)
    assert (
        client.get(
            reverse(
                "tutoring:rubric_edit", args=[setup.cohort.pk, other.activities[0].pk]
            )
        ).status_code
        == 404
    )
    response = client.get(url)
    assert response.status_code == 200
    data = {
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "3",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "12",
        "criteria-0-title": "Structure",
        "criteria-0-description": "Plan clair",
        "criteria-0-max_points": "5",
        "criteria-1-title": "Sources",
        "criteria-1-max_points": "3",
        "criteria-2-title": "",
        "criteria-2-max_points": "4",
    }
    response = client.post(url, data, follow=True)
    assert "La grille d'évaluation est enregistrée." in html.unescape(
        response.content.decode()
    )
    assert list(
        RubricCriterion.objects.filter(activity=activity).values_list(
            "title", "max_points"
        )
    ) == [("Structure", 5), ("Sources", 3)]
    bad = {**data, "criteria-0-max_points": "25"}
    assert client.post(url, bad).status_code == 400
    criteria = list(RubricCriterion.objects.filter(activity=activity))
    submission = hand_in(setup.learners[0], activity)
    review_with_rubric(
        submission, setup.tutor, ACCEPTED, "", {criteria[0].pk: 5, criteria[1].pk: 3}
    )
    response = client.get(url)
    assert "ne peut plus être modifiée" in response.content.decode()
    response = client.post(url, {**data, "criteria-0-title": "Autre"})
    assert response.status_code == 400
    assert RubricCriterion.objects.filter(activity=activity, title="Structure").exists()
