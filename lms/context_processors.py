"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation items the current user may see."""
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": []}
    return {"nav_items": items_for(user, request.path)}
