"""Who may do what, on which object. Every view, API and consumer asks here.

Two layers:

* **roles** — ``has_role(user, Role.TUTOR)``, the ``role_required`` view
  decorator and ``RoleRequiredMixin``. A signed-in user without the role gets
  a 403 page; an anonymous visitor is sent to the login page.
* **object rules** — apps register a predicate per action with ``@rule``
  (``"tutoring.view_cohort"``: a tutor sees only their cohorts) and views call
  ``check_object_permission(user, "tutoring.view_cohort", cohort)``, which
  raises ``PermissionDenied`` (403). An action with no rule is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse

from .roles import IFPC_STAFF_ROLES, Role

Predicate = Callable[[Any, Any], bool]
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])

_RULES: dict[str, Predicate] = {}


def roles_of(user: Any) -> frozenset[str]:
    """The roles of ``user`` (empty for anonymous or inactive users)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return user.role_set


def has_role(user: Any, *roles: str) -> bool:
    """True when ``user`` holds at least one of ``roles``."""
    return bool(roles_of(user) & set(roles))


def is_ifpc_staff(user: Any) -> bool:
    """IFPC staff (catalogue or registrations managers, administrators)."""
    return has_role(user, *IFPC_STAFF_ROLES)


def is_administrator(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def role_required(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: anonymous → login page; signed in without a role → 403."""
    if not roles:
        raise ImproperlyConfigured("role_required needs at least one role")

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based view counterpart of ``role_required``; set ``required_roles``."""

    required_roles: tuple[str, ...] = ()
    raise_exception = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.required_roles:
            raise ImproperlyConfigured(f"{type(self).__name__} sets no required_roles")
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.required_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def rule(action: str) -> Callable[[Predicate], Predicate]:
    """Register the predicate ``(user, obj) -> bool`` deciding ``action``."""

    def decorator(predicate: Predicate) -> Predicate:
        if action in _RULES and _RULES[action] is not predicate:
            raise ImproperlyConfigured(f"A rule for {action!r} is already registered")
        _RULES[action] = predicate
        return predicate

    return decorator


def has_object_permission(user: Any, action: str, obj: Any) -> bool:
    """True when ``user`` may perform ``action`` on ``obj``; unknown actions: False."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    predicate = _RULES.get(action)
    if predicate is None:
        return False
    return bool(predicate(user, obj))


def check_object_permission(user: Any, action: str, obj: Any) -> None:
    """Raise ``PermissionDenied`` (→ 403) unless ``user`` may do ``action`` on ``obj``."""
    if not has_object_permission(user, action, obj):
        raise PermissionDenied


# --- Rules of the shared core ---------------------------------------------------


@rule("lms.view_establishment_staff")
def _can_view_establishment_staff(user: Any, establishment: Any) -> bool:
    """Administrators and IFPC registrations managers see every establishment's
    staff; a school director sees only the establishments they direct."""
    if has_role(user, Role.ADMINISTRATOR, Role.REGISTRATIONS_MANAGER):
        return True
    if not has_role(user, Role.SCHOOL_DIRECTOR):
        return False
    return user.role_assignments.filter(
        role=Role.SCHOOL_DIRECTOR, establishment=establishment
    ).exists()
