"""End to end in Chromium: a catalogue manager creates a training in /cms/ and submits
it to moderation; it stays invisible; they cannot approve it themself; a second
manager approves and the public page goes live, accessible to axe-core."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.models import PageLogEntry

from catalogue.demo import SECOND_MANAGER
from catalogue.models import CatalogueIndexPage, EducationLevel, TrainingPage
from lms.models import Competence
from tests.browser.conftest import serious_axe_violations
from tests.two_factor_support import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


MANAGER_A = "catalogue@demo.tremplin.test"
MANAGER_B = SECOND_MANAGER
TITLE = "Concevoir des capsules vidéo accessibles"
CODE = "E2E-2027-001"


def _sign_in(page, email, password):
    page.goto("/accounts/login/")
    page.locator("input[name='username']").fill(email)
    page.locator("input[name='password']").fill(password)
    page.locator("form button[type='submit']").last.click()
    pass_second_factor(page, email)
    page.wait_for_url("**/dashboard/")


def _click_action(page, selector):
    """Click an action of the admin footer menu, opening its dropdown if needed."""
    button = page.locator(selector).first
    if not button.is_visible():
        page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    button.click()


def test_training_is_created_moderated_by_a_peer_and_published(
    browser, live_server, demo_data
):
    """Manager A creates and submits a training; it is a 404 publicly; A has no approve
    action; manager B approves and the public page is live with no serious axe issue."""
    index = CatalogueIndexPage.objects.get()
    competence = Competence.objects.get(code="2.2")
    level_code = "secondaire_inferieur"

    def new_page():
        context = browser.new_context(
            base_url=live_server.url, bypass_csp=True, locale="fr-BE"
        )
        return context, context.new_page()

    # Manager A creates the training and submits it to moderation.
    context_a, page_a = new_page()
    _sign_in(page_a, MANAGER_A, settings.DEMO_PASSWORD)
    page_a.goto(
        reverse("wagtailadmin_pages:add", args=["catalogue", "trainingpage", index.pk])
    )
    page_a.locator("#id_title").fill(TITLE)
    page_a.locator("#id_code").fill(CODE)
    page_a.locator("#id_modality").select_option("hybride")
    page_a.locator("#id_summary").fill(
        "Réaliser des capsules vidéo sous-titrées et audiodécrites pour la classe."
    )
    page_a.locator(f"input[name='competences'][value='{competence.pk}']").check()
    level_pk = EducationLevel.objects.get(code=level_code).pk
    page_a.locator(f"input[name='levels'][value='{level_pk}']").check()
    page_a.locator("#id_sync_hours").fill("6")
    page_a.locator("#id_async_hours").fill("4")
    _click_action(page_a, "button[name='action-submit']")
    page_a.wait_for_url(re.compile(r".*/cms/pages/\d+/(edit/)?$"))

    training = TrainingPage.objects.get(code=CODE)
    assert not training.live
    assert training.workflow_in_progress
    state = training.current_workflow_state
    assert state.requested_by.email == MANAGER_A
    task_state = state.current_task_state
    submitted_revision = task_state.revision

    # Not visible publicly while in moderation.
    anonymous = browser.new_context(base_url=live_server.url, bypass_csp=True)
    public_url = f"/{index.slug}/{training.slug}/"
    response = anonymous.new_page().goto(public_url)
    assert response.status == 404

    # A sees no approve action and cannot open the review as an approver.
    page_a.goto(reverse("wagtailadmin_pages:edit", args=[training.pk]))
    assert page_a.locator("[data-workflow-action-name='approve']").count() == 0
    response = page_a.goto(
        reverse(
            "wagtailadmin_pages:workflow_preview",
            args=[training.pk, task_state.task_id],
        )
    )
    # Wagtail answers a refused admin view by sending the user back to /cms/.
    assert response.status == 403 or response.url == f"{live_server.url}/cms/"
    training.refresh_from_db()
    assert not training.live
    context_a.close()

    # Manager B approves: the training goes live.
    context_b, page_b = new_page()
    _sign_in(page_b, MANAGER_B, settings.DEMO_PASSWORD)
    page_b.goto(reverse("wagtailadmin_pages:edit", args=[training.pk]))
    _click_action(
        page_b,
        "button[data-workflow-action-name='approve']"
        ":not([data-workflow-action-modal-url])",
    )
    page_b.wait_for_load_state()
    for _attempt in range(50):
        training.refresh_from_db()
        if training.live:
            break
        page_b.wait_for_timeout(100)
    assert training.live
    # What went live is A's submitted work, approved by B. (Wagtail may also save B's
    # unchanged form as a new revision, depending on when the editor scripts ran.)
    assert training.live_revision.as_object().code == CODE
    assert submitted_revision.user.email == MANAGER_A
    approval = PageLogEntry.objects.get(
        page=training, action="wagtail.workflow.approve"
    )
    assert approval.user.email == MANAGER_B
    context_b.close()

    # The public page is live and accessible.
    public = anonymous.new_page()
    response = public.goto(public_url)
    assert response.status == 200
    assert public.get_by_role("heading", level=1).inner_text() == TITLE
    text = public.locator("main").inner_text()
    assert "Création et modification de contenus numériques" in text
    assert "Secondaire inférieur" in text
    assert serious_axe_violations(public) == []
    public.screenshot(
        path=str(settings.VAR_DIR / "catalogue-training-public.png"), full_page=True
    )
    anonymous.close()


def test_demo_training_and_track_pages_are_accessible(page, demo_data):
    """A demo training with sessions and the high-expertise track pass axe-core, and
    the training's register links lead to the registration page."""
    from catalogue.demo import COURSE_TRAINING_CODE, TRACK_CODE
    from catalogue.models import TrackPage

    page.goto("/catalogue/")
    page.wait_for_load_state()
    training = TrainingPage.objects.get(code=COURSE_TRAINING_CODE)
    page.goto(training.url)
    assert page.get_by_role("heading", level=1).inner_text() == training.title
    sessions = page.locator(".session-card")
    assert sessions.count() == training.sessions.count()
    assert page.get_by_role("link", name=re.compile("^S'inscrire")).count() >= 1
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "catalogue-demo-training.png"), full_page=True
    )

    track = TrackPage.objects.get(code=TRACK_CODE)
    page.goto(track.url)
    assert page.locator(".step-card").count() == 4
    assert "10 journées synchrones" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="S'inscrire au parcours").is_visible()
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "catalogue-demo-track.png"), full_page=True
    )
