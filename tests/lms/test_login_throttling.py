"""Sign-in throttling: repeated failures lock the account, then the address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lms import throttling
from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOCKED = "Trop de tentatives de connexion infructueuses"


def _sign_in(client, email, password, address="203.0.113.7"):
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def person(db):
    return UserFactory()


def test_five_failures_lock_the_account_even_for_the_right_password(
    client, person, settings
):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    for _attempt in range(4):
        response = _sign_in(client, person.email, "mauvais")
        assert LOCKED not in response.content.decode()
    fifth = _sign_in(client, person.email, "mauvais")
    assert LOCKED in fifth.content.decode()
    right = _sign_in(client, person.email.upper(), PASSWORD)
    assert right.status_code == 200  # the form again, not a redirect
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address still signs in.
    other = UserFactory()
    assert _sign_in(client, other.email, PASSWORD).status_code == 302


def test_an_unknown_account_gets_the_same_answer(client, db, settings):
    """The lock message does not tell whether the address has an account."""
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    for _attempt in range(3):
        response = _sign_in(client, "personne@nulle-part.test", "x")
    assert LOCKED in response.content.decode()


def test_a_success_clears_the_count(client, person, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    _sign_in(client, person.email, "mauvais")
    _sign_in(client, person.email, "mauvais")
    assert _sign_in(client, person.email, PASSWORD).status_code == 302
    client.logout()
    _sign_in(client, person.email, "mauvais")
    _sign_in(client, person.email, "mauvais")
    assert _sign_in(client, person.email, PASSWORD).status_code == 302


def test_many_failures_from_one_address_lock_the_address(client, db, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    for number in range(4):
        _sign_in(client, f"essai{number}@exemple.test", "x", address="198.51.100.9")
    victim = UserFactory()
    blocked = _sign_in(client, victim.email, PASSWORD, address="198.51.100.9")
    assert LOCKED in blocked.content.decode()
    elsewhere = _sign_in(client, victim.email, PASSWORD, address="198.51.100.10")
    assert elsewhere.status_code == 302


def test_the_lock_ends_after_the_lockout(client, person, settings, monkeypatch):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    settings.LOGIN_LOCKOUT_SECONDS = 60
    _sign_in(client, person.email, "mauvais")
    _sign_in(client, person.email, "mauvais")
    assert LOCKED in _sign_in(client, person.email, PASSWORD).content.decode()
    later = throttling._now() + 61
    monkeypatch.setattr(throttling, "_now", lambda: later)
    assert _sign_in(client, person.email, PASSWORD).status_code == 302
