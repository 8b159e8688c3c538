"""Sign-in with Mon Espace against the fault-injecting stand-in provider (a real process)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY

from lms.models import AuditEvent, OIDCIdentity, User
from lms.roles import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.lms.oidc_support import ProviderProcess, local_path, settings_for

pytestmark = pytest.mark.django_db

CLAIMS = {
    "sub": "mdp-0001",
    "email": "camille.dupont@ens.test",
    "email_verified": True,
    "given_name": "Camille",
    "family_name": "Dupont",
    "matricule": "1234567890",
    "fonctions": ["enseignant"],
}


@pytest.fixture(scope="module")
def standin_process():
    provider = ProviderProcess.standin()
    yield provider
    provider.stop()


@pytest.fixture
def standin(standin_process, settings):
    settings_for(settings, standin_process)
    standin_process.configure(claims=CLAIMS, fault="", delay=0)
    return standin_process


def sign_in(client, standin) -> object:
    """Click the button, consent at the provider, come back: Tremplin's answer."""
    start = client.get("/accounts/oidc/login/")
    assert start.status_code == 302, start.content
    back = standin.consent(start["Location"])
    return client.get(local_path(back))


def nothing_written() -> bool:
    return (
        not User.objects.exists()
        and not OIDCIdentity.objects.exists()
        and not AuditEvent.objects.exists()
    )


def test_new_person_gets_an_account_linked_and_roles(client, standin):
    """A first sign-in creates the account, links it, grants the mapped role, journals it."""
    response = sign_in(client, standin)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(email="camille.dupont@ens.test")
    assert str(client.session[SESSION_KEY]) == str(user.pk)
    assert user.matricule == "1234567890"
    assert not user.has_usable_password()
    assert user.role_set == {Role.TEACHER}
    assert OIDCIdentity.objects.get(user=user).subject == "mdp-0001"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"added", "account_linked", "role_granted"} <= actions


def test_authorization_request_carries_pkce_and_nonce(client, standin):
    """The browser is sent to the provider with state, nonce and an S256 challenge."""
    location = client.get("/accounts/oidc/login/")["Location"]
    assert location.startswith(standin.issuer + "/authorize?")
    for part in ("code_challenge=", "code_challenge_method=S256", "nonce=", "state="):
        assert part in location


@pytest.mark.parametrize(
    "fault",
    ["wrong_issuer", "wrong_audience", "wrong_nonce", "expired", "bad_signature"],
)
def test_untrustworthy_id_token_is_refused(client, standin, fault):
    """An ID token with a wrong issuer, audience or nonce, expired or badly signed
    is refused with a French message, and nothing is written."""
    standin.configure(fault=fault)
    response = sign_in(client, standin)
    assert response.status_code == 400
    assert "pas pu être vérifiée" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert nothing_written()


def test_state_mismatch_is_refused(client, standin):
    """An answer whose state matches no sign-in in progress is refused."""
    start = client.get("/accounts/oidc/login/")
    back = standin.consent(start["Location"])
    forged = local_path(back).replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 400
    assert "ne correspond à aucune connexion en cours" in response.content.decode()
    assert nothing_written()


def test_answer_from_another_browser_is_refused(client, standin, django_user_model):
    """A callback opened in a browser that did not start the sign-in is refused
    (login CSRF: the attacker's code cannot sign the victim in)."""
    from django.test import Client

    start = client.get("/accounts/oidc/login/")
    back = standin.consent(start["Location"])
    response = Client().get(local_path(back))
    assert response.status_code == 400
    assert nothing_written()


def test_replayed_callback_is_refused(client, standin):
    """The same answer (code and state) used twice signs in only once."""
    start = client.get("/accounts/oidc/login/")
    back = local_path(standin.consent(start["Location"]))
    assert client.get(back).status_code == 302
    client.logout()
    again = client.get(back)
    assert again.status_code == 400
    assert SESSION_KEY not in client.session
    assert User.objects.count() == 1


def test_replayed_code_in_a_new_sign_in_is_refused(client, standin):
    """A used authorization code slipped into a fresh sign-in is refused by the
    provider (one-use code, PKCE) and no account is created."""
    first = client.get("/accounts/oidc/login/")
    used = local_path(standin.consent(first["Location"]))
    code = used.split("code=")[1].split("&")[0]
    # Spend it with the verifier it was made for, then sign out and forget all.
    assert client.get(used).status_code == 302
    User.objects.all().delete()
    client.logout()
    second = client.get("/accounts/oidc/login/")
    state = second["Location"].split("state=")[1].split("&")[0]
    response = client.get(f"/accounts/oidc/callback/?code={code}&state={state}")
    assert response.status_code == 400
    assert "code déjà utilisé ou expiré" in response.content.decode()
    assert not User.objects.exists()


def test_missing_staff_number_is_refused(client, standin):
    """Claims without a matricule create and link nothing, with a clear message."""
    standin.configure(claims={k: v for k, v in CLAIMS.items() if k != "matricule"})
    response = sign_in(client, standin)
    assert response.status_code == 400
    assert "pas transmis votre matricule" in response.content.decode()
    assert nothing_written()


def test_slow_provider_times_out_with_a_message(client, standin):
    """A provider slower than OIDC_TIMEOUT_SECONDS is given up with a 503 and a
    French message instead of hanging the request."""
    start = client.get("/accounts/oidc/login/")
    back = standin.consent(start["Location"])
    standin.configure(delay=5)
    began = time.monotonic()
    response = client.get(local_path(back))
    assert time.monotonic() - began < 4.5
    assert response.status_code == 503
    assert "Mon Espace ne répond pas" in response.content.decode()
    assert nothing_written()


