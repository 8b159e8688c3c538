"""Staff second factor in Chromium: enrolment with the QR code page, then a code."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.roles import Role
from tests.browser.conftest import serious_axe_violations
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.two_factor_support import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _password_step(page, email: str, next_url: str = "/cms/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_administrator_enrols_then_verifies_with_a_code(page, settings):
    """An administrator without an app is sent to enrolment (QR code and key,
    no serious axe issue), confirms with a code, sees 10 backup codes, reaches
    /cms/; signing in again asks for a code, refuses a wrong one in French and
    accepts the right one."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the retry follows within a second
    admin = UserFactory(roles=[Role.ADMINISTRATOR])

    _password_step(page, admin.email)
    page.wait_for_url("**/accounts/two-factor/enrolment/**")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Activer la double authentification"
    )
    qr = page.get_by_role("img", name="Code QR à scanner")
    assert qr.is_visible()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    secret = page.locator("#totp-secret").inner_text()
    assert len(secret.replace(" ", "")) == 32
    assert serious_axe_violations(page) == []

    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Confirmer").click()
    assert "Ce code n'est pas valide" in page.locator(".field-errors").inner_text()
    page.get_by_label("Code de vérification").fill(current_code(device))
    page.get_by_role("button", name="Confirmer").click()
    codes = page.locator(".backup-codes li")
    assert codes.count() == 10
    assert serious_axe_violations(page) == []
    page.get_by_role("link", name="J'ai conservé mes codes, continuer").click()
    page.wait_for_url("**/cms/")

    page.context.clear_cookies()
    _password_step(page, admin.email)
    page.wait_for_url("**/accounts/two-factor/verification/**")
    assert serious_axe_violations(page) == []
    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Vérifier").click()
    assert "Ce code n'est pas valide" in page.locator(".field-errors").inner_text()
    # The code used at enrolment is spent: the next time step's code, which
    # the app shows within 30 s, is accepted (tolerance of one step).
    device.refresh_from_db()
    page.get_by_label("Code de vérification").fill(current_code(device, steps_ahead=1))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url("**/cms/")
    assert "/cms/" in page.url
