"""Second factor (TOTP and backup codes) for staff who sign in with a password.

Who must use it is decided by one function, ``requires_second_factor``. After
a correct password such a user is *unverified* until they type a code from
their authenticator app (or a single-use backup code); one with no confirmed
device enrols first. ``SecondFactorMiddleware`` sends an unverified user who
requires the second factor to the verification (or enrolment) page from every
path but those pages, sign-out and static files. Wrong codes are counted with
the sign-in failures of the account (``lms.throttling``) and lock it the same
way; TOTP codes cannot be replayed (django-otp keeps the last time step used).
Enrolment, regeneration of backup codes and resets are journalled
(``Action.SECOND_FACTOR_CHANGED``).
"""

from __future__ import annotations

import logging
import re
from base64 import b32encode
from collections.abc import Callable
from typing import Any

import django_otp
import segno
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, throttling
from .permissions import roles_of

logger = logging.getLogger(__name__)

#: Session key naming how the person signed in; the OIDC sign-in sets "oidc".
AUTH_METHOD_SESSION_KEY = "auth_method"
AUTH_METHOD_OIDC = "oidc"

TOTP_DEVICE_NAME = "Application d'authentification"
BACKUP_DEVICE_NAME = "Codes de secours"

_TOTP_CODE = re.compile(r"^\d{6}$")


class SecondFactorError(ValidationError):
    """A code was refused (wrong, reused, or the account is locked)."""


# --- Policy -------------------------------------------------------------------


def requires_second_factor(user: Any, request: HttpRequest | None = None) -> bool:
    """True when ``user`` must prove a second factor in this session.

    Required of active accounts with ``is_staff`` or ``is_superuser`` or
    holding one of ``settings.MFA_REQUIRED_ROLES`` (by default the IFPC staff
    roles: catalogue manager, registrations manager, administrator), when they
    signed in with a local password. Sessions opened through OIDC are exempt:
    the identity provider enforces its own authentication; the OIDC sign-in
    marks them with ``request.session["auth_method"] == "oidc"``.
    """
    return _requires(user, getattr(request, "session", None))


def _requires(user: Any, session: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if session is not None and session.get(AUTH_METHOD_SESSION_KEY) == AUTH_METHOD_OIDC:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(roles_of(user) & set(settings.MFA_REQUIRED_ROLES))


def is_verified(user: Any) -> bool:
    """True when this session's user proved a second factor (django-otp)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


# --- Devices ------------------------------------------------------------------


def confirmed_totp_device(user: Any) -> TOTPDevice | None:
    """The user's authenticator app, once enrolment was confirmed."""
    return (
        TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
    )


def has_second_factor(user: Any) -> bool:
    return confirmed_totp_device(user) is not None


def pending_totp_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (made on first call, then the same
    one, so reloading the enrolment page keeps the secret)."""
    device = (
        TOTPDevice.objects.devices_for_user(user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The ``otpauth://`` URI as an inline SVG QR code, labelled for screen readers."""
    label = _("Code QR à scanner avec votre application d'authentification")
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=label, svgclass="qr-code", light="#fff"
    )
    return mark_safe(  # noqa: S308 (segno's output; the label is escaped)
        svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    )


# --- Verification -------------------------------------------------------------


def _refuse(message: str, code: str) -> SecondFactorError:
    return SecondFactorError(message, code=code)


def _locked_error(lock: throttling.Lock) -> SecondFactorError:
    return _refuse(
        _("Trop de codes erronés. Réessayez dans %(minutes)s minute(s).")
        % {"minutes": lock.minutes},
        "locked",
    )


def _check_code(request: HttpRequest, token: str, devices: list[Any]) -> Any:
    """The device of ``devices`` accepting ``token``; counts failures."""
    user = request.user
    lock = throttling.current_lock(user.email, request)
    if lock is not None:
        raise _locked_error(lock)
    token = re.sub(r"\s+", "", token or "").lower()
    accepted = None
    if token:
        with transaction.atomic():
            for device in devices:
                if device is None:
                    continue
                device = type(device).objects.select_for_update().get(pk=device.pk)
                allowed, _why = device.verify_is_allowed()
                if not allowed:
                    # django-otp's own back-off between attempts (1, 2, 4… s).
                    throttling.record_failure(user.email, request)
                    raise _refuse(
                        _(
                            "Tentatives trop rapprochées : patientez quelques "
                            "secondes avant de saisir un nouveau code."
                        ),
                        "too_fast",
                    )
                if device.verify_token(token):
                    accepted = device
                    break
    if accepted is None:
        lock = throttling.record_failure(user.email, request)
        logger.info("second factor refused user=%s", user.pk)
        if lock is not None:
            raise _locked_error(lock)
        raise _refuse(
            _(
                "Ce code n'est pas valide ou a déjà été utilisé. Saisissez le "
                "code à 6 chiffres affiché maintenant par votre application, "
                "ou un code de secours."
            ),
            "invalid",
        )
    throttling.record_success(user.email)
    return accepted


def _mark_verified(request: HttpRequest, device: Any) -> None:
    # A new session key for the raised privilege (as at sign-in).
    request.session.cycle_key()
    django_otp.login(request, device)


