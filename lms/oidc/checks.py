"""System checks of the Mon Espace sign-in settings (``manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ..roles import Role


@checks.register(checks.Tags.security)
def check_oidc_settings(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """OIDC settings that would fail at the first sign-in fail here instead."""
    from .services import role_rules

    errors: list[checks.CheckMessage] = []
    if not settings.OIDC_ISSUER:
        return errors
    if not settings.OIDC_CLIENT_ID:
        errors.append(
            checks.Error(
                "OIDC_ISSUER is set but OIDC_CLIENT_ID is empty", id="lms.E101"
            )
        )
    try:
        role_rules()
    except ImproperlyConfigured as error:
        errors.append(checks.Error(str(error), id="lms.E102"))
    unknown = set(settings.OIDC_LOCAL_LOGIN_ROLES) - set(Role.values)
    if unknown:
        errors.append(
            checks.Error(
                f"OIDC_LOCAL_LOGIN_ROLES names unknown roles: {sorted(unknown)}",
                id="lms.E103",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_oidc_https(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """In production the identity provider is reached over HTTPS only."""
    issuer = settings.OIDC_ISSUER
    if issuer and not issuer.startswith("https://"):
        return [checks.Error("OIDC_ISSUER must be an https:// URL", id="lms.E104")]
    return []
