"""End to end in Chromium: a demo learner opens "Mes formations", then a cohort
home and its calendar; the pages pass axe-core."""

import pytest
from django.conf import settings

from tests.browser.conftest import serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEACHER = "enseignante@demo.tremplin.test"


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/dashboard/")


def test_learner_opens_my_trainings_and_cohort_home(page, demo_data):
    """The demo teacher finds her cohort under "Mes formations", opens it, sees her
    next step and tutor, then the calendar; no serious axe violation."""
    _sign_in(page, TEACHER)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes formations"
    ).click()
    page.wait_for_url("**/tutoring/")
    assert page.get_by_role("heading", name="Mes formations", level=1).is_visible()
    assert "Progression" in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []

    page.locator(".training-card h2 a").first.click()
    page.wait_for_url("**/tutoring/*/")
    main = page.locator("main").inner_text()
    assert "Ma progression" in main
    assert "Julien Lambert" in main  # the demo tutor, lead tutor of the cohort
    nav = page.locator("nav.cohort-nav")
    assert (
        nav.get_by_role("link", name="Accueil").get_attribute("aria-current") == "page"
    )
    assert nav.get_by_role("link", name="Tableau de bord").count() == 0
    assert serious_axe_violations(page) == []

    nav.get_by_role("link", name="Calendrier").click()
    page.wait_for_url("**/calendar/")
    assert "Début de la cohorte" in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []
