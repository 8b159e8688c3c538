"""End to end in Chromium: sign in as the demo teacher, dashboard, language, accessibility."""

import pytest
from django.conf import settings

from tests.browser.conftest import serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEACHER = "enseignante@demo.tremplin.test"


def test_teacher_signs_in_reaches_dashboard_and_switches_language(page, demo_data):
    """The demo teacher logs in, sees her dashboard in French, then switches to English."""
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr-BE"
    assert serious_axe_violations(page) == []

    page.get_by_role("link", name="Se connecter").first.click()
    page.wait_for_url("**/accounts/login/**")
    assert serious_axe_violations(page) == []
    page.get_by_label("Adresse e-mail").fill(TEACHER)
    page.get_by_label("Mot de passe").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/dashboard/")

    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Camille"
    assert page.get_by_role("heading", name="Mes cours").is_visible()
    assert page.get_by_text("Enseignant·e", exact=True).is_visible()
    assert serious_axe_violations(page) == []
    page.screenshot(path=str(settings.VAR_DIR / "dashboard-fr.png"), full_page=True)

    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Hello Camille"
    assert page.get_by_role("heading", name="My courses").is_visible()
    assert serious_axe_violations(page) == []


def test_wrong_password_is_announced(page, demo_data):
    """A wrong password shows the French error in an alert, not a blank page."""
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(TEACHER)
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    assert "Adresse e-mail ou mot de passe incorrect" in alert.inner_text()
    assert serious_axe_violations(page) == []


def test_skip_link_is_first_and_moves_focus_to_content(page, transactional_db):
    """Keyboard users reach a visible skip link first and jump to the main content."""
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu principal"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