def test_provider_down_leaves_the_button_with_a_message(client, settings, standin):
    """When the provider cannot be reached at all, starting sign-in says so (503)."""
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    response = client.get("/accounts/oidc/login/")
    assert response.status_code == 503
    assert "Mon Espace ne répond pas" in response.content.decode()


def test_existing_teacher_is_linked_by_matricule(client, standin):
    """A local account with the same matricule is linked, not duplicated."""
    teacher = UserFactory(email="ancienne@ecole.test", matricule="1234567890")
    response = sign_in(client, standin)
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert OIDCIdentity.objects.get().user == teacher
    assert AuditEvent.objects.filter(action="account_linked", subject=teacher).exists()


def test_verified_email_links_an_account_without_matricule(client, standin):
    """A verified e-mail links the local account that has no matricule yet."""
    teacher = UserFactory(email="camille.dupont@ens.test")
    assert sign_in(client, standin).status_code == 302
    teacher.refresh_from_db()
    assert teacher.matricule == "1234567890"
    assert OIDCIdentity.objects.get().user == teacher


def test_unverified_email_asks_for_the_local_password(client, standin):
    """An unverified e-mail match is not linked until the account's password is typed."""
    teacher = UserFactory(email="camille.dupont@ens.test")
    standin.configure(claims={**CLAIMS, "email_verified": False})
    response = sign_in(client, standin)
    assert response["Location"] == "/accounts/oidc/link/"
    assert not OIDCIdentity.objects.exists()
    assert SESSION_KEY not in client.session
    wrong = client.post("/accounts/oidc/link/", {"password": "pas le bon"})
    assert "Mot de passe incorrect" in wrong.content.decode()
    assert not OIDCIdentity.objects.exists()
    right = client.post("/accounts/oidc/link/", {"password": "un-mot-de-passe-solide"})
    assert right.status_code == 302
    assert OIDCIdentity.objects.get().user == teacher
    assert str(client.session[SESSION_KEY]) == str(teacher.pk)


def test_privileged_account_is_never_taken_over_silently(client, standin):
    """An administrator with the same matricule must confirm with their password."""
    admin = UserFactory(matricule="1234567890", roles=[Role.ADMINISTRATOR])
    response = sign_in(client, standin)
    assert response["Location"] == "/accounts/oidc/link/"
    assert SESSION_KEY not in client.session
    assert not OIDCIdentity.objects.filter(user=admin).exists()


def test_email_of_another_staff_member_is_refused(client, standin):
    """An e-mail owned by an account with another matricule is refused, not linked."""
    UserFactory(email="camille.dupont@ens.test", matricule="9999999999")
    response = sign_in(client, standin)
    assert response.status_code == 400
    assert not OIDCIdentity.objects.exists()
    assert User.objects.count() == 1


def test_functions_and_establishment_follow_the_claims(client, standin, establishment):
    """A director gets the scoped role for the FASE establishment; a function
    dropped at the provider is revoked at the next sign-in (both journalled)."""
    standin.configure(
        claims={
            **CLAIMS,
            "fonctions": ["enseignant", "directeur"],
            "fase": establishment.fase_number,
        }
    )
    sign_in(client, standin)
    user = User.objects.get()
    assert user.role_set == {Role.TEACHER, Role.SCHOOL_DIRECTOR}
    assert user.role_assignments.get(role=Role.SCHOOL_DIRECTOR).establishment == (
        establishment
    )
    assert list(user.establishments.all()) == [establishment]
    client.logout()
    standin.configure(claims=CLAIMS)
    sign_in(client, standin)
    user = User.objects.get()
    assert user.role_set == {Role.TEACHER}
    assert AuditEvent.objects.filter(action="role_revoked", subject=user).exists()


def test_roles_outside_the_rules_are_left_alone(client, standin):
    """A tutor role granted in Tremplin survives sign-ins (the rules do not manage it)."""
    user = UserFactory(matricule="1234567890", roles=[Role.TUTOR])
    sign_in(client, standin)
    user = User.objects.get(pk=user.pk)
    assert user.role_set == {Role.TUTOR, Role.TEACHER}


def test_rotated_provider_key_is_fetched_again(client, standin):
    """After the provider rotates its signing key, the cached keys are refreshed
    once and sign-in goes on."""
    before = standin.state()["counts"].get("/jwks", 0)
    assert sign_in(client, standin).status_code == 302
    client.logout()
    standin.configure(rotate=True)
    assert sign_in(client, standin).status_code == 302
    assert standin.state()["counts"]["/jwks"] - before == 2


def test_sign_in_left_too_long_is_refused(client, standin, monkeypatch):
    """An answer coming back after FLOW_MAX_AGE_SECONDS is refused like a stale state."""
    from lms.oidc import views

    start = client.get("/accounts/oidc/login/")
    back = standin.consent(start["Location"])
    monkeypatch.setattr(views, "FLOW_MAX_AGE_SECONDS", -1)
    response = client.get(local_path(back))
    assert response.status_code == 400
    assert nothing_written()


def test_a_mon_espace_session_needs_no_second_factor_but_a_password_one_does(
    client, standin
):
    """Staff signed in through Mon Espace (the provider authenticated them) reach
    the admin at once; the same account signing in with its password is asked
    for its code first."""
    admin = UserFactory(matricule="1234567890", roles=[Role.ADMINISTRATOR])
    assert sign_in(client, standin)["Location"] == "/accounts/oidc/link/"
    client.post("/accounts/oidc/link/", {"password": PASSWORD})
    assert str(client.session[SESSION_KEY]) == str(admin.pk)
    assert client.get("/cms/").status_code == 200

    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"username": admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/cms/")["Location"].startswith("/accounts/two-factor/")