def verify(request: HttpRequest, token: str) -> Any:
    """Verify the signed-in user's 6-digit code or backup code and mark the
    session verified; returns the device that accepted it.

    Raises ``SecondFactorError`` (French message) when the code is wrong, was
    already used (TOTP time step already consumed, backup code already spent)
    or the account is locked by repeated failures.
    """
    user = request.user
    totp = confirmed_totp_device(user)
    backup = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    normalised = re.sub(r"\s+", "", token or "")
    devices = [totp] if _TOTP_CODE.match(normalised) else [backup]
    device = _check_code(request, token, devices)
    _mark_verified(request, device)
    return device


def _new_backup_codes(user: Any) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


def confirm_enrolment(request: HttpRequest, token: str) -> list[str]:
    """Confirm the signed-in user's pending authenticator app with a code from
    it; the session becomes verified. Returns the new backup codes (to show
    once; previous ones stop working).

    Raises ``SecondFactorError`` on a wrong code (counted like sign-in
    failures). Journalled as ``SECOND_FACTOR_CHANGED``.
    """
    user = request.user
    device = pending_totp_device(user)
    device = _check_code(request, token, [device])
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Only one authenticator app: an earlier one (if any) is replaced.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_backup_codes(user)
        audit.event(
            user,
            audit.Action.SECOND_FACTOR_CHANGED,
            _("Application d'authentification enregistrée, codes de secours créés."),
            subject=user,
            object_type="otp_totp.TOTPDevice",
            object_label=f"{TOTP_DEVICE_NAME} — {user.email}",
        )
    _mark_verified(request, device)
    return codes


def regenerate_backup_codes(user: Any) -> list[str]:
    """New backup codes for ``user`` (the old ones stop working); journalled."""
    with transaction.atomic():
        codes = _new_backup_codes(user)
        audit.event(
            user,
            audit.Action.SECOND_FACTOR_CHANGED,
            _("Codes de secours régénérés."),
            subject=user,
            object_type="otp_static.StaticDevice",
            object_label=f"{BACKUP_DEVICE_NAME} — {user.email}",
        )
    return codes


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset_second_factor(user: Any, *, by: Any) -> int:
    """Remove every second-factor device of ``user`` (lost phone): at the next
    sign-in, or the next request of a verified session, they enrol again.
    Returns how many devices went; journalled, by ``by``."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            count, _per_model = model.objects.filter(user=user).delete()
            removed += count
        audit.event(
            by,
            audit.Action.SECOND_FACTOR_CHANGED,
            _(
                "Double authentification réinitialisée (%(count)s appareil(s) retiré(s))."
            )
            % {"count": removed},
            subject=user,
            object_type=settings.AUTH_USER_MODEL,
            object_label=user.email,
        )
    return removed


# --- Enforcement --------------------------------------------------------------


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("two_factor:verify"),
        reverse("two_factor:enrol"),
        reverse("logout"),
        reverse("set_language"),
        settings.STATIC_URL,
        *getattr(settings, "MFA_EXEMPT_PATH_PREFIXES", ()),
    )


def gate_url(request: HttpRequest) -> str | None:
    """Where an unverified user who requires the second factor must go first
    (``None`` when nothing is required or the path is exempt)."""
    if request.path.startswith(_exempt_paths()):
        return None
    user = request.user
    if not requires_second_factor(user, request) or is_verified(user):
        return None
    target = (
        reverse("two_factor:verify")
        if has_second_factor(user)
        else reverse("two_factor:enrol")
    )
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return target


class SecondFactorMiddleware:
    """Send unverified users who require a second factor to verify or enrol.

    Installed after ``django_otp.middleware.OTPMiddleware``. Nothing but the
    verification and enrolment pages, sign-out, the language switch and static
    files is reachable until then: not the Wagtail admin (/cms/), not the
    Django admin (/django-admin/), not any staff view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            target = gate_url(request)
            if target is not None:
                return HttpResponseRedirect(target)
        return self.get_response(request)


def _websocket_session_allowed(user: Any, session: Any) -> bool:
    if not _requires(user, session):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


class SecondFactorWebSocketMiddleware:
    """Channels counterpart of ``SecondFactorMiddleware`` (inside
    ``AuthMiddlewareStack``): for WebSocket consumers, a session that has not
    proved the second factor it requires is anonymous."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        user = scope.get("user")
        if user is not None and user.is_authenticated:
            allowed = await database_sync_to_async(_websocket_session_allowed)(
                user, scope.get("session")
            )
            if not allowed:
                scope = {**scope, "user": AnonymousUser()}
        return await self.inner(scope, receive, send)


__all__ = [
    "AUTH_METHOD_OIDC",
    "AUTH_METHOD_SESSION_KEY",
    "SecondFactorError",
    "SecondFactorMiddleware",
    "SecondFactorWebSocketMiddleware",
    "backup_codes_left",
    "confirm_enrolment",
    "confirmed_totp_device",
    "gate_url",
    "has_second_factor",
    "is_verified",
    "pending_totp_device",
    "qr_code_svg",
    "regenerate_backup_codes",
    "requires_second_factor",
    "reset_second_factor",
    "secret_text",
    "verify",
]
