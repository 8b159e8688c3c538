"""Registry of activity kinds whose content belongs to a higher app.

``courses`` holds slots for live classes and in-person days
(``Activity.Kind.LIVE_CLASS``, ``IN_PERSON_DAY``) but does not know what is in
them: the ``live`` app registers, for each kind, the template shown on the
learner's activity page and a function computing its context (the date, the
place or the join link, read from ``Activity.settings`` or its own models).
Until a kind is registered the page shows a neutral "details to come" text.

    from courses.activity_types import register_activity_type

    register_activity_type(
        Activity.Kind.LIVE_CLASS,
        template_name="live/activity_live_class.html",
        get_context=live_class_context,  # (activity, user) -> dict
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .models import Activity

#: Kinds another app may fill; the others are rendered by ``courses`` itself.
SLOT_KINDS = frozenset({Activity.Kind.LIVE_CLASS, Activity.Kind.IN_PERSON_DAY})

ContextFunction = Callable[[Activity, Any], dict[str, Any]]


@dataclass(frozen=True)
class ActivityType:
    kind: str
    template_name: str
    get_context: ContextFunction | None = None

    def context_for(self, activity: Activity, user: Any) -> dict[str, Any]:
        return self.get_context(activity, user) if self.get_context else {}


_TYPES: dict[str, ActivityType] = {}


def register_activity_type(
    kind: str, *, template_name: str, get_context: ContextFunction | None = None
) -> ActivityType:
    """Let a higher app render the content of a slot kind (replaces a previous one)."""
    if kind not in SLOT_KINDS:
        raise ImproperlyConfigured(f"{kind!r} is not a slot kind of courses")
    activity_type = ActivityType(kind, template_name, get_context)
    _TYPES[kind] = activity_type
    return activity_type


def activity_type_for(kind: str) -> ActivityType | None:
    """The registered renderer of ``kind``, if any."""
    return _TYPES.get(kind)


def unregister_activity_type(kind: str) -> None:
    """Remove a registration (tests)."""
    _TYPES.pop(kind, None)
