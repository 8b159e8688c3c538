"""Accounts from Mon Espace claims: matching, linking, creation, roles and establishments.

The rules are those of the ``lms.oidc`` docstring.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..models import Establishment, OIDCIdentity, User
from ..roles import ESTABLISHMENT_SCOPED_ROLES, IFPC_STAFF_ROLES, Role
from ..services import grant_role, revoke_role
from .client import SignInRefused

logger = logging.getLogger(__name__)

MATRICULE_RE = re.compile(r"^[0-9A-Za-z-]{4,32}$")


@dataclass(frozen=True)
class Resolution:
    """Either the account to sign in (``user``), or the account the person must
    first prove they own with its local password (``pending``)."""

    user: User | None = None
    pending: User | None = None


def role_rules() -> dict[str, str]:
    """``OIDC_ROLE_RULES`` parsed: claim value → role; fails loudly when wrong."""
    try:
        rules = json.loads(settings.OIDC_ROLE_RULES)
    except ValueError as error:
        raise ImproperlyConfigured("OIDC_ROLE_RULES must be a JSON object") from error
    if not isinstance(rules, dict) or not all(
        isinstance(k, str) and v in Role.values for k, v in rules.items()
    ):
        raise ImproperlyConfigured(
            "OIDC_ROLE_RULES must map claim values to roles among: "
            + ", ".join(Role.values)
        )
    return rules


def _values(raw: Any) -> list[str]:
    """A claim holding one value, a list, or a space/comma-separated string."""
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [str(item).strip() for item in raw if str(item).strip()]
    return [item for item in re.split(r"[\s,]+", str(raw)) if item]


def matricule_claim(claims: dict[str, Any]) -> str:
    """The staff number in ``claims`` ("" when absent); ``SignInRefused`` if malformed."""
    values = _values(claims.get(settings.OIDC_CLAIM_MATRICULE))
    if not values:
        return ""
    if len(values) > 1 or not MATRICULE_RE.match(values[0]):
        raise SignInRefused(
            _("Le matricule transmis par Mon Espace n'est pas valide."),
            "malformed matricule claim",
        )
    return values[0]


def _email_claim(claims: dict[str, Any]) -> str:
    value = claims.get(settings.OIDC_CLAIM_EMAIL)
    return value.strip().lower() if isinstance(value, str) else ""


def is_privileged(user: User) -> bool:
    """IFPC staff, administrators and Django staff are never linked silently."""
    return bool(user.is_staff or user.is_superuser or user.role_set & IFPC_STAFF_ROLES)


def _missing_matricule() -> SignInRefused:
    return SignInRefused(
        _(
            "Mon Espace n'a pas transmis votre matricule : Tremplin ne peut pas "
            "vous identifier. Vérifiez votre profil dans Mon Espace ou contactez "
            "l'IFPC."
        ),
        "no matricule claim",
    )


@transaction.atomic
def resolve(issuer: str, claims: dict[str, Any]) -> Resolution:
    """Find, link or create the account for these (checked) ID token claims.

    Side effects: may create a user, an ``OIDCIdentity`` and role assignments,
    all journalled, in one transaction. Raises ``SignInRefused`` (nothing
    written) when the claims cannot identify one person safely.
    """
    subject = str(claims["sub"])
    identity = (
        OIDCIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        return Resolution(user=_signed_in(identity, claims))

    matricule = matricule_claim(claims)
    if not matricule:
        raise _missing_matricule()
    email = _email_claim(claims)
    user = User.objects.filter(matricule=matricule).first()
    if user is None and email:
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and user.matricule and user.matricule != matricule:
            raise SignInRefused(
                _(
                    "Un autre compte Tremplin utilise déjà votre adresse e-mail. "
                    "Contactez l'IFPC pour relier vos comptes."
                ),
                "e-mail owned by an account with another matricule",
            )
        if user is not None and claims.get("email_verified") is not True:
            return Resolution(pending=user)
    if user is not None:
        if user.oidc_identities.filter(issuer=issuer).exists():
            raise SignInRefused(
                _(
                    "Ce compte Tremplin est déjà relié à un autre compte Mon Espace. "
                    "Contactez l'IFPC."
                ),
                "account already linked to another subject",
            )
        if is_privileged(user):
            return Resolution(pending=user)
        identity = link(user, issuer, claims, by=None)
        return Resolution(user=_signed_in(identity, claims))
    if not email:
        raise SignInRefused(
            _(
                "Mon Espace n'a pas transmis votre adresse e-mail : Tremplin ne peut "
                "pas créer votre compte."
            ),
            "no e-mail claim",
        )
    user = User.objects.create_user(
        email,
        password=None,
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        matricule=matricule,
    )
    audit.event(
        None,
        audit.Action.ADDED,
        _("Compte créé à la première connexion avec Mon Espace."),
        obj=user,
    )
    identity = link(user, issuer, claims, by=None)
    return Resolution(user=_signed_in(identity, claims))


def link(
    user: User, issuer: str, claims: dict[str, Any], *, by: User | None
) -> OIDCIdentity:
    """Link ``user`` to the identity ``(issuer, claims["sub"])`` and journal it.

    ``by`` is the person who confirmed the link (``None``: automatic). The
    account's empty matricule is filled from the claims.
    """
    identity = OIDCIdentity.objects.create(
        user=user, issuer=issuer, subject=str(claims["sub"])
    )
    matricule = matricule_claim(claims)
    if matricule and not user.matricule:
        user.matricule = matricule
        user.save(update_fields=["matricule"])
    audit.event(
        by,
        audit.Action.ACCOUNT_LINKED,
        _("Compte relié à Mon Espace (%(issuer)s, identifiant %(sub)s).")
        % {"issuer": issuer, "sub": identity.subject},
        obj=user,
    )
    return identity


@transaction.atomic
def confirm_link(user: User, issuer: str, claims: dict[str, Any]) -> User:
    """Link ``user`` after they proved they own it (local password), then sign in.

    Raises ``SignInRefused`` when the identity was linked meanwhile.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if OIDCIdentity.objects.filter(issuer=issuer, subject=str(claims["sub"])).exists():
        raise SignInRefused(
            _("Ce compte Mon Espace est déjà relié à un compte Tremplin."),
            "identity linked meanwhile",
        )
    return _signed_in(link(user, issuer, claims, by=user), claims)


