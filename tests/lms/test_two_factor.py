"""Second factor for staff: enrolment, verification, backup codes, lock-out, reset."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms import two_factor
from lms.models import AuditEvent
from lms.roles import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.two_factor_support import current_code, force_login_verified, totp_device

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/two-factor/verification/"
ENROL = "/accounts/two-factor/enrolment/"


@pytest.fixture(autouse=True)
def _no_otp_backoff(settings):
    """django-otp's 1-2-4 s back-off between attempts is tested on its own."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def registrations_manager(db):
    return UserFactory(roles=[Role.REGISTRATIONS_MANAGER])


def sign_in(client: Client, user, next_url: str = "/cms/"):
    """Sign in with the password form, as a person does."""
    return client.post(
        reverse("login"),
        {"username": user.email, "password": PASSWORD, "next": next_url},
    )


def test_staff_without_device_is_sent_to_enrolment_and_kept_out_of_admin(
    client, catalogue_manager
):
    """After the password, a catalogue manager with no app must enrol: /cms/,
    /django-admin/ and the dashboard all lead to the enrolment page."""
    sign_in(client, catalogue_manager)
    for path in ("/cms/", "/django-admin/", reverse("lms:dashboard")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL + "?next=")
    assert client.post("/cms/pages/add/", {}).status_code == 302


def test_enrolment_shows_qr_code_and_secret_then_backup_codes(client, administrator):
    """The enrolment page shows an SVG QR code and the secret; a code from the
    app confirms it, shows 10 backup codes once, verifies the session and is
    journalled."""
    sign_in(client, administrator)
    page = client.get(ENROL + "?next=/cms/")
    assert page.status_code == 200
    assert '<svg role="img"' in page.text
    device = TOTPDevice.objects.get(user=administrator, confirmed=False)
    assert two_factor.secret_text(device) in page.text
    response = client.post(ENROL, {"code": current_code(device), "next": "/cms/"})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.text for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cms/").status_code == 200
    entry = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_CHANGED)
    assert entry.actor_id == entry.subject_id == administrator.pk


def test_enrolment_refuses_a_wrong_code_in_french(client, administrator):
    """A wrong confirmation code leaves the app unconfirmed, with a French message."""
    sign_in(client, administrator)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 200
    assert "Ce code n&#x27;est pas valide" in response.text
    assert not TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()
    assert client.get("/cms/").status_code == 302


def test_staff_with_device_must_type_a_valid_code(client, catalogue_manager):
    """A manager with an app is asked for a code after the password; the right
    code opens /cms/ (and where they were going)."""
    device = totp_device(catalogue_manager)
    response = sign_in(client, catalogue_manager, next_url="/cms/")
    assert client.get("/cms/")["Location"] == VERIFY + "?next=%2Fcms%2F"
    page = client.get(VERIFY + "?next=/cms/")
    assert 'autocomplete="one-time-code"' in page.text
    response = client.post(VERIFY, {"code": current_code(device), "next": "/cms/"})
    assert response.status_code == 302 and response["Location"] == "/cms/"
    assert client.get("/cms/").status_code == 200


def test_wrong_code_is_refused_with_a_french_message(client, catalogue_manager):
    """A wrong code keeps the person out, with a French message."""
    totp_device(catalogue_manager)
    sign_in(client, catalogue_manager)
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == 200
    assert "Ce code n&#x27;est pas valide ou a déjà été utilisé" in response.text
    assert client.get("/cms/").status_code == 302


def test_a_code_cannot_be_used_twice(client, catalogue_manager):
    """A code already used (same time step) is refused in another session."""
    device = totp_device(catalogue_manager)
    code = current_code(device)
    sign_in(client, catalogue_manager)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = Client()
    sign_in(other, catalogue_manager)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "déjà été utilisé" in response.text
    assert other.get("/cms/").status_code == 302


def test_backup_code_works_once(client, administrator):
    """A backup code verifies a session once; used again it is refused."""
    totp_device(administrator)
    code = two_factor.regenerate_backup_codes(administrator)[0]
    sign_in(client, administrator)
    assert client.post(VERIFY, {"code": code.upper()}).status_code == 302
    assert client.get("/cms/").status_code == 200
    other = Client()
    sign_in(other, administrator)
    assert other.post(VERIFY, {"code": code}).status_code == 200
    assert other.get("/cms/").status_code == 302
    assert StaticToken.objects.filter(device__user=administrator).count() == 9


