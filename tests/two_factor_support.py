"""Sign staff in with a verified second factor, through a real TOTP device."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.two_factor import requires_second_factor


def totp_device(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator app (made when missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Application d'authentification", confirmed=True
        )
    return device


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The 6-digit code the authenticator app shows now (or ``steps_ahead``
    time steps later), computed from the device's key as the app would."""
    code = totp(
        device.bin_key,
        device.step,
        device.t0,
        device.digits,
        device.drift + steps_ahead,
    )
    return f"{code:0{device.digits}d}"


def force_login_verified(client: Any, user: Any) -> TOTPDevice | None:
    """``client.force_login(user)``; for staff who need a second factor, then
    type the current code of their (real) TOTP device on the verification
    page, as a person would, so the session is verified. Returns the device
    (``None`` for users who need no second factor, e.g. teachers).

    Each call may sign another client in during the same 30-second step: the
    replay guard (the last time step used) is rewound first, which only
    tests do.
    """
    client.force_login(user)
    # A fresh instance: roles are cached per instance (``User.role_set``).
    if not requires_second_factor(type(user).objects.get(pk=user.pk)):
        return None
    device = totp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    # A client enforcing CSRF checks (a test of them) types the code without.
    enforce, client.handler.enforce_csrf_checks = (
        client.handler.enforce_csrf_checks,
        False,
    )
    try:
        response = client.post(
            reverse("two_factor:verify"), {"code": current_code(device)}
        )
    finally:
        client.handler.enforce_csrf_checks = enforce
    assert response.status_code == 302, response
    assert client.session.get(DEVICE_ID_SESSION_KEY) == device.persistent_id
    device.refresh_from_db()
    return device


def pass_second_factor(page: Any, email: str) -> None:
    """In a browser, right after the password step: when Tremplin asks for the
    second factor, type the current code of the person's app (at the
    verification page), or enrol the app it offers (at the enrolment page),
    as a person with an authenticator app would. Nothing for other users."""
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/two-factor/" not in page.url:
        return
    if "/enrolment/" in page.url:
        device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=False)
        page.get_by_label("Code de vérification").fill(current_code(device))
        page.get_by_role("button", name="Confirmer").click()
        page.get_by_role("link", name="J'ai conservé mes codes, continuer").click()
        return
    device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.get_by_label("Code de vérification").fill(current_code(device))
    page.get_by_role("button", name="Vérifier").click()
