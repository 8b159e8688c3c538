"""Sign-in with Mon Espace against oidc-provider-mock, a complete OIDC provider process."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from lms.models import OIDCIdentity, User
from lms.roles import Role
from tests.factories import UserFactory
from tests.lms.oidc_support import ProviderProcess, local_path, settings_for

pytestmark = pytest.mark.django_db

CLAIMS = {
    "email": "sam.leroy@ens.test",
    "email_verified": True,
    "given_name": "Sam",
    "family_name": "Leroy",
    "matricule": "MAT-2026-01",
    "fonctions": "enseignant ctp",
}


@pytest.fixture(scope="module")
def provider_process():
    provider = ProviderProcess.mock()
    yield provider
    provider.stop()


@pytest.fixture
def provider(provider_process, settings):
    settings_for(settings, provider_process)
    provider_process.set_user("sam-leroy", CLAIMS)
    return provider_process


def test_login_page_shows_the_button_only_when_oidc_is_on(client, settings, provider):
    """With OIDC_ISSUER set the login page offers Mon Espace; empty, only the form."""
    assert (
        "Se connecter avec Mon Espace"
        in client.get("/accounts/login/").content.decode()
    )
    settings.OIDC_ISSUER = ""
    page = client.get("/accounts/login/").content.decode()
    assert "Se connecter avec Mon Espace" not in page
    assert client.get("/accounts/oidc/login/").status_code == 404


def test_full_sign_in_maps_functions_to_roles(client, provider):
    """Consent at the provider creates the account with teacher and CTP roles."""
    start = client.get("/accounts/oidc/login/?next=/catalogue/")
    back = provider.authorize(start["Location"], "sam-leroy")
    response = client.get(local_path(back))
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/"
    user = User.objects.get(email="sam.leroy@ens.test")
    assert str(client.session[SESSION_KEY]) == str(user.pk)
    assert user.role_set == {Role.TEACHER, Role.CTP}
    assert OIDCIdentity.objects.get().issuer == provider.issuer


def test_replayed_code_is_refused_by_the_provider(client, provider):
    """A code already exchanged is refused when replayed in a new sign-in."""
    start = client.get("/accounts/oidc/login/")
    used = local_path(provider.authorize(start["Location"], "sam-leroy"))
    assert client.get(used).status_code == 302
    client.logout()
    code = used.split("code=")[1].split("&")[0]
    state = client.get("/accounts/oidc/login/")["Location"].split("state=")[1]
    state = state.split("&")[0]
    response = client.get(f"/accounts/oidc/callback/?code={code}&state={state}")
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_denied_consent_is_reported(client, provider):
    """Refusing at the provider comes back as a French message, nobody signed in."""
    import httpx

    start = client.get("/accounts/oidc/login/")
    back = httpx.post(start["Location"], data={"action": "deny"}, timeout=5)
    response = client.get(local_path(back.headers["Location"]))
    assert response.status_code == 400
    assert "annulée ou refusée" in response.content.decode()
    assert not User.objects.exists()


def test_logout_goes_through_the_provider(client, provider):
    """After a Mon Espace sign-in, logging out redirects to end_session with the
    ID token hint and the home page as post-logout redirect."""
    start = client.get("/accounts/oidc/login/")
    client.get(local_path(provider.authorize(start["Location"], "sam-leroy")))
    response = client.post("/accounts/logout/")
    location = response["Location"]
    assert location.startswith(provider.issuer + "/oauth2/end_session?")
    assert "id_token_hint=" in location
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2F" in location
    assert SESSION_KEY not in client.session


def test_local_logout_stays_local(client, provider, teacher):
    """A local sign-in logs out locally (no provider round trip)."""
    client.force_login(teacher)
    response = client.post("/accounts/logout/")
    assert not response["Location"].startswith(provider.issuer)


def test_linked_teacher_cannot_use_a_local_password(client, provider):
    """While OIDC is on, a teacher linked to Mon Espace is sent to the button;
    a linked tutor keeps the local password."""
    user = UserFactory(email="t@ens.test", roles=[Role.TEACHER])
    OIDCIdentity.objects.create(user=user, issuer=provider.issuer, subject="t")
    form = {"username": "t@ens.test", "password": "un-mot-de-passe-solide"}
    response = client.post("/accounts/login/", form)
    assert response.status_code == 200
    assert "Ce compte est relié à Mon Espace" in response.content.decode()
    tutor = UserFactory(email="tut@ens.test", roles=[Role.TUTOR])
    OIDCIdentity.objects.create(user=tutor, issuer=provider.issuer, subject="tut")
    form = {"username": "tut@ens.test", "password": "un-mot-de-passe-solide"}
    assert client.post("/accounts/login/", form).status_code == 302