def _signed_in(identity: OIDCIdentity, claims: dict[str, Any]) -> User:
    user = identity.user
    if not user.is_active:
        raise SignInRefused(_("Ce compte est désactivé."), "inactive account")
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at", "updated_at"])
    establishments = _sync_establishments(user, claims)
    _sync_roles(user, claims, establishments)
    return user


def _fase_numbers(claims: dict[str, Any]) -> list[int] | None:
    if settings.OIDC_CLAIM_FASE not in claims:
        return None
    numbers = []
    for value in _values(claims[settings.OIDC_CLAIM_FASE]):
        if value.isdigit():
            numbers.append(int(value))
        else:
            logger.warning("oidc: ignoring malformed FASE number %r", value)
    return numbers


def _sync_establishments(user: User, claims: dict[str, Any]) -> list[Establishment]:
    """Establishments follow the FASE claim when present; unknown numbers are skipped."""
    numbers = _fase_numbers(claims)
    if numbers is None:
        return list(user.establishments.all())
    found = list(Establishment.objects.filter(fase_number__in=numbers))
    if len(found) != len(set(numbers)):
        logger.warning(
            "oidc: unknown FASE numbers %s",
            sorted(set(numbers) - {e.fase_number for e in found}),
        )
    current = set(user.establishments.values_list("pk", flat=True))
    if current != {e.pk for e in found}:
        user.establishments.set(found)
        audit.event(
            None,
            audit.Action.CHANGED,
            _("Établissements mis à jour depuis Mon Espace : %(list)s")
            % {"list": ", ".join(str(e) for e in found) or "—"},
            obj=user,
        )
    return found


def _sync_roles(
    user: User, claims: dict[str, Any], establishments: Iterable[Establishment]
) -> None:
    """Grant and revoke the roles ``OIDC_ROLE_RULES`` manages, through the audited
    services; an establishment-scoped role needs a known establishment."""
    rules = role_rules()
    wanted = {
        rules[value]
        for value in _values(claims.get(settings.OIDC_CLAIM_FUNCTIONS))
        if value in rules
    }
    establishments = list(establishments)
    for role in sorted(set(rules.values())):
        held = set(
            user.role_assignments.filter(role=role).values_list(
                "establishment_id", flat=True
            )
        )
        if role not in ESTABLISHMENT_SCOPED_ROLES:
            if role in wanted and not held:
                grant_role(user, role)
            elif role not in wanted and held:
                revoke_role(user, role)
            continue
        scopes = establishments if role in wanted else []
        if role in wanted and not scopes:
            logger.warning(
                "oidc: role %s for user %s needs a known establishment", role, user.pk
            )
        for establishment in scopes:
            if establishment.pk not in held:
                grant_role(user, role, establishment=establishment)
        stale = held - {e.pk for e in scopes}
        for establishment in Establishment.objects.filter(pk__in=stale):
            revoke_role(user, role, establishment=establishment)


def local_login_allowed(user: User) -> bool:
    """Whether ``user`` may sign in with a local password (see the package docstring)."""
    from .client import is_enabled

    if not is_enabled() or not user.oidc_identities.exists():
        return True
    return bool(user.role_set & set(settings.OIDC_LOCAL_LOGIN_ROLES))
