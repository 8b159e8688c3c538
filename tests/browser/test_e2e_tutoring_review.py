"""End to end in Chromium: a tutor reviews a learner's assignment with the rubric;
acceptance completes the activity and the tutor dashboard's figures follow."""

import pytest
from django.conf import settings

from courses.models import Submission
from tests.browser.conftest import serious_axe_violations
from tests.conftest import PASSWORD
from tests.tutoring.builders_assignments import assignment_cohort, hand_in, with_rubric
from tutoring.models import Enrolment, Notification, SubmissionReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/dashboard/")


def test_tutor_scores_the_rubric_and_accepts(page, live_server):
    """The tutor opens the queue, then the submission, scores both criteria,
    writes feedback and accepts: the page confirms, the learner's progress on
    the dashboard rises and the learner is notified; no serious axe violation."""
    setup = assignment_cohort(learners=1, activities=2)
    learner = setup.learners[0]
    with_rubric(setup)
    submission = hand_in(learner, setup.activities[0], "Ma séquence sur les fractions.")

    _sign_in(page, setup.tutor.email)
    page.goto(f"/tutoring/{setup.cohort.pk}/submissions/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert serious_axe_violations(page) == []
    page.locator("table").get_by_role("link", name="Évaluer").click()
    page.wait_for_url(f"**/submissions/{submission.pk}/")
    assert "Ma séquence sur les fractions." in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []

    page.get_by_label("Pertinence (sur 4 points)").fill("3")
    page.get_by_label("Usage du numérique (sur 6 points)").fill("5")
    page.get_by_label("Accepter le travail").check()
    page.get_by_label("Commentaire pour l'apprenant·e").fill(
        "Belle progression, objectifs clairs."
    )
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    page.wait_for_load_state()
    status = page.get_by_role("status").first
    assert "Travail accepté" in status.inner_text()
    assert "8 sur 10" in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []
    page.screenshot(path=str(settings.VAR_DIR / "tutoring-review.png"), full_page=True)

    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED
    assert SubmissionReview.objects.get(submission=submission).total_points == 8
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    assert enrolment.progress_percent == 50
    assert enrolment.completed_count == 1
    assert Notification.objects.filter(user=learner, kind="review").exists()
