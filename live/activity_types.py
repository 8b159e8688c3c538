"""Course slot activities (live class, in-person day) rendered by ``live``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .agenda import day_place, safe_reverse
from .models import InPersonDay, VirtualClass


def live_class_context(activity: Any, user: Any) -> dict[str, Any]:
    vc = VirtualClass.objects.filter(activity=activity).first()
    if vc is None:
        return {"virtual_class": None}
    return {
        "virtual_class": vc,
        "is_cancelled": vc.status == VirtualClass.Status.CANCELLED,
        "join_state": vc.join_window_state(timezone.now()),
        "url": safe_reverse("live:class_detail", vc.uuid),
    }


def in_person_day_context(activity: Any, user: Any) -> dict[str, Any]:
    day = InPersonDay.objects.filter(activity=activity).first()
    if day is None or not day.halves():
        return {"day": None}
    return {
        "day": day,
        "place": day_place(day),
        "halves": [
            (InPersonDay.Half(half).label, start, end)
            for half, start, end in day.halves()
        ],
        "url": safe_reverse("live:day_detail", day.uuid),
    }


def register() -> None:
    from courses.activity_types import register_activity_type
    from courses.models import Activity

    register_activity_type(
        Activity.Kind.LIVE_CLASS,
        template_name="live/activity/live_class.html",
        get_context=live_class_context,
    )
    register_activity_type(
        Activity.Kind.IN_PERSON_DAY,
        template_name="live/activity/in_person_day.html",
        get_context=in_person_day_context,
    )
