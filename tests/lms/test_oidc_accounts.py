"""Mon Espace links outside the sign-in flow: erasure, settings checks, local login when off."""

from __future__ import annotations

import pytest

from lms import erasure
from lms.models import OIDCIdentity
from lms.oidc.checks import check_oidc_https, check_oidc_settings
from lms.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anonymising_an_account_removes_its_mon_espace_link(administrator):
    """After erasure, signing in with the same Mon Espace identity cannot reach
    the anonymised account."""
    user = UserFactory(roles=[Role.TEACHER])
    OIDCIdentity.objects.create(user=user, issuer="https://idp.test", subject="s1")
    erasure.anonymise(user, by=administrator)
    assert not OIDCIdentity.objects.exists()


def test_linked_teacher_keeps_the_local_form_while_oidc_is_off(client, settings):
    """With OIDC_ISSUER empty, a linked account signs in with its password as before."""
    settings.OIDC_ISSUER = ""
    user = UserFactory(email="lie@ens.test", roles=[Role.TEACHER])
    OIDCIdentity.objects.create(user=user, issuer="https://idp.test", subject="s2")
    form = {"username": "lie@ens.test", "password": "un-mot-de-passe-solide"}
    assert client.post("/accounts/login/", form).status_code == 302


def test_settings_checks_catch_bad_oidc_configuration(settings):
    """Missing client id, bad role rules, unknown local roles and plain HTTP are reported."""
    settings.OIDC_ISSUER = "http://idp.test"
    settings.OIDC_CLIENT_ID = ""
    settings.OIDC_ROLE_RULES = '{"enseignant": "pape"}'
    settings.OIDC_LOCAL_LOGIN_ROLES = ["tutor", "roi"]
    ids = {error.id for error in check_oidc_settings()}
    assert ids == {"lms.E101", "lms.E102", "lms.E103"}
    assert [error.id for error in check_oidc_https()] == ["lms.E104"]
    settings.OIDC_ISSUER = ""
    assert check_oidc_settings() == [] and check_oidc_https() == []


def test_default_settings_pass_the_checks(settings):
    """The default rules and local roles are valid once an issuer is configured."""
    settings.OIDC_ISSUER = "https://idp.test"
    settings.OIDC_CLIENT_ID = "tremplin"
    assert check_oidc_settings() == []
    assert check_oidc_https() == []