def test_regenerating_backup_codes_voids_the_old_ones(client, administrator):
    """New backup codes (from the user's page) replace the old ones, journalled."""
    force_login_verified(client, administrator)
    old = two_factor.regenerate_backup_codes(administrator)
    response = client.post(reverse("two_factor:manage"))
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.SECOND_FACTOR_CHANGED, subject_id=administrator.pk
        ).count()
        == 2
    )


def test_teacher_is_never_asked(client, teacher):
    """A teacher signs in with a password only and is never sent to 2FA."""
    response = sign_in(client, teacher, next_url=reverse("lms:dashboard"))
    assert response["Location"] == reverse("lms:dashboard")
    assert client.get(reverse("lms:dashboard")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("lms:dashboard")
    assert not TOTPDevice.objects.filter(user=teacher).exists()


def test_is_staff_account_without_role_is_asked(client):
    """A Django ``is_staff`` account needs the second factor too."""
    user = UserFactory(is_staff=True)
    sign_in(client, user)
    assert client.get("/django-admin/")["Location"].startswith(ENROL)


def test_required_roles_are_a_setting(client, settings, registrations_manager):
    """Roles left out of MFA_REQUIRED_ROLES are not asked for a second factor."""
    settings.MFA_REQUIRED_ROLES = ["administrator"]
    sign_in(client, registrations_manager)
    assert client.get("/cms/").status_code == 200


def test_oidc_sessions_are_exempt(client, catalogue_manager):
    """A session opened through OIDC (marked auth_method=oidc) is not asked."""
    client.force_login(catalogue_manager)
    session = client.session
    session[two_factor.AUTH_METHOD_SESSION_KEY] = two_factor.AUTH_METHOD_OIDC
    session.save()
    assert client.get("/cms/").status_code == 200


def test_repeated_wrong_codes_lock_the_account(client, settings, catalogue_manager):
    """Past the failure limit, even the right code is refused for a while, and
    the password sign-in is locked too."""
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    device = totp_device(catalogue_manager)
    sign_in(client, catalogue_manager)
    for _attempt in range(3):
        response = client.post(VERIFY, {"code": "000000"})
    assert "Trop de codes erronés" in response.text
    response = client.post(VERIFY, {"code": current_code(device)})
    assert "Trop de codes erronés" in response.text
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert "Trop de tentatives" in sign_in(Client(), catalogue_manager).text


def test_device_backoff_refuses_rapid_retries(client, settings, catalogue_manager):
    """With django-otp's back-off on, a code typed right after a wrong one
    waits: the person is asked to pause."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    device = totp_device(catalogue_manager)
    sign_in(client, catalogue_manager)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": current_code(device)})
    assert "patientez quelques secondes" in response.text
    assert client.get("/cms/").status_code == 302


def test_verification_refuses_external_next(client, catalogue_manager):
    """After verification, an outside ``next`` is ignored (dashboard instead)."""
    device = totp_device(catalogue_manager)
    sign_in(client, catalogue_manager)
    response = client.post(
        VERIFY, {"code": current_code(device), "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("lms:dashboard")


def test_logout_and_static_stay_reachable_before_verification(client, administrator):
    """An unverified staff member can still sign out."""
    sign_in(client, administrator)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/cms/")["Location"].startswith("/cms/login/")


def test_administrator_reset_is_journalled_and_forces_new_enrolment(
    client, administrator, catalogue_manager
):
    """An administrator resets a manager's second factor from /cms/two-factor/:
    the devices go, the journal says who did it, and the manager's verified
    session must enrol again."""
    manager_client = Client()
    force_login_verified(manager_client, catalogue_manager)
    two_factor.regenerate_backup_codes(catalogue_manager)
    assert manager_client.get("/cms/").status_code == 200
    force_login_verified(client, administrator)
    listing = client.get(reverse("lms_two_factor_admin:list"))
    assert listing.status_code == 200
    assert catalogue_manager.email in listing.text
    response = client.post(
        reverse("lms_two_factor_admin:reset", args=[catalogue_manager.pk])
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=catalogue_manager).exists()
    assert not StaticToken.objects.filter(device__user=catalogue_manager).exists()
    entry = AuditEvent.objects.filter(
        action=AuditEvent.Action.SECOND_FACTOR_CHANGED, subject_id=catalogue_manager.pk
    ).latest("at")
    assert entry.actor_id == administrator.pk
    assert "réinitialisée" in entry.message
    assert manager_client.get("/cms/")["Location"].startswith(ENROL)


def test_only_administrators_may_reset(client, catalogue_manager, administrator):
    """A catalogue manager can neither see the reset page nor reset anyone."""
    device = totp_device(administrator)
    force_login_verified(client, catalogue_manager)
    assert client.get(reverse("lms_two_factor_admin:list")).status_code != 200
    response = client.post(
        reverse("lms_two_factor_admin:reset", args=[administrator.pk])
    )
    assert response.status_code in (302, 403)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.SECOND_FACTOR_CHANGED
    ).exists()


def test_password_reset_pages_are_the_same_for_known_and_unknown(client, eager_tasks):
    """The reset form leads to the same page, word for word, whether the
    address has an account or not."""
    UserFactory(email="connu@example.test")
    known = client.post(
        reverse("password_reset"), {"email": "connu@example.test"}, follow=True
    )
    unknown = client.post(
        reverse("password_reset"), {"email": "inconnu@example.test"}, follow=True
    )
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _without_per_request_tokens(known) == _without_per_request_tokens(unknown)


def _without_per_request_tokens(response) -> str:
    """The page without its CSRF token and CSP nonces (new on every response)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text)
    return re.sub(r'nonce="[^"]+"', "", text)


