"""End to end in Chromium: sign in with Mon Espace at a real OIDC provider, then log out there."""

import pytest

from lms.models import User
from lms.roles import Role
from tests.lms.oidc_support import ProviderProcess, settings_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(settings):
    provider = ProviderProcess.mock()
    settings_for(settings, provider)
    provider.set_user(
        "camille-mdp",
        {
            "email": "camille.sso@ens.test",
            "email_verified": True,
            "given_name": "Camille",
            "family_name": "Martin",
            "matricule": "7700112233",
            "fonctions": ["enseignant"],
        },
    )
    yield provider
    provider.stop()


def test_sign_in_with_mon_espace_and_log_out_there(page, provider, live_server):
    """Click the button, choose the person at the provider, land on the dashboard
    with the teacher role; logging out ends the provider session too."""
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Se connecter avec Mon Espace").click()
    page.wait_for_url(provider.issuer + "/oauth2/authorize**")
    page.get_by_label("Subject").fill("camille-mdp")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Camille"
    assert page.get_by_text("Enseignant·e", exact=True).is_visible()
    assert User.objects.get(email="camille.sso@ens.test").role_set == {Role.TEACHER}

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(provider.issuer + "/oauth2/end_session**")
    assert "id_token_hint=" in page.url
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(live_server.url + "/**")
    assert page.get_by_role("link", name="Se connecter").first.is_visible()
