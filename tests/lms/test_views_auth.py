"""Login, logout, password reset and the language switch."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_in_any_case(client):
    """A teacher signs in with their e-mail address, whatever its case."""
    UserFactory(email="camille@example.test")
    response = client.post(
        reverse("login"), {"username": "Camille@Example.TEST", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("lms:dashboard")


def test_wrong_password_shows_a_french_error(client):
    """A wrong password re-displays the form with a clear French message."""
    UserFactory(email="camille@example.test")
    response = client.post(
        reverse("login"), {"username": "camille@example.test", "password": "faux"}
    )
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.text


def test_logout_requires_post_and_signs_out(client, teacher):
    """Logging out (POST) ends the session and returns to the home page."""
    client.force_login(teacher)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("lms:dashboard")).status_code == 302


def test_password_reset_does_not_reveal_accounts(client, eager_tasks, committed):
    """Known and unknown addresses get the same answer; only the known one gets mail."""
    UserFactory(email="connu@example.test")
    with committed():
        known = client.post(reverse("password_reset"), {"email": "connu@example.test"})
        unknown = client.post(
            reverse("password_reset"), {"email": "inconnu@example.test"}
        )
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["connu@example.test"]
    assert "réinitialisation" in message.subject
    assert "/accounts/password-reset/" in message.body


def test_password_reset_link_sets_a_new_password(client, eager_tasks, committed):
    """Following the e-mailed link lets the user choose a new password and sign in."""
    user = UserFactory(email="oubli@example.test")
    with committed():
        client.post(reverse("password_reset"), {"email": user.email})
    link = next(
        line.strip()
        for line in mail.outbox[0].body.splitlines()
        if "/password-reset/" in line
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    new_password = "Nouveau-mot-de-passe-2026"
    done = client.post(
        form_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert client.login(username=user.email, password=new_password)


def test_site_is_french_by_default_even_for_english_browsers(client):
    """Without a choice, pages are French even if the browser asks for English."""
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fr-BE">' in response.text
    assert "Se connecter" in response.text


def test_language_switch_for_visitor_uses_a_cookie(client):
    """An anonymous visitor switching to English gets English pages."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text


def test_language_switch_is_remembered_for_the_user(client, teacher):
    """A signed-in user's choice is stored on their account and survives a new session."""
    client.force_login(teacher)
    client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    teacher.refresh_from_db()
    assert teacher.preferred_language == "en"
    client.cookies.clear()
    client.force_login(teacher)
    assert "My dashboard" in client.get(reverse("lms:dashboard")).text


def test_language_switch_refuses_external_redirects(client):
    """The ``next`` parameter cannot send the user to another site."""
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_public_pages_send_a_strict_csp(client):
    """Public pages carry a strict Content-Security-Policy: no inline script."""
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_admin_pages_get_the_admin_policy(client, administrator):
    """The Django admin gets the relaxed admin policy it needs, not the public one."""
    client.force_login(administrator)
    policy = client.get("/django-admin/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy


def test_password_reset_mail_leaves_after_the_response(client, monkeypatch, committed):
    """The request only queues the e-mail (same work for known and unknown
    addresses); the queued task sends it, after the transaction commits."""
    from lms import tasks

    queued = []
    monkeypatch.setattr(
        tasks.send_email, "delay", lambda *args, **kwargs: queued.append((args, kwargs))
    )
    UserFactory(email="connu@example.test")
    with committed():
        client.post(reverse("password_reset"), {"email": "inconnu@example.test"})
        client.post(reverse("password_reset"), {"email": "connu@example.test"})
    assert mail.outbox == []
    assert len(queued) == 1
    (subject, body, to), options = queued[0]
    tasks.send_email(subject, body, to, **options)
    assert mail.outbox[0].to == ["connu@example.test"]
    assert "/accounts/password-reset/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
