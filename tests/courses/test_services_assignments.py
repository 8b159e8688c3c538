"""Assignments (submit, review → completion) and viewing pages, files, links."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.events import activity_completion_changed
from courses.models import Activity, ActivityProgress, Submission
from courses.progress import course_progress
from tests.courses.structure_fixtures import (  # noqa: F401
    media_fixture,
    run_with_learner,
    tutor_of,
)
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment_setup():
    run, learner, pages = run_with_learner(activities=1)
    work = ActivityFactory(
        module=pages[0].module,
        title="Travail",
        kind=Activity.Kind.ASSIGNMENT,
        completion_rule=Activity.CompletionRule.SUBMISSION_ACCEPTED,
        position=5,
    )
    return run, learner, pages[0], work


def _state(user, activity):
    row = ActivityProgress.objects.filter(user=user, activity=activity).first()
    return row.state if row else "not_started"


def test_submit_then_accept_completes_the_activity(
    assignment_setup, django_capture_on_commit_callbacks
):
    """An accepted submission completes the activity and emits the completion event."""
    run, learner, _page, work = assignment_setup
    tutor = tutor_of(run)
    submission = services.submit_assignment(learner, work, "Ma réponse")
    assert submission.status == Submission.Status.SUBMITTED
    assert _state(learner, work) == "in_progress"
    events = []

    def receiver(sender, event, **kwargs):
        events.append(event)

    activity_completion_changed.connect(receiver, dispatch_uid="test-assignment")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.review_submission(submission, tutor, "accepted", "Très bien")
    finally:
        activity_completion_changed.disconnect(dispatch_uid="test-assignment")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    assert submission.reviewed_by == tutor
    assert submission.feedback == "Très bien"
    assert _state(learner, work) == "completed"
    assert [e.state for e in events] == ["completed"]
    assert course_progress(learner, run).completed_required == 1


def test_needs_revision_requires_feedback_and_does_not_complete(assignment_setup):
    """Sending work back needs an explanation and leaves the activity in progress."""
    run, learner, _page, work = assignment_setup
    tutor = tutor_of(run)
    submission = services.submit_assignment(learner, work, "Brouillon")
    with pytest.raises(ValidationError) as excinfo:
        services.review_submission(submission, tutor, "needs_revision", "")
    assert excinfo.value.message_dict["feedback"] == [
        "Expliquez ce qui est à retravailler."
    ]
    services.review_submission(submission, tutor, "needs_revision", "Précisez l'usage.")
    assert _state(learner, work) == "in_progress"
    with pytest.raises(ValidationError):
        services.review_submission(submission, tutor, "accepted")
    second = services.submit_assignment(learner, work, "Version 2")
    services.review_submission(second, tutor, "accepted")
    assert _state(learner, work) == "completed"
    with pytest.raises(ValidationError) as excinfo:
        services.submit_assignment(learner, work, "Version 3")
    assert "déjà été accepté" in excinfo.value.messages[0]


def test_submission_needs_text_or_file_and_an_accepted_file_type(
    assignment_setup, media
):
    """Empty work and executables are refused; a PDF is kept with its name."""
    _run, learner, _page, work = assignment_setup
    with pytest.raises(ValidationError) as excinfo:
        services.submit_assignment(learner, work, "   ")
    assert "Écrivez une réponse" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        services.submit_assignment(learner, work, "", SimpleUploadedFile("x.sh", b"#!"))
    submission = services.submit_assignment(
        learner, work, "", SimpleUploadedFile("Séquence.pdf", b"%PDF")
    )
    assert submission.original_filename == "Séquence.pdf"
    assert submission.file.read() == b"%PDF"


def test_submission_refused_to_outsiders_and_while_locked(assignment_setup, teacher):
    """A non-participant cannot submit; a learner cannot before the prerequisites."""
    _run, learner, page, work = assignment_setup
    with pytest.raises(ValidationError) as excinfo:
        services.submit_assignment(teacher, work, "Intrus")
    assert excinfo.value.code == "not_learner"
    work.prerequisites.set([page])
    with pytest.raises(ValidationError) as excinfo:
        services.submit_assignment(learner, work, "Trop tôt")
    assert excinfo.value.code == "locked"
    services.mark_viewed(learner, page)
    assert services.submit_assignment(learner, work, "Maintenant").pk


def test_mark_viewed_completes_a_page_and_refuses_packages(assignment_setup):
    """Viewing completes a page with the "viewed" rule; not for SCORM activities."""
    run, learner, page, _work = assignment_setup
    progress = services.mark_viewed(learner, page)
    assert progress.state == "completed"
    scorm = ActivityFactory(module=page.module, kind=Activity.Kind.SCORM)
    with pytest.raises(ValidationError):
        services.mark_viewed(learner, scorm)
    assert UserFactory()  # other users are unaffected
    assert ActivityProgress.objects.filter(activity=page).count() == 1