async def _socket_for(client: Client):
    from channels.testing import WebsocketCommunicator
    from django.conf import settings

    from lms.asgi import application

    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        ],
    )


@pytest.mark.django_db(transaction=True)
async def test_unverified_staff_sockets_are_anonymous():
    """WebSockets too: an unverified staff session is refused like an anonymous
    one; once verified, it connects."""
    from asgiref.sync import sync_to_async

    from lms.consumers import CLOSE_UNAUTHENTICATED

    manager = await sync_to_async(UserFactory)(roles=[Role.CATALOGUE_MANAGER])
    client = Client()
    await sync_to_async(client.force_login)(manager)
    communicator = await _socket_for(client)
    connected, code = await communicator.connect()
    assert not connected and code == CLOSE_UNAUTHENTICATED
    await sync_to_async(force_login_verified)(client, manager)
    communicator = await _socket_for(client)
    connected, _code = await communicator.connect()
    assert connected
    await communicator.disconnect()


def test_seed_demo_gives_demo_staff_the_printed_totp_key(capsys):
    """``seed_demo`` gives demo staff (only them) one app with the printed
    public key, whose codes work; running it twice keeps one device each."""
    from base64 import b32decode

    from django.core.management import call_command

    from lms import demo

    call_command("seed_demo")
    call_command("seed_demo", "--quiet-accounts")
    output = capsys.readouterr().out
    assert demo.DEMO_TOTP_SECRET in output and "otpauth://totp/" in output
    manager = TOTPDevice.objects.get(user__email="catalogue@demo.tremplin.test")
    assert manager.confirmed
    assert manager.bin_key == b32decode(demo.DEMO_TOTP_SECRET)
    assert (
        TOTPDevice.objects.filter(user__email="admin@demo.tremplin.test").count() == 1
    )
    assert not TOTPDevice.objects.filter(
        user__email="enseignante@demo.tremplin.test"
    ).exists()
    client = Client()
    client.force_login(manager.user)
    response = client.post(VERIFY, {"code": current_code(manager)})
    assert response.status_code == 302
    assert client.get("/cms/").status_code == 200


def test_verified_staff_can_replace_their_app(client, administrator):
    """From a verified session, enrolling a new app (new phone) replaces the old
    one; an unverified session cannot reach enrolment to do so."""
    old = force_login_verified(client, administrator)
    client.get(ENROL)
    new = TOTPDevice.objects.get(user=administrator, confirmed=False)
    response = client.post(ENROL, {"code": current_code(new)})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert list(TOTPDevice.objects.filter(user=administrator)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get("/cms/").status_code == 200
    other = Client()
    sign_in(other, administrator)
    assert other.get(ENROL)["Location"].startswith(VERIFY)


def test_wagtail_account_page_links_to_the_second_factor(client, catalogue_manager):
    """Staff find their backup codes from the Wagtail account page."""
    force_login_verified(client, catalogue_manager)
    page = client.get(reverse("wagtailadmin_account"))
    assert reverse("two_factor:manage") in page.text
    manage = client.get(reverse("two_factor:manage"))
    assert "Il vous reste 0 code" in manage.text


def test_teacher_cannot_enrol(client, teacher):
    """Enrolment is for accounts that need a second factor: a teacher is sent on."""
    client.force_login(teacher)
    assert client.get(ENROL)["Location"] == reverse("lms:dashboard")
    assert (
        "votre compte n'en a pas besoin"
        in client.get(reverse("two_factor:manage")).text
    )
    assert not TOTPDevice.objects.filter(user=teacher).exists()
