"""End to end in Chromium: package upload with its progress bar, the learner course
page (resume button, progress), accessibility with axe-core."""

import pytest
from celery import current_app
from django.conf import settings

from courses.demo import RUN_CODE
from courses.models import Course, Package
from tests.browser.conftest import serious_axe_violations
from tests.browser.dialogs import accept_dialogs
from tests.courses.package_builders import build_scorm12
from tests.two_factor_support import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANAGER = "catalogue@demo.tremplin.test"
TEACHER = "enseignante@demo.tremplin.test"


@pytest.fixture
def eager_tasks():
    """Package processing runs in the server thread right after the upload commits."""
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    pass_second_factor(page, email)
    page.wait_for_url("**/dashboard/")


def test_upload_shows_progress_then_ready(page, demo_data, eager_tasks, tmp_path):
    """A manager uploads a SCORM zip: the progress bar appears, reaches 100 % and the
    page announces the package is ready with a link to use it."""
    archive = tmp_path / "module-numerique.zip"
    archive.write_bytes(build_scorm12(title="Numérique en classe (test)"))
    _sign_in(page, MANAGER)
    page.get_by_role("link", name="Cours en ligne").click()
    page.get_by_role("link", name="Paquets SCORM et H5P").click()
    page.get_by_role("link", name="Déposer un paquet").click()
    page.wait_for_url("**/manage/packages/upload/")
    assert serious_axe_violations(page) == []

    status = page.locator("#upload-status")
    assert status.is_hidden()
    page.get_by_label("Archive du paquet (.zip ou .h5p)").set_input_files(str(archive))
    page.get_by_role("button", name="Déposer le paquet").click()
    status.wait_for(state="visible")
    progress = page.locator("progress#upload-progress")
    assert progress.is_visible()
    page.wait_for_selector("#upload-status[data-state='ready']", timeout=30_000)
    assert progress.get_attribute("value") == "100"
    assert page.locator("#upload-percent").inner_text() == "100 %"
    result = page.locator("#upload-result")
    assert "Le paquet est prêt." in result.inner_text()
    assert "SCORM 1.2" in result.inner_text()
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "package-upload-ready.png"), full_page=True
    )

    page.get_by_role(
        "link", name="Continuer : associer le paquet à une activité"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Utiliser ce paquet").is_visible()
    assert Package.objects.filter(
        title="Numérique en classe (test)", status=Package.Status.READY
    ).exists()


def test_refused_upload_lists_the_problems(page, demo_data, eager_tasks, tmp_path):
    """A file that is not a zip is refused with the French reasons listed."""
    archive = tmp_path / "faux.zip"
    archive.write_bytes(b"%PDF-1.4 ceci n'est pas un zip")
    _sign_in(page, MANAGER)
    page.goto("/courses/manage/packages/upload/")
    page.get_by_label("Archive du paquet (.zip ou .h5p)").set_input_files(str(archive))
    page.get_by_role("button", name="Déposer le paquet").click()
    page.wait_for_selector("#upload-status[data-state='failed']", timeout=30_000)
    text = page.locator("#upload-result").inner_text()
    assert "Le paquet a été refusé pour les raisons suivantes" in text
    assert page.locator(".problem-list li").count() >= 1
    assert serious_axe_violations(page) == []


def test_learner_course_page_resume_and_accessibility(page, demo_data):
    """The demo teacher finds her course on the dashboard, starts it, and the page
    then offers to resume at the next activity, with an accessible layout."""
    run = Course.objects.get(code=RUN_CODE)
    _sign_in(page, TEACHER)
    assert page.get_by_role("heading", name="Mes cours").is_visible()
    # (she also follows the demo cohort's run: pick this course's card)
    page.locator(f"a[href$='/courses/{run.pk}/']", has_text="Commencer").click()
    page.wait_for_url(f"**/courses/{run.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == run.title
    assert page.locator("#progress-figure").inner_text() == "0 % terminé"
    assert "Se débloque quand vous aurez terminé" in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "course-page-start.png"), full_page=True
    )

    page.get_by_role("link", name="Commencer").click()
    page.wait_for_load_state()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Bienvenue dans le parcours"
    )
    assert "Terminée" in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []

    page.get_by_role("link", name="Retour au cours").click()
    page.wait_for_url(f"**/courses/{run.pk}/")
    assert page.locator("#progress-figure").inner_text() == "25 % terminé"
    resume = page.get_by_role("link", name="Reprendre")
    assert resume.is_visible()
    assert (
        "Explorer les ressources d'e-classe" in page.locator(".next-step").inner_text()
    )
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "course-page-resume.png"), full_page=True
    )


