"""In Chromium: a teacher registers, finds the registration, then cancels it (with axe)."""

from __future__ import annotations

import pytest
from django.conf import settings

from catalogue.models import Registration
from tests.browser.conftest import browser, page, serious_axe_violations  # noqa: F401
from tests.conftest import PASSWORD
from tests.two_factor_support import pass_second_factor

from .builders_registrations import open_session, teacher_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_teacher_registers_then_cancels_in_the_browser(page):  # noqa: F811
    """Confirm page → register → "Mes inscriptions" → cancel, all accessible."""
    session = open_session(
        capacity=1, audiences=("ctp",), title="Piloter le numérique à l'école"
    )
    teacher = teacher_user(first_name="Camille")
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(teacher.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/dashboard/")

    page.goto(f"/catalogue/sessions/{session.pk}/register/")
    assert page.get_by_role(
        "heading", name="Vous ne faites pas partie du public visé"
    ).is_visible()
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "registration-confirm.png"), full_page=True
    )
    page.get_by_role("button", name="Je confirme mon inscription malgré tout").click()
    page.wait_for_url("**/my-registrations/")
    assert page.get_by_text("Votre inscription est confirmée").is_visible()
    assert page.get_by_text("Acceptée").first.is_visible()
    assert serious_axe_violations(page) == []
    page.screenshot(
        path=str(settings.VAR_DIR / "registration-list.png"), full_page=True
    )

    page.get_by_role("link", name="Annuler mon inscription").first.click()
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Oui, annuler mon inscription").click()
    page.wait_for_url("**/my-registrations/")
    assert page.get_by_text("Votre inscription a été annulée.").is_visible()
    registration = Registration.objects.get(user=teacher)
    assert registration.status == Registration.Status.CANCELLED


def test_manager_accepts_from_the_admin_queue(page):  # noqa: F811
    """A registrations manager ticks pending people and accepts them in /cms/."""
    from catalogue import services
    from catalogue.models import Session
    from lms.roles import Role

    from .builders_registrations import user_with

    session = open_session(
        capacity=1, policy=Session.Policy.MANUAL_PRIORITY, audiences=("ctp",)
    )
    outsider = services.register_for_session(
        teacher_user(last_name="Enseignante"), session
    )
    targeted = services.register_for_session(
        user_with(Role.CTP, last_name="Conseiller"), session
    )
    manager = user_with(Role.REGISTRATIONS_MANAGER)
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(manager.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    pass_second_factor(page, manager.email)  # IFPC staff: the TOTP step
    page.wait_for_url("**/dashboard/")

    page.goto("/cms/catalogue/registrations/")
    rows = page.locator("table.listing tbody tr")
    assert "Conseiller" in rows.nth(0).inner_text()
    assert "Hors public cible" in rows.nth(1).inner_text()
    page.screenshot(
        path=str(settings.VAR_DIR / "registration-queue.png"), full_page=True
    )
    page.locator(f"#registration-{targeted.pk}").check()
    page.locator(f"#registration-{outsider.pk}").check()
    page.get_by_label("Action").select_option("accept")
    page.get_by_label("Message à la personne (facultatif)").fill("Bienvenue !")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_load_state()
    targeted.refresh_from_db()
    outsider.refresh_from_db()
    assert targeted.status == Registration.Status.ACCEPTED
    assert outsider.status == Registration.Status.PENDING
    assert page.get_by_text("Plus de place disponible").is_visible()
