"""State changes on accounts: granting and revoking roles, keeping groups in sync."""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Establishment, RoleAssignment, User
from .roles import ESTABLISHMENT_SCOPED_ROLES, ROLE_PERMISSIONS, Role, group_name

logger = logging.getLogger(__name__)


def _forget_cached_roles(user: User) -> None:
    user.__dict__.pop("role_set", None)


def _sync_staff_flags(user: User) -> None:
    """Administrators, and only they, reach the Django admin as superusers."""
    is_admin = user.role_assignments.filter(role=Role.ADMINISTRATOR).exists()
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def grant_role(
    user: User,
    role: str,
    *,
    establishment: Establishment | None = None,
    granted_by: User | None = None,
) -> RoleAssignment:
    """Give ``role`` to ``user`` (idempotent) and add them to the role's group.

    Raises ``ValidationError`` when a role that needs an establishment
    (school director) is granted without one, or when ``role`` is unknown.
    """
    if role not in Role.values:
        raise ValidationError(_("Fonction inconnue : %(role)s") % {"role": role})
    if role in ESTABLISHMENT_SCOPED_ROLES and establishment is None:
        raise ValidationError(
            _("Cette fonction doit être liée à un établissement."), code="scope"
        )
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        establishment=establishment,
        defaults={"granted_by": granted_by},
    )
    group, _created = Group.objects.get_or_create(name=group_name(role))
    user.groups.add(group)
    if role == Role.ADMINISTRATOR:
        _sync_staff_flags(user)
    _forget_cached_roles(user)
    if created:
        logger.info(
            "role granted user=%s role=%s establishment=%s by=%s",
            user.pk,
            role,
            establishment.pk if establishment else None,
            granted_by.pk if granted_by else None,
        )
        audit.event(
            granted_by,
            audit.Action.ROLE_GRANTED,
            _role_message(role, establishment),
            obj=user,
        )
    return assignment


def _role_message(role: str, establishment: Establishment | None) -> str:
    label = str(Role(role).label)
    return f"{label} ({establishment})" if establishment is not None else label


@transaction.atomic
def revoke_role(
    user: User,
    role: str,
    *,
    establishment: Establishment | None = None,
    revoked_by: User | None = None,
) -> bool:
    """Remove ``role`` (for ``establishment`` when given); return whether it existed.

    The user leaves the role's group once no assignment of that role remains.
    """
    assignments = RoleAssignment.objects.filter(user=user, role=role)
    if establishment is not None:
        assignments = assignments.filter(establishment=establishment)
    deleted, _rows = assignments.delete()
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=group_name(role)))
    if role == Role.ADMINISTRATOR:
        _sync_staff_flags(user)
    _forget_cached_roles(user)
    if deleted:
        logger.info("role revoked user=%s role=%s", user.pk, role)
        audit.event(
            revoked_by,
            audit.Action.ROLE_REVOKED,
            _role_message(role, establishment),
            obj=user,
        )
    return bool(deleted)


def sync_role_groups() -> None:
    """Create one group per role carrying exactly the permissions in ROLE_PERMISSIONS."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                logger.warning("permission %s not found for role %s", dotted, role)
                continue
            wanted.append(permission)
        group.permissions.set(wanted)


def set_preferred_language(user: User, language: str) -> None:
    """Remember the interface language a signed-in user chose."""
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


@transaction.atomic
def sync_user_access(user: User) -> None:
    """Re-derive groups and admin flags from the user's role assignments.

    Used after role assignments were edited in bulk (e.g. the Django admin inline).
    """
    wanted = {
        group_name(role)
        for role in user.role_assignments.values_list("role", flat=True)
    }
    role_groups = Group.objects.filter(name__in=[group_name(role) for role in Role])
    user.groups.remove(*[g for g in role_groups if g.name not in wanted])
    user.groups.add(*[g for g in role_groups if g.name in wanted])
    _sync_staff_flags(user)
    _forget_cached_roles(user)