def test_demo_sco_plays_records_the_quiz_and_resumes(
    browser, player_origins, demo_data
):
    """The demo SCORM 1.2 module runs in the player: pages set the bookmark, the quiz
    stores score, status and interactions, the activity is completed, and a reopened
    module resumes on the saved page with the saved answers."""
    import re
    import time

    from django.test import Client

    from courses.models import Activity, ActivityProgress, ScoState
    from lms.models import User

    teacher = User.objects.get(email=TEACHER)
    run = Course.objects.get(code=RUN_CODE)
    welcome = Activity.objects.get(module__course=run, kind="page", position=0)
    scorm = Activity.objects.get(module__course=run, kind="scorm")
    from courses.services import mark_viewed

    mark_viewed(teacher, welcome)  # the SCORM module requires the welcome page
    client = Client()
    client.force_login(teacher)
    context = browser.new_context(base_url=player_origins[0], locale="fr-BE")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": player_origins[0],
            }
        ]
    )

    def sco(page):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            frame = page.frame(url=re.compile(r".*/index\.html"))
            if frame is not None:
                frame.wait_for_load_state()
                frame.wait_for_selector("#lms-status:text('Progression enregistrée')")
                return frame
            page.wait_for_timeout(50)
        raise AssertionError("the demo SCO did not load")

    def wait_for(predicate, message):
        deadline = time.monotonic() + 10
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise AssertionError(message)
            time.sleep(0.1)
        return value

    page = context.new_page()
    accept_dialogs(page)
    page.goto(f"/courses/{run.pk}/")
    page.get_by_role("link", name="Le modèle SAMR en classe").click()
    page.get_by_role("link", name="Lancer le module").click()
    frame = sco(page)
    frame.get_by_role("button", name="Page suivante").click()
    frame.get_by_role("button", name="Passer au quiz").click()
    state = wait_for(
        lambda: ScoState.objects.filter(attempt__activity=scorm, location="3").first(),
        "bookmark not stored",
    )
    frame.get_by_label("Substitution").first.check()
    frame.get_by_label("Modification").check()
    frame.get_by_label("situer et faire évoluer un usage pédagogique").check()
    frame.get_by_role("button", name="Valider mes réponses").click()
    frame.wait_for_selector("#result.passed")
    state = wait_for(
        lambda: ScoState.objects.filter(
            attempt__activity=scorm, lesson_status="passed"
        ).first(),
        "quiz result not stored",
    )
    assert state.score_raw == 100
    assert state.cmi["cmi.interactions.1.student_response"] == "modification"
    assert '"q2":"modification"' in state.suspend_data
    wait_for(
        lambda: ActivityProgress.objects.filter(
            user=teacher, activity=scorm, state="completed"
        ).exists(),
        "activity not completed",
    )
    page.close(run_before_unload=True)

    page = context.new_page()
    accept_dialogs(page)
    page.goto(f"/courses/activities/{scorm.uuid}/play/")
    frame = sco(page)
    assert frame.locator("#step").inner_text() == "Page 3 sur 3"
    assert frame.get_by_label("Modification").is_checked()
    page.goto(f"/courses/{run.pk}/")
    assert page.locator("#progress-figure").inner_text() == "50 % terminé"
    context.close()
