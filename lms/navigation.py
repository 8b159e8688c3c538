"""Main navigation: items registered by apps, shown according to the user's roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .permissions import roles_of
from .roles import IFPC_STAFF_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    """A link of the main navigation.

    ``roles`` empty means every signed-in user; ``public`` items are shown to
    anonymous visitors too. ``order`` sorts items left to right.
    """

    key: str
    label: str | Promise
    url_name: str
    order: int
    roles: frozenset[str] = field(default_factory=frozenset)
    public: bool = False

    def visible_to(self, user: Any) -> bool:
        if not user.is_authenticated:
            return self.public
        return not self.roles or bool(roles_of(user) & self.roles)


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    """Add or replace a navigation item (keyed by ``item.key``)."""
    _ITEMS[item.key] = item


def items_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    """Visible items for ``user`` with their URL and whether they are current."""
    result = []
    for item in sorted(_ITEMS.values(), key=lambda i: i.order):
        if not item.visible_to(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        is_current = current_path == url or (
            url != "/" and current_path.startswith(url)
        )
        result.append(
            {"key": item.key, "label": item.label, "url": url, "current": is_current}
        )
    return result


def _core_items() -> Iterable[NavItem]:
    yield NavItem("home", _("Accueil"), "home", 0, public=True)
    yield NavItem("dashboard", _("Mon tableau de bord"), "lms:dashboard", 10)
    yield NavItem(
        "cms",
        _("Administration du catalogue"),
        "wagtailadmin_home",
        80,
        roles=frozenset(IFPC_STAFF_ROLES),
    )
    yield NavItem(
        "django_admin",
        _("Administration technique"),
        "admin:index",
        90,
        roles=frozenset({Role.ADMINISTRATOR}),
    )


for _item in _core_items():
    register(_item)
